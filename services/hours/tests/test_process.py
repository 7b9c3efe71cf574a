"""The service as it is started for real: ``python -m hours_service prestart``, then gunicorn
with our config (against the test database and the stub user service)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from timekeeper_dev.net import free_port, wait_for_port

from tests.user_service_stub import CLIENT_ID, CLIENT_SECRET

SERVICE_DIR = Path(__file__).resolve().parents[1]


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        APP_ENV="test",
        DATABASE_URL=database_url,
        INTROSPECTION_CLIENT_ID=CLIENT_ID,
        INTROSPECTION_CLIENT_SECRET=CLIENT_SECRET,
        LOG_FORMAT="json",
        **extra,
    )
    return env


def url_of(postgresql_server, dbname: str) -> str:
    return f"postgresql://{postgresql_server.user}@{postgresql_server.host}:{postgresql_server.port}/{dbname}"


def run_prestart(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hours_service", "prestart"],
        cwd=SERVICE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_prestart_migrates_a_fresh_database_and_is_idempotent(postgresql_server):
    with psycopg.connect(url_of(postgresql_server, "postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS hours_prestart")
        conn.execute("CREATE DATABASE hours_prestart")
    env = service_env(url_of(postgresql_server, "hours_prestart"))
    applied = []
    for _ in range(2):
        result = run_prestart(env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        (done,) = [json.loads(line) for line in result.stderr.splitlines() if "prestart done" in line]
        applied.append(done["migrations_applied"])
    assert "timesheets.0002_database_rules" in applied[0]
    assert applied[1] == []
    with psycopg.connect(url_of(postgresql_server, "hours_prestart")) as conn:
        names = {row[0] for row in conn.execute("SELECT conname FROM pg_constraint")}
    assert {"entry_no_overlap", "entry_at_most_24h", "entry_project_same_owner"} <= names


def test_prestart_gives_up_when_the_database_never_comes(postgresql_server):
    env = service_env(
        f"postgresql://nobody@127.0.0.1:{free_port()}/x",
        PRESTART_DB_ATTEMPTS="2",
        PRESTART_DB_DELAY_SECONDS="0.1",
    )
    result = run_prestart(env)
    assert result.returncode != 0
    assert "database not reachable yet" in result.stderr


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
