"""``python -m user_service prestart`` and ``create-admin``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from tests.helpers import TOKEN_URL, make_app
from user_service import db
from user_service.__main__ import main
from user_service.config import Settings

ADMIN_PASSWORD = "an admin password"


@pytest.fixture
def service_env(monkeypatch, empty_database_url):
    """The environment a container would get, on an empty database."""
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("APP_ENV", "test")
    for name in ("ADMIN_USERNAME", "ADMIN_EMAIL", "ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def tables(url: str) -> set[str]:
    engine = create_engine(Settings(database_url=url).sqlalchemy_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def can_log_in(url: str, username: str, password: str) -> bool:
    client = make_app(Settings(database_url=url)).test_client()
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post(TOKEN_URL, data=form).status_code == 200


def admin_roles(url: str, username: str) -> list[str]:
    engine = create_engine(Settings(database_url=url).sqlalchemy_url)
    with engine.connect() as connection:
        roles = connection.scalar(text("SELECT roles FROM users WHERE username = :u"), {"u": username})
    engine.dispose()
    return roles


def test_prestart_migrates_an_empty_database(service_env, empty_database_url):
    assert main(["prestart"]) == 0
    assert {
        "users",
        "token_families",
        "refresh_tokens",
        "revoked_access_tokens",
        "alembic_version",
    } <= tables(empty_database_url)


def test_prestart_creates_the_admin_from_env_once(service_env, empty_database_url):
    service_env.setenv("ADMIN_USERNAME", "root")
    service_env.setenv("ADMIN_EMAIL", "root@example.com")
    service_env.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert main(["prestart"]) == 0
    assert main(["prestart"]) == 0  # idempotent: a restart changes nothing
    assert admin_roles(empty_database_url, "root") == ["user", "admin"]
    assert can_log_in(empty_database_url, "root", ADMIN_PASSWORD)


def test_prestart_refuses_a_weak_admin_password(service_env):
    service_env.setenv("ADMIN_USERNAME", "root")
    service_env.setenv("ADMIN_EMAIL", "root@example.com")
    service_env.setenv("ADMIN_PASSWORD", "short")
    assert main(["prestart"]) == 1


def test_create_admin_refuses_a_bad_username(service_env):
    assert main(["prestart"]) == 0
    service_env.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert main(["create-admin", "--username", "not valid", "--email", "x@example.com"]) == 1


def test_create_admin_command_creates_and_promotes(service_env, empty_database_url):
    assert main(["prestart"]) == 0
    service_env.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert main(["create-admin", "--username", "boss", "--email", "boss@example.com"]) == 0
    assert admin_roles(empty_database_url, "boss") == ["user", "admin"]

    client = make_app(Settings(database_url=empty_database_url)).test_client()
    client.post(
        "/api/users/v1/users", json={"username": "plain", "email": "p@example.com", "password": "x" * 12}
    )
    assert admin_roles(empty_database_url, "plain") == ["user"]
    assert main(["create-admin", "--username", "plain", "--email", "p@example.com"]) == 0
    assert admin_roles(empty_database_url, "plain") == ["user", "admin"]


def test_create_admin_prompts_for_the_password(service_env, empty_database_url, monkeypatch):
    assert main(["prestart"]) == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt: ADMIN_PASSWORD)
    assert main(["create-admin", "--username", "boss", "--email", "boss@example.com"]) == 0
    assert can_log_in(empty_database_url, "boss", ADMIN_PASSWORD)


def test_wait_for_database_retries_then_gives_up(settings):
    nowhere = settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/users"})
    engine = db.make_engine(nowhere)
    sleeps: list[float] = []
    with pytest.raises(OperationalError):
        db.wait_for_database(engine, attempts=3, delay=0.5, sleep=sleeps.append)
    assert sleeps == [0.5, 0.5]


def test_wait_for_database_returns_once_it_answers(settings):
    engine = db.make_engine(settings)
    calls = []
    real_ping = db.ping

    def flaky(engine):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, Exception("starting up"))
        real_ping(engine)

    import unittest.mock

    with unittest.mock.patch.object(db, "ping", flaky):
        db.wait_for_database(engine, attempts=5, sleep=lambda _s: None)
    assert len(calls) == 3


def test_python_dash_m_runs_prestart(empty_database_url):
    """The very command Compose and the container entrypoint run."""
    env = {"DATABASE_URL": empty_database_url, "APP_ENV": "test", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "user_service", "prestart", "--attempts", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"msg": "database migrated"' in result.stderr
    assert "users" in tables(empty_database_url)
