"""gunicorn with our config, for real, against the test database and the stub user service."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings
from timekeeper_dev.net import free_port, wait_for_port

from tests.helpers import SERVICE_DIR, service_env, url_of


@pytest.mark.django_db
def test_gunicorn_serves_with_our_config(postgresql_server, user_service, token_for, user):
    port = free_port()
    env = service_env(
        url_of(postgresql_server, settings.DATABASES["default"]["NAME"]),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        USER_SERVICE_URL=user_service.url,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:hours_service.gunicorn_conf", "hours_service.wsgi:application"],
        cwd=SERVICE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                wait_for_port(port, timeout=0.5)
                break
            except TimeoutError:
                continue
        assert process.poll() is None, process.communicate()[0]
        base = f"http://127.0.0.1:{port}"
        live = requests.get(
            f"{base}/api/hours/health/live", headers={"X-Request-Id": "gunicorn-1"}, timeout=10
        )
        assert live.status_code == 200
        assert live.headers["X-Request-Id"] == "gunicorn-1"
        assert requests.get(f"{base}/api/hours/health/ready", timeout=10).status_code == 200
        token = token_for(user)
        current = requests.get(
            f"{base}/api/hours/v1/timer/current", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert current.status_code == 204
        head = requests.head(f"{base}/api/hours/health/live", timeout=10)
        assert head.status_code == 200
        assert head.content == b""
        missing = requests.get(f"{base}/api/hours/v1/nope", timeout=10)
        assert missing.status_code == 404
        assert missing.headers["Content-Type"] == "application/problem+json"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line["logger"] == "hours_service.request"]
    assert any(line["request_id"] == "gunicorn-1" and line["status"] == 200 for line in requests_logged)
    assert any(line["logger"].startswith("gunicorn") for line in lines), output
    assert all(line.startswith("{") for line in output.splitlines() if line.strip()), output
    assert "no-body response" not in output
    assert "Control socket" not in output
