"""The container's command line works: gunicorn with docs_service.gunicorn_conf."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from stubs import StubUpstream
from timekeeper_dev.net import free_port, wait_for_port
from timekeeper_dev.process import one_stderr_line, run_command


def test_gunicorn_serves_the_app_on_port(users_stub: StubUpstream, hours_stub: StubUpstream) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "USERS_OPENAPI_URL": f"{users_stub.url}{users_stub.spec_path}",
        "HOURS_OPENAPI_URL": f"{hours_stub.url}{hours_stub.spec_path}",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:docs_service.gunicorn_conf", "docs_service.wsgi:app"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, timeout=30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/docs/health/ready", headers={"X-Request-Id": "gu-1"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["X-Request-Id"] == "gu-1"
            assert json.load(response)["status"] == "ok"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
    lines = [json.loads(line) for line in output.splitlines()]  # gunicorn's own lines are JSON too
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["msg"] for line in lines), (
        output
    )
    access = [line for line in lines if line["logger"] == "docs_service.access"]
    assert any(line["request_id"] == "gu-1" and line["status"] == 200 for line in access), output


PREFIX = "docs_service: configuration error: "


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"PORT": "http"}, "PORT must be a whole number, not 'http'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not '0'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, console, not 'xml'"),
        ({"GUNICORN_THREADS": "many"}, "GUNICORN_THREADS must be a whole number, not 'many'"),
        (
            {"APP_ENV": "prod", "USERS_OPENAPI_URL": "file:///etc/passwd", "SPEC_FETCH_TIMEOUT": "0"},
            "APP_ENV must be one of development, test, production, not 'prod'; "
            "USERS_OPENAPI_URL must be an http:// or https:// URL with a host; "
            "SPEC_FETCH_TIMEOUT must be greater than 0, not '0'",
        ),
    ],
)
def test_gunicorn_stops_at_once_with_one_line(env: dict[str, str], problem: str) -> None:
    """A wrong value ends gunicorn in its master, before it binds or starts a worker, with one
    line and exit status 2, as in the other services."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = run_command(
        [str(gunicorn), "-c", "python:docs_service.gunicorn_conf", "docs_service.wsgi:app"],
        env={"PATH": "/usr/bin:/bin", "PORT": str(free_port()), **env},
        timeout=60,
    )
    assert one_stderr_line(result, status=2, prefix=PREFIX) == problem
