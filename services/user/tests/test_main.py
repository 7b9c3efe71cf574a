"""``python -m user_service prestart`` and ``create-admin``."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError
from timekeeper_dev.process import run_command
from timekeeper_service.prestart import PRESTART_LOCK_ID, DatabaseUnreachable, wait_for_database

from tests.helpers import TOKEN_URL, make_app, migration_revisions
from user_service import db, prestart
from user_service.__main__ import main
from user_service.config import Settings
from user_service.prestart import logger

ADMIN_PASSWORD = "an admin password"
#: the very command Compose and the container entrypoint run
PRESTART = [sys.executable, "-m", "user_service", "prestart", "--attempts", "2"]


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


def _prestart_lock_holders(url: str) -> int:
    """Sessions holding prestart's advisory lock (a bigint key: classid and objid hold
    its two halves, objsubid is 1)."""
    engine = create_engine(Settings(database_url=url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :id"
                ),
                {"id": PRESTART_LOCK_ID},
            )
    finally:
        engine.dispose()


def test_prestart_creates_the_admin_while_holding_the_lock(service_env, empty_database_url, monkeypatch):
    # Replicas started together run prestart at once: the one that loses the race to
    # create the admin must find it made, not fail on the unique username.
    holders = []
    real = prestart.services.admin_ensure

    def admin_ensure(**kwargs):
        holders.append(_prestart_lock_holders(empty_database_url))
        return real(**kwargs)

    monkeypatch.setattr(prestart.services, "admin_ensure", admin_ensure)
    service_env.setenv("ADMIN_USERNAME", "root")
    service_env.setenv("ADMIN_EMAIL", "root@example.com")
    service_env.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert main(["prestart"]) == 0
    assert holders == [1]
    assert _prestart_lock_holders(empty_database_url) == 0  # and let go afterwards


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


def test_prestart_waits_for_another_replica_s_migration(service_env, empty_database_url):
    """Replicas starting together take turns on the prestart lock: one that waits longer than
    a request may wait for a lock (db.LOCK_TIMEOUT_MS) still migrates."""
    holder = create_engine(Settings(database_url=empty_database_url).sqlalchemy_url)
    held = threading.Event()

    def hold_the_lock() -> None:
        with holder.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PRESTART_LOCK_ID})
            held.set()
            time.sleep(db.LOCK_TIMEOUT_MS / 1000 + 1)  # another replica migrating

    other_replica = threading.Thread(target=hold_the_lock)
    other_replica.start()
    try:
        assert held.wait(10)
        assert main(["prestart"]) == 0
    finally:
        other_replica.join()
        holder.dispose()
    assert "users" in tables(empty_database_url)


def test_create_admin_prompts_for_the_password(service_env, empty_database_url, monkeypatch):
    assert main(["prestart"]) == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt: ADMIN_PASSWORD)
    assert main(["create-admin", "--username", "boss", "--email", "boss@example.com"]) == 0
    assert can_log_in(empty_database_url, "boss", ADMIN_PASSWORD)


def test_prestart_knows_sqlalchemy_s_connection_errors(settings):
    """SQLAlchemy wraps psycopg's error: prestart still tells an unreachable server (retried,
    then given up in one line) from one that refuses us (test_prestart runs both for real)."""
    nowhere = settings.model_copy(update={"database_url": "postgresql://postgres:pw-4a1c@127.0.0.1:1/users"})
    engine = db.make_engine(nowhere)
    sleeps: list[float] = []
    with pytest.raises(DatabaseUnreachable) as raised:
        wait_for_database(
            lambda: db.ping(engine),
            target=db.target(engine),
            attempts=3,
            delay=0.5,
            logger=logger,
            sleep=sleeps.append,
        )
    assert sleeps == [0.5, 0.5]
    assert isinstance(raised.value.__cause__, OperationalError)
    message = str(raised.value)
    assert message.startswith("database not reachable after 3 attempts, giving up")
    assert "host 127.0.0.1, port 1, database users, user postgres" in message
    assert "\n" not in message
    assert "pw-4a1c" not in message


def test_migrate_says_which_revisions_it_applied(empty_database_url):
    engine = db.make_engine(Settings(database_url=empty_database_url), bounded=False)
    try:
        assert db.migrate(engine) == migration_revisions()
        assert db.migrate(engine) == []
    finally:
        engine.dispose()


def test_python_dash_m_runs_prestart(empty_database_url):
    """The very command Compose and the container entrypoint run."""
    env = {"DATABASE_URL": empty_database_url, "APP_ENV": "test", "PATH": "/usr/bin:/bin"}
    result = run_command(PRESTART, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"msg": "database migrated"' in result.stderr
    assert "users" in tables(empty_database_url)


def test_prestart_takes_its_secrets_from_files(tmp_path, empty_database_url):
    """DATABASE_URL_FILE and ADMIN_PASSWORD_FILE (Docker secrets are files): the content, less
    one trailing newline, is the value."""
    (tmp_path / "database_url").write_text(empty_database_url + "\n")
    (tmp_path / "admin_password").write_text(ADMIN_PASSWORD + "\n")
    env = {
        "APP_ENV": "test",
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL_FILE": str(tmp_path / "database_url"),
        "ADMIN_USERNAME": "root",
        "ADMIN_EMAIL": "root@example.com",
        "ADMIN_PASSWORD_FILE": str(tmp_path / "admin_password"),
    }
    result = run_command(PRESTART, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert can_log_in(empty_database_url, "root", ADMIN_PASSWORD)


@pytest.mark.parametrize(
    ("env", "argv", "expected"),
    [
        ({}, [], (60, 1.0)),
        ({"PRESTART_DB_ATTEMPTS": "7", "PRESTART_DB_DELAY_SECONDS": "0.25"}, [], (7, 0.25)),
        ({"PRESTART_DB_ATTEMPTS": "7", "PRESTART_DB_DELAY_SECONDS": "0.25"}, ["--attempts", "2"], (2, 0.25)),
    ],
)
def test_prestart_takes_its_patience_from_env_and_attempts_from_the_option(
    service_env, monkeypatch, env, argv, expected
):
    for name in ("PRESTART_DB_ATTEMPTS", "PRESTART_DB_DELAY_SECONDS"):
        service_env.delenv(name, raising=False)
    for name, value in env.items():
        service_env.setenv(name, value)
    seen = []

    def prepare_database(*, attempts, delay, **_steps):
        seen.append((attempts, delay))
        return []

    monkeypatch.setattr(prestart, "prepare_database", prepare_database)
    assert main(["prestart", *argv]) == 0
    assert seen == [expected]


@pytest.mark.parametrize("attempts", ["0", "-1", "many"])
def test_prestart_refuses_a_useless_attempts_option(service_env, attempts, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["prestart", "--attempts", attempts])
    assert raised.value.code == 2
    assert "--attempts" in capsys.readouterr().err
