"""gunicorn really serves the app, the way the container and the local stack start it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from timekeeper_dev.net import free_port

from tests.helpers import SERVICE_ID, SERVICE_SECRET, SIGNING_KEY

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def server(app, database_url, tmp_path) -> Iterator[str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "JWT_SIGNING_KEY": SIGNING_KEY,
        "INTROSPECTION_CLIENT_ID": SERVICE_ID,
        "INTROSPECTION_CLIENT_SECRET": SERVICE_SECRET,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:user_service.gunicorn_conf", "user_service.wsgi:app"],
        cwd=SERVICE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a busy 2-core machine boots slowly
        while True:
            try:
                if requests.get(f"{base}/api/users/health/ready", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"gunicorn did not get ready:\n{log.read()}")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        process.wait(timeout=20)
        log.close()


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
