"""Faults: a dependency goes away and comes back; nobody answers anything but a prompt 503.

Every answer during a fault is held to timekeeper_dev.faults' rules: answered within
``BOUND`` seconds, never a 5xx other than 503, every 503 problem+json with Retry-After.
An answer that breaks them fails the test, including one on the way to recovery.
"""

from __future__ import annotations

from conftest import login
from timekeeper_dev.faults import ask, check, wait_for_status

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
