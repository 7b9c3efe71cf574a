"""Faults: a dependency goes away and comes back; nobody answers 500."""

from __future__ import annotations

import time

from conftest import login


def _wait_for_status(api, path: str, headers: dict, status: int, timeout: float) -> float:
    start = time.monotonic()
    while True:
        try:
            response = api.get(path, headers=headers, timeout=5)
            if response.status_code == status:
                return time.monotonic() - start
            assert response.status_code < 500 or response.status_code == 503, response.text
        except Exception:  # noqa: S110 - the gateway itself may be settling
            pass
        assert time.monotonic() - start < timeout, f"{path} did not answer {status} within {timeout}s"
        time.sleep(0.25)


def test_user_service_down_means_503_from_hours_then_recovery(api, stack, account) -> None:
    # a fresh token, never seen by the hours service, so it must ask the user service
    fresh = login(api, account.username, account.password)["access_token"]
    headers = {"Authorization": f"Bearer {fresh}"}
    stack.stop_service("user")
    try:
        started = time.monotonic()
        response = api.get("/api/hours/v1/projects", headers=headers)
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert elapsed < 3.0
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert int(response.headers["Retry-After"]) > 0
    finally:
        stack.start_service("user")
    _wait_for_status(api, "/api/hours/v1/projects", headers, 200, timeout=60)


def test_postgres_restart_is_survived_without_restarting_services(api, stack, account) -> None:
    stack.restart_postgres()
    _wait_for_status(api, "/api/users/v1/users/me", account.headers, 200, timeout=60)
    fresh = login(api, account.username, account.password)["access_token"]
    _wait_for_status(api, "/api/hours/v1/projects", {"Authorization": f"Bearer {fresh}"}, 200, timeout=60)
