"""Faults: a dependency goes away and comes back; nobody answers anything but a prompt 503.

Every answer during a fault is held to timekeeper_dev.faults' rules: answered within
``BOUND`` seconds, never a 5xx other than 503, every 503 problem+json with Retry-After.
An answer that breaks them fails the test, including one on the way to recovery.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

from conftest import login
from timekeeper_dev.faults import Call, Load, ask, check, summary, wait_for_status

#: the longest any answer may take during a fault: the gateway's own bound on a service's
#: answer (UPSTREAM_RESPONSE_TIMEOUT, 10 s) and a margin for a loaded machine
BOUND = 12.0


def test_user_service_down_means_503_from_hours_then_recovery(api, stack, account) -> None:
    # a fresh token, never seen by the hours service, so it must ask the user service
    fresh = login(api, account.username, account.password)["access_token"]
    headers = {"Authorization": f"Bearer {fresh}"}
    stack.stop_service("user")
    try:
        answer = ask(api, "GET", api.base_url + "/api/hours/v1/projects", bound=BOUND, headers=headers)
        check(answer, BOUND)
        assert answer.status == 503, answer
        assert answer.seconds < 3.0, answer
    finally:
        stack.start_service("user")
    wait_for_status(
        api, api.base_url + "/api/hours/v1/projects", 200, timeout=60, bound=BOUND, headers=headers
    )


def test_postgres_restart_is_survived_without_restarting_services(api, stack, account) -> None:
    stack.restart_postgres()
    me = api.base_url + "/api/users/v1/users/me"
    wait_for_status(api, me, 200, timeout=60, bound=BOUND, headers=account.headers)
    fresh = login(api, account.username, account.password)["access_token"]
    projects = api.base_url + "/api/hours/v1/projects"
    wait_for_status(api, projects, 200, timeout=60, bound=BOUND, headers={"Authorization": f"Bearer {fresh}"})


# -- freezes under load ------------------------------------------------------------------
#
# A frozen part (every process stopped with SIGSTOP, or its container paused) still accepts
# connections and answers nothing, so only its clients' own bounds end their waits: the
# services' database timeouts, the hours service's wait for the user service, and the
# gateway's UPSTREAM_RESPONSE_TIMEOUT. Under load, every answer must meet the rules above
# (within BOUND, never a 5xx but 503), every answer to a request that needs the frozen part
# must be 503 once the freeze can have been noticed, everything must answer as before once it is thawed, and no
# write that was acknowledged may be lost.

#: the statuses the load's requests may get: their own success, or 503
EXPECTED = {200, 201, 503}


def _project(headers: dict[str, str], run: str) -> Callable[[int], Call]:
    return lambda n: Call(
        "create project",
        "POST",
        "/api/hours/v1/projects",
        {"json": {"name": f"{run}-{n}"}, "headers": headers},
    )


def _freeze_under_load(
    stack, name: str, calls: list, *, seconds: float, recovered: Callable[[Load, float], bool]
) -> tuple[Load, float, float]:
    """Load before, during and after ``name`` is frozen for ``seconds``; stops once
    ``recovered(load, thawed_at)`` holds (at most 60 s after the thaw)."""
    with Load(stack.base_url, calls, bound=BOUND, pause=0.1) as load:
        time.sleep(2)  # a steady state first
        with stack.frozen(name):
            # measured inside: pausing a container takes the docker CLI a moment
            frozen_at = time.monotonic()
            time.sleep(seconds)
            thawed_at = time.monotonic()
        while not recovered(load, thawed_at):
            assert time.monotonic() - thawed_at < 60, summary(load.answers)
            time.sleep(0.5)
    return load, frozen_at, thawed_at


def _every_label_answered_well_since(labels: set[str]) -> Callable[[Load, float], bool]:
    """Recovered: each label has answered a success twice in a row since the thaw."""

    def recovered(load: Load, thawed_at: float) -> bool:
        since = [a for a in list(load.answers) if a.started >= thawed_at]
        return all(
            [a.status for a in since if a.label == label][-2:] in ([200, 200], [201, 201]) for label in labels
        )

    return recovered


def _assert_rules(
    load: Load, frozen_at: float, thawed_at: float, needs: set[str], independent: set[str], noticed: float
) -> None:
    answers = load.answers
    print(f"\n{summary(answers)}")
    check(answers, BOUND)
    assert {a.status for a in answers} <= EXPECTED, summary(answers)
    during = load.answered_between(frozen_at + noticed, thawed_at)
    for label in needs:
        statuses = [a.status for a in during if a.label == label]
        assert statuses, f"no {label} request was answered during the freeze: {summary(answers)}"
        assert set(statuses) == {503}, (label, statuses)
    for label in independent:
        statuses = {a.status for a in answers if a.label == label}
        assert statuses == {200}, (label, statuses)


def _assert_nothing_lost(api, load: Load, headers: dict[str, str]) -> None:
    created = [
        json.loads(a.body)["id"] for a in load.answers if a.label == "create project" and a.status == 201
    ]
    assert created
    for project_id in created:
        response = api.get(f"/api/hours/v1/projects/{project_id}", headers=headers)
        assert response.status_code == 200, (project_id, response.text)


def test_frozen_database_under_load_is_503_then_recovers(api, stack, account) -> None:
    h = account.headers
    run = f"db-freeze-{uuid.uuid4().hex[:8]}"
    needs = {"users me", "hours projects", "create project", "users ready", "hours ready"}
    calls = [
        Call("users me", "GET", "/api/users/v1/users/me", {"headers": h}),
        Call("hours projects", "GET", "/api/hours/v1/projects", {"headers": h}),
        _project(h, run),
        Call("users ready", "GET", "/api/users/health/ready"),
        Call("hours ready", "GET", "/api/hours/health/ready"),
        Call("hours live", "GET", "/api/hours/health/live"),
    ]
    load, frozen_at, thawed_at = _freeze_under_load(
        stack, "postgres", calls, seconds=14, recovered=_every_label_answered_well_since(needs)
    )
    # what needs the database cannot succeed once the requests in flight have been answered
    _assert_rules(load, frozen_at, thawed_at, needs, {"hours live"}, noticed=1)
    _assert_nothing_lost(api, load, h)


def test_frozen_user_service_under_load_is_503_then_recovers(api, stack, account) -> None:
    h = account.headers
    run = f"user-freeze-{uuid.uuid4().hex[:8]}"
    needs = {"users me", "users ready", "hours projects", "create project"}
    calls = [
        Call("users me", "GET", "/api/users/v1/users/me", {"headers": h}),
        Call("users ready", "GET", "/api/users/health/ready"),
        Call("hours projects", "GET", "/api/hours/v1/projects", {"headers": h}),
        _project(h, run),
        Call("hours ready", "GET", "/api/hours/health/ready"),
    ]
    load, frozen_at, thawed_at = _freeze_under_load(
        stack, "user", calls, seconds=18, recovered=_every_label_answered_well_since(needs)
    )
    # the hours service trusts a token it checked for AUTH_CACHE_SECONDS (5 s here): after
    # that, it asks the frozen user service too
    _assert_rules(load, frozen_at, thawed_at, needs, {"hours ready"}, noticed=stack.auth_cache_seconds + 2)
    _assert_nothing_lost(api, load, h)
