"""gunicorn really serves the app, the way the container and the local stack start it."""

from __future__ import annotations

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
