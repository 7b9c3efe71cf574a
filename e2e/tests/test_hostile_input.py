"""Hostile input on every operation of both committed specs, through the gateway.

The requests are generated from contracts/*.openapi.json (tests/hostile.py says how). Every
answer must be: within the fault bound, never a 5xx other than 503; an error as
problem+json (or the media type the document declares for that error, the OAuth2
endpoints' RFC 6749 bodies) with the gateway's CORS headers; a refusal (4xx) wherever the
request would change something. Afterwards, nothing may have been written: the test
accounts, their projects, entries and timers, and the list of users read as before.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest
import requests
from conftest import Api, login, register
from hostile import Case, Values, big_bodies, cases, operations
from timekeeper_dev.accounts import Account
from timekeeper_dev.faults import ask, problems

#: the fault tests' bound: no answer may take longer, even to a hostile request
BOUND = 12.0
PROBLEM_JSON = "application/problem+json"


@dataclass
class World:
    """What the hostile requests act as and on, and how to read it back."""

    api: Api
    origin: str
    account: Account  # the hours service's caller
    admin: dict[str, str]  # the user service's caller: it may reach every operation
    victim: Account  # the user an admin operation names
    values: Values

    def snapshot(self) -> dict[str, object]:
        """Everything a hostile request could have changed, as the API shows it."""
        reads = {
            "account me": ("/api/users/v1/users/me", self.account.headers),
            "admin me": ("/api/users/v1/users/me", self.admin),
            "victim me": ("/api/users/v1/users/me", self.victim.headers),
            "new users": (f"/api/users/v1/users?q={self.values.run}", self.admin),
            "projects": ("/api/hours/v1/projects?per_page=100", self.account.headers),
            "entries": ("/api/hours/v1/entries?per_page=100", self.account.headers),
            "timer": ("/api/hours/v1/timer/current", self.account.headers),
        }
        seen: dict[str, object] = {}
        for name, (path, headers) in reads.items():
            response = self.api.get(path, headers=headers)
            assert response.status_code in (200, 204), (name, response.status_code, response.text)
            seen[name] = (response.status_code, response.json() if response.content else None)
        return seen


@pytest.fixture(scope="module")
def world(stack, admin_token: str) -> Iterator[World]:
    with Api(stack.base_url) as api:
        account = register(api, "hostile")
        victim = register(api, "victim")
        h = account.headers
        project = api.post("/api/hours/v1/projects", json={"name": "hostile target"}, headers=h)
        assert project.status_code == 201, project.text
        run = f"h{uuid.uuid4().hex[:12]}"
        values = Values(run, {})
        entry = api.post(
            "/api/hours/v1/entries",
            json={
                "project": project.json()["id"],
                "started_at": values.valid({"format": "date-time"}, "started_at"),
                "ended_at": values.valid({"format": "date-time"}, "ended_at"),
            },
            headers=h,
        )
        assert entry.status_code == 201, entry.text
        values.known.update(
            project=project.json()["id"],
            project_id=project.json()["id"],
            entry_id=entry.json()["id"],
            user_id=victim.id,
        )
        origin = stack.cors_allowed_origins.split(",")[0].strip()
        yield World(api, origin, account, {"Authorization": f"Bearer {admin_token}"}, victim, values)


@pytest.fixture(scope="module")
def admin_token(stack) -> str:
    with Api(stack.base_url) as api:
        return login(api, stack.admin_username, stack.admin_password)["access_token"]


def _send(world: World, case: Case, session: requests.Session) -> list[str]:
    """What is wrong with the answer to ``case`` ([] if nothing)."""
    headers = {"Origin": world.origin, **case.headers}
    if case.authenticated:
        service = (
            case.operation.service if case.operation else ("users" if "/api/users/" in case.path else "hours")
        )
        headers.update(world.admin if service == "users" else world.account.headers)
    if case.content_type:
        headers["Content-Type"] = case.content_type
    answer = ask(
        session, case.method, world.api.base_url + case.path, bound=BOUND, data=case.body, headers=headers
    )
    wrong = problems(answer, BOUND)
    if answer.status is None:
        return wrong
    if answer.status >= 400:
        declared = (
            case.operation.error_types.get(answer.status, frozenset()) if case.operation else frozenset()
        )
        media_type = answer.content_type.split(";")[0].strip()
        if media_type != PROBLEM_JSON and media_type not in declared:
            wrong.append(f"a {answer.status} as {answer.content_type or 'nothing'}")
    elif case.must_refuse:
        wrong.append(f"accepted ({answer.status}): it would change something")
    if answer.headers.get("access-control-allow-origin") != world.origin:
        wrong.append("no CORS headers for an allowed origin")
    if case.kind == "big-body" and answer.status == 503:
        wrong.append("the gateway's 503, not the service's answer")
    return [f"{case} -> {answer.status} {answer.body[:160]!r}: {'; '.join(wrong)}"] if wrong else []


def _run(world: World, all_cases: Iterable[Case]) -> tuple[int, Counter[str], list[str]]:
    count, kinds, failures = 0, Counter(), []
    with requests.Session() as session:
        for case in all_cases:
            count += 1
            kinds[case.kind] += 1
            failures += _send(world, case, session)
    return count, kinds, failures


def _report(service: str, count: int, kinds: Counter[str], failures: list[str]) -> str:
    figures = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    head = f"{service}: {count} hostile requests ({figures}); {len(failures)} answered wrongly"
    return head + ("\n" + "\n".join(failures[:40]) if failures else "")


@pytest.mark.parametrize("service", ["users", "hours"])
def test_every_operation_refuses_hostile_input_cleanly(world: World, service: str) -> None:
    before = world.snapshot()
    count, kinds, failures = _run(
        world, (case for op in operations(service) for case in cases(op, world.values))
    )
    report = _report(service, count, kinds, failures)
    print(f"\n{report}")
    assert not failures, report
    assert count > 100
    assert world.snapshot() == before, "a hostile request changed something"


@pytest.mark.parametrize("service", ["users", "hours"])
def test_big_bodies_answered_early_get_the_services_answer(world: World, service: str) -> None:
    """Without a token, or to a method the path does not serve, almost a MiB is answered
    before it is read: the answer must still be the service's own, never the gateway's."""
    before = world.snapshot()
    count, kinds, failures = _run(world, big_bodies(service, world.values))
    report = _report(service, count, kinds, failures)
    print(f"\n{report}")
    assert not failures, report
    assert world.snapshot() == before
