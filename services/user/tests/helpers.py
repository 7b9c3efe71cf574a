"""Helpers the tests share: logging in, auth headers, and what every error body must be."""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import requests
from apiflask import APIFlask
from flask.testing import FlaskClient
from timekeeper_dev.net import free_port
from timekeeper_dev.process import stop_process_group

from tests.factories import PASSWORD
from user_service import create_app
from user_service.config import Settings

T = TypeVar("T")

SIGNING_KEY = "test-signing-key-" + "0123456789abcdef" * 3  # 64 bytes: no HS512 key warning either
SERVICE_ID = "hours"
SERVICE_SECRET = "test-introspection-secret"
FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}
SERVICE_DIR = Path(__file__).resolve().parents[1]
TOKEN_URL = "/api/users/v1/token"
INTROSPECT_URL = "/internal/v1/introspect"


@contextlib.contextmanager
def gunicorn_serving(database_url: str, log: Path, **env: str) -> Iterator[str]:
    """The app under gunicorn, started as the container starts it, on a free loopback port,
    until the block ends; yields its base URL once ``/health/ready`` answers 200. ``env`` adds
    to (or overrides) the environment; gunicorn's output goes to ``log``, which a test may
    read (a pipe nobody reads would stall the server once full)."""
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "JWT_SIGNING_KEY": SIGNING_KEY,
        "INTROSPECTION_CLIENT_ID": SERVICE_ID,
        "INTROSPECTION_CLIENT_SECRET": SERVICE_SECRET,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        **env,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(gunicorn), "-c", "python:user_service.gunicorn_conf", "user_service.wsgi:app"],
            cwd=SERVICE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60  # a busy 2-core machine boots slowly
            while not _ready(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not get ready:\n{log.read_text()}")
                time.sleep(0.1)
            yield base
        finally:
            stop_process_group(process)


def _ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/api/users/health/ready", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def make_app(settings: Settings, **config: Any) -> APIFlask:
    """An app on the test database with cheap password hashing."""
    return create_app({"SETTINGS": settings, "TESTING": True, **FAST_ARGON2, **config})


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post(
        TOKEN_URL, data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def introspect(client: FlaskClient, token: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(INTROSPECT_URL, data={"token": token}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """An RFC 9457 body with the given status (and ``urn:timekeeper:problem:<slug>`` type)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"] == (f"urn:timekeeper:problem:{slug}" if slug else "about:blank")
    return body


def assert_oauth2_error(response: Any, status: int, error: str) -> dict[str, Any]:
    """An RFC 6749 section 5.2 body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error
    assert response.headers["Cache-Control"] == "no-store"
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
    return body


def run_together(*calls: Callable[[], T]) -> list[T]:
    """Run ``calls`` in threads released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], T]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def migration_revisions() -> list[str]:
    """Every Alembic revision of the service, oldest first: what a fresh database gets."""
    from alembic.script import ScriptDirectory

    from user_service import db

    script = ScriptDirectory.from_config(db.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]
