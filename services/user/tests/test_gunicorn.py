"""gunicorn really serves the app, the way the container and the local stack start it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from tests.helpers import SERVICE_ID, SERVICE_SECRET, gunicorn_serving


@pytest.fixture
def server(app, database_url, tmp_path) -> Iterator[str]:
    with gunicorn_serving(database_url, tmp_path / "gunicorn.log") as base:
        yield base


def test_gunicorn_serves_the_app(server):
    ready = requests.get(
        f"{server}/api/users/health/ready", headers={"X-Request-Id": "gunicorn-1"}, timeout=5
    )
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert ready.headers["X-Request-Id"] == "gunicorn-1"

    user = {"username": "ada", "email": "ada@example.com", "password": "correct horse battery"}
    assert requests.post(f"{server}/api/users/v1/users", json=user, timeout=10).status_code == 201
    form = {"grant_type": "password", "username": "ada", "password": user["password"]}
    token = requests.post(f"{server}/api/users/v1/token", data=form, timeout=10).json()["access_token"]

    # introspection counted across both workers (new connections spread over them)
    before = _introspections(server)
    for _ in range(6):
        answer = requests.post(
            f"{server}/internal/v1/introspect",
            data={"token": token},
            auth=(SERVICE_ID, SERVICE_SECRET),
            timeout=5,
        )
        assert answer.json()["active"] is True
    assert _introspections(server) == before + 6


def _introspections(base: str) -> float:
    response = requests.get(f"{base}/internal/v1/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    for line in response.text.splitlines():
        if line.startswith("timekeeper_introspection_requests_total "):
            return float(line.split()[1])
    return 0.0


#: how long an introspection may take during a burst of logins: generous, yet well within the
#: hours service's read timeout (USER_SERVICE_READ_TIMEOUT, 2 s) — the answer it must get
INTROSPECTION_BOUND = 1.0
LOGIN_CLIENTS = 12  # each tries LOGIN_ATTEMPTS logins, one after another
LOGIN_ATTEMPTS = 4


def test_a_burst_of_logins_does_not_starve_introspection(server):
    """Logins hash passwords with argon2id at the production cost, and a burst of them is free
    to take every hashing slot; introspection, which the hours service needs for every
    request it has no cached answer for, is answered promptly all along. A login that finds
    every slot busy is a 503 problem with Retry-After, never a wait without end."""
    password = "correct horse battery"
    user = {"username": "ada", "email": "ada@example.com", "password": password}
    assert requests.post(f"{server}/api/users/v1/users", json=user, timeout=60).status_code == 201
    form = {"grant_type": "password", "username": "ada", "password": password}
    token = requests.post(f"{server}/api/users/v1/token", data=form, timeout=60).json()["access_token"]

    logins: list[requests.Response] = []
    burst_over = threading.Event()

    def log_in() -> None:
        for _ in range(LOGIN_ATTEMPTS):
            response = requests.post(f"{server}/api/users/v1/token", data=form, timeout=60)
            logins.append(response)
            if response.status_code == 503:
                time.sleep(float(response.headers.get("Retry-After", "1")))

    def burst() -> None:
        clients = [threading.Thread(target=log_in) for _ in range(LOGIN_CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        burst_over.set()

    threading.Thread(target=burst).start()
    took: list[float] = []
    while not burst_over.is_set() and len(took) < 200:
        started = time.monotonic()
        answer = requests.post(
            f"{server}/internal/v1/introspect",
            data={"token": token},
            auth=(SERVICE_ID, SERVICE_SECRET),
            timeout=30,
        )
        took.append(time.monotonic() - started)
        assert answer.status_code == 200 and answer.json()["active"] is True, answer.text
        time.sleep(0.1)
    assert burst_over.wait(120)

    assert len(took) >= 5, "the burst was over before introspection was tried"
    slow = [round(seconds, 2) for seconds in took if seconds > INTROSPECTION_BOUND]
    assert not slow, (
        f"{len(slow)} of {len(took)} introspections took longer than {INTROSPECTION_BOUND} s: {slow}"
    )
    statuses = Counter(response.status_code for response in logins)
    assert set(statuses) <= {200, 503} and statuses[200] >= 1, statuses
    for response in logins:
        if response.status_code == 503:
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.headers["Retry-After"] == "1"
