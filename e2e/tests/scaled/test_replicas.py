"""Every replica takes its share, and each one's own token cache obeys the bound.

Which replica answered is read from the replicas' own request logs (one JSON line per
request, with the request id the test sent), never inferred from timing.
"""

from __future__ import annotations

import time
import uuid

import pytest
from conftest import FIGURES, login, register


def _served_by(stack, service: str, request_ids: set[str]) -> dict[str, list[dict]]:
    """Task id -> the request lines of ``request_ids`` in that replica's own log."""
    return {
        task: [
            line for line in lines if line.get("msg") == "request" and line.get("request_id") in request_ids
        ]
        for task, lines in stack.replica_logs(service).items()
    }


@pytest.mark.parametrize(
    ("service", "path"), [("hours", "/api/hours/v1/projects"), ("user", "/api/users/v1/users/me")]
)
def test_traffic_reaches_every_replica(api, stack, account, service: str, path: str) -> None:
    tasks = stack.tasks(service)
    assert len(tasks) == stack.replicas >= 2
    request_ids = {f"spread-{service}-{uuid.uuid4().hex}" for _ in range(8 * stack.replicas)}
    for request_id in request_ids:
        response = api.get(path, headers={**account.headers, "X-Request-Id": request_id})
        assert response.status_code == 200, response.text
    served = _served_by(stack, service, request_ids)
    assert set(served) == {task.id for task in tasks}
    counts = {task: len([line for line in lines if line["path"] == path]) for task, lines in served.items()}
    assert all(count > 0 for count in counts.values()), counts
    # each request answered once, by one replica
    logged = [line["request_id"] for lines in served.values() for line in lines if line["path"] == path]
    assert sorted(logged) == sorted(request_ids)
    FIGURES.append(
        f"{service}: {len(request_ids)} requests through the gateway, per replica {sorted(counts.values())}"
    )


def test_a_revoked_token_is_refused_by_every_hours_replica_within_the_cache_bound(api, stack) -> None:
    account = register(api, prefix="revoke")
    fresh = login(api, account.username, account.password)["access_token"]
    headers = {"Authorization": f"Bearer {fresh}"}
    replicas = {task.id for task in stack.tasks("hours")}

    # every replica has the token in its own cache
    warm = {f"warm-{uuid.uuid4().hex}" for _ in range(4 * len(replicas))}
    for request_id in warm:
        assert (
            api.get("/api/hours/v1/projects", headers={**headers, "X-Request-Id": request_id}).status_code
            == 200
        )
    assert {task for task, lines in _served_by(stack, "hours", warm).items() if lines} == replicas

    assert api.post("/api/users/v1/token/revoke", data={"token": fresh}).status_code == 200
    revoked_at = time.time()
    bound = revoked_at + stack.auth_cache_seconds

    # from now until well past the bound: what each replica answers, and when
    asked: dict[str, float] = {}
    while time.time() < bound + 3:
        request_id = f"revoked-{uuid.uuid4().hex}"
        asked[request_id] = time.time()
        response = api.get("/api/hours/v1/projects", headers={**headers, "X-Request-Id": request_id})
        assert response.status_code in (200, 401), response.text
        time.sleep(0.1)

    served = _served_by(stack, "hours", set(asked))
    assert set(served) == replicas
    last_accepted = {}
    for task, lines in served.items():
        after_bound = [line for line in lines if asked[line["request_id"]] > bound + 0.5]
        assert len(after_bound) >= 2, f"replica {task} was asked too rarely after the bound"
        assert all(line["status"] == 401 for line in after_bound), (task, after_bound)
        accepted = [asked[line["request_id"]] - revoked_at for line in lines if line["status"] == 200]
        last_accepted[task] = max(accepted, default=0.0)
    assert all(seconds <= stack.auth_cache_seconds + 0.5 for seconds in last_accepted.values()), last_accepted
    FIGURES.append(
        f"revoked token: last accepted per hours replica {sorted(round(s, 1) for s in last_accepted.values())} s "
        f"after revocation (AUTH_CACHE_SECONDS={stack.auth_cache_seconds})"
    )
