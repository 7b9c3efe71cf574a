"""``python -m hours_service prestart``: wait for the database, migrate, log JSON only. What it
waits for, and what it does not: it retries while the server cannot be reached or is starting,
and stops at once, with one line, when the server refuses the role, the password or the
database (retrying cannot fix those; the shared package's tests cover the refusal table)."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest
from timekeeper_dev.net import free_port
from timekeeper_dev.postgres import PostgresCluster
from timekeeper_dev.prestart_checks import RETRY_LINE, assert_retry_line
from timekeeper_dev.process import command_running, json_lines, read_until, run_command

from tests.helpers import SERVICE_DIR, service_env

PRESTART = [sys.executable, "-m", "hours_service", "prestart"]


def run_prestart(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_command(PRESTART, env=env, cwd=SERVICE_DIR)


def test_prestart_migrates_a_fresh_database_and_is_idempotent(postgresql_cluster):
    with psycopg.connect(postgresql_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS hours_prestart")
        conn.execute("CREATE DATABASE hours_prestart")
    env = service_env(postgresql_cluster.url("hours_prestart"))
    applied = []
    for _ in range(2):
        result = run_prestart(env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        (done,) = [line for line in json_lines(result.stderr) if line["msg"] == "database migrated"]
        applied.append(done["migrations_applied"])
    assert "timesheets.0002_database_rules" in applied[0]
    assert applied[1] == []
    with psycopg.connect(postgresql_cluster.url("hours_prestart")) as conn:
        names = {row[0] for row in conn.execute("SELECT conname FROM pg_constraint")}
    assert {"entry_no_overlap", "entry_at_most_24h", "entry_project_same_owner"} <= names


def test_prestart_takes_its_secrets_from_files_in_production(postgresql_cluster, tmp_path):
    """DATABASE_URL_FILE, DJANGO_SECRET_KEY_FILE, INTROSPECTION_CLIENT_SECRET_FILE (Docker secrets
    are files): the content, less one trailing newline, is the value."""
    with psycopg.connect(postgresql_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS hours_prestart_files")
        conn.execute("CREATE DATABASE hours_prestart_files")
    secrets = {
        "DATABASE_URL": postgresql_cluster.url("hours_prestart_files"),
        "DJANGO_SECRET_KEY": "s" * 50,
        "INTROSPECTION_CLIENT_SECRET": "a-real-secret-from-a-file",
    }
    env = {**service_env(""), "APP_ENV": "production", "USER_SERVICE_URL": "http://user:8000"}
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n")
        env[name] = ""
        env[f"{name}_FILE"] = str(tmp_path / name)
    result = run_prestart(env)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(postgresql_cluster.url("hours_prestart_files")) as conn:
        assert conn.execute("SELECT to_regclass('timesheets_entry')").fetchone() != (None,)


# -- what prestart waits for, and what it does not ----------------------------------------------

PASSWORD_ROLE = "hours_prestart_pw"
RIGHT_PASSWORD = "the-right-password-7f3a"
WRONG_PASSWORD = "a-wrong-password-c41d"


def test_replicas_that_start_together_take_turns(postgresql_cluster):
    """Two prestarts at once on a fresh database (replicas of one deploy): both succeed, one
    migrates and the other finds nothing left to do (the advisory lock)."""
    with psycopg.connect(postgresql_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS hours_together")
        conn.execute("CREATE DATABASE hours_together")
    env = service_env(postgresql_cluster.url("hours_together"))
    processes = [
        subprocess.Popen(
            PRESTART, env=env, cwd=SERVICE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    applied = []
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        (done,) = [line for line in json_lines(stderr) if line["msg"] == "database migrated"]
        applied.append(done["migrations_applied"])
    assert sorted(len(names) for names in applied)[0] == 0
    assert "timesheets.0002_database_rules" in max(applied, key=len)


@pytest.fixture(scope="module")
def password_role(postgresql_cluster):
    """A role with its own database that must give its password (the cluster trusts every other
    role); pg_hba.conf is put back afterwards."""
    postgresql_cluster.create_database(PASSWORD_ROLE, owner=PASSWORD_ROLE, password=RIGHT_PASSWORD)
    with postgresql_cluster.require_password(PASSWORD_ROLE):
        yield PASSWORD_ROLE


def refused_at_once(env: dict[str, str]) -> dict:
    """Run prestart with the default patience (60 attempts, 1 s apart): it must give up at once,
    with one JSON error line, no traceback and no password. Returns that line."""
    env = {**env, "PRESTART_DB_ATTEMPTS": "60", "PRESTART_DB_DELAY_SECONDS": "1.0"}
    started = time.monotonic()
    result = run_prestart(env)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert elapsed < 15, f"prestart took {elapsed:.1f} s: it retried"
    assert RETRY_LINE not in result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in json_lines(result.stderr) if line["level"] == "ERROR"]
    assert line["msg"].startswith("the database refuses the connection")
    assert "\n" not in line["msg"]
    assert "retrying cannot fix that" in line["msg"]
    for password in (RIGHT_PASSWORD, WRONG_PASSWORD):
        assert password not in result.stdout + result.stderr
    return line


def test_prestart_fails_at_once_on_a_wrong_password(postgresql_cluster, password_role):
    url = postgresql_cluster.url(password_role, user=password_role, password=WRONG_PASSWORD)
    line = refused_at_once(service_env(url))
    assert f'password authentication failed for user "{password_role}"' in line["msg"]
    assert f"host {postgresql_cluster.host}, port {postgresql_cluster.port}" in line["msg"]
    assert f"database {password_role}, user {password_role}" in line["msg"]


def test_prestart_fails_at_once_without_the_password(postgresql_cluster, password_role):
    line = refused_at_once(service_env(postgresql_cluster.url(password_role, user=password_role)))
    assert "no password supplied" in line["msg"]


def test_prestart_fails_at_once_on_a_missing_database(postgresql_cluster):
    line = refused_at_once(service_env(postgresql_cluster.url("no_such_database")))
    assert 'database "no_such_database" does not exist' in line["msg"]
    assert "database no_such_database, user postgres" in line["msg"]


def test_prestart_fails_at_once_on_a_missing_role(postgresql_cluster):
    line = refused_at_once(service_env(postgresql_cluster.url(user="no_such_role")))
    assert 'role "no_such_role" does not exist' in line["msg"]


def test_prestart_works_with_the_right_password(postgresql_cluster, password_role):
    url = postgresql_cluster.url(password_role, user=password_role, password=RIGHT_PASSWORD)
    result = run_prestart(service_env(url))
    assert result.returncode == 0, result.stderr
    (reachable,) = [line for line in json_lines(result.stderr) if line["msg"] == "database reachable"]
    assert (reachable["logger"], reachable["level"]) == ("hours_service.prestart", "INFO")
    assert reachable["attempt"] == 1
    assert RIGHT_PASSWORD not in result.stderr


def test_prestart_retries_while_the_server_is_unreachable_then_fails():
    """PRESTART_DB_ATTEMPTS tries, PRESTART_DB_DELAY_SECONDS apart, then one line that names the
    target (never the password) and exit status 1, without a traceback."""
    port = free_port()
    env = service_env(
        f"postgresql://nobody:{WRONG_PASSWORD}@127.0.0.1:{port}/x",
        PRESTART_DB_ATTEMPTS="2",
        PRESTART_DB_DELAY_SECONDS="0.01",
    )
    result = run_prestart(env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert WRONG_PASSWORD not in result.stdout + result.stderr
    lines = json_lines(result.stderr)  # JSON lines only
    (retry,) = [line for line in lines if line["msg"] == RETRY_LINE]
    assert_retry_line(retry, logger="hours_service.prestart", attempt=1, attempts=2)
    (line,) = [line for line in lines if line["level"] == "ERROR"]
    assert line["msg"].startswith("database not reachable after 2 attempts, giving up")
    assert f"(host 127.0.0.1, port {port}, database x, user nobody)" in line["msg"]
    assert "Connection refused" in line["msg"]


def test_prestart_waits_while_the_server_does_not_accept_connections():
    """A real server in recovery answers "the database system is not accepting connections"
    (57P03), as one that is starting does: prestart waits, and migrates once it may connect."""
    with PostgresCluster() as cluster:
        cluster.hold_in_recovery()
        env = service_env(cluster.url(), PRESTART_DB_ATTEMPTS="300", PRESTART_DB_DELAY_SECONDS="0.1")
        with command_running(PRESTART, env=env, cwd=SERVICE_DIR) as process:
            seen = read_until(process.stderr, "not accepting connections")
            cluster.end_recovery()  # now refused for a moment, then a primary
            _, rest = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + rest
    waited = json_lines("".join(seen))[-1]
    assert waited["msg"] == RETRY_LINE
    assert "the database system is not accepting connections" in waited["reason"]
    after = json_lines(rest)
    (reachable,) = [line for line in after if line["msg"] == "database reachable"]
    assert reachable["attempt"] > waited["attempt"]
    assert after[-1]["msg"] == "database migrated"
