"""compose/postgres/initdb.d: the per-service roles and databases, as the postgres image
runs the script on an empty volume (Compose and the Swarm stack), against a throwaway
cluster. Each password comes from its variable or, as in the official image's own
variables, from the file its ``_FILE`` twin names (the Swarm stack's secrets)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from timekeeper_dev.postgres import PostgresCluster
from timekeeper_dev.stack.base import ROOT

SCRIPT = ROOT / "compose" / "postgres" / "initdb.d" / "10-service-databases.sh"


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    # the script creates fixed role names: a cluster of its own per test
    with PostgresCluster() as fresh:
        yield fresh


def _run(cluster: PostgresCluster, **env: str) -> subprocess.CompletedProcess[str]:
    bindir = str(cluster.bindir)
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={
            "PATH": f"{bindir}:{os.environ['PATH']}",
            "PGHOST": cluster.host,
            "PGPORT": str(cluster.port),
            "POSTGRES_USER": cluster.superuser,
            "POSTGRES_DB": "postgres",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def _logs_in(cluster: PostgresCluster, role: str, password: str) -> bool:
    with cluster.require_password(role):
        try:
            with psycopg.connect(
                host=cluster.host, port=cluster.port, dbname=role, user=role, password=password
            ) as conn:
                return conn.execute("SELECT current_database()").fetchone() == (role,)
        except psycopg.OperationalError:
            return False


def _roles(cluster: PostgresCluster) -> set[str]:
    with psycopg.connect(cluster.url()) as conn:
        rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname IN ('users', 'hours')").fetchall()
    return {name for (name,) in rows}


def test_passwords_from_the_environment(cluster: PostgresCluster) -> None:
    result = _run(cluster, USERS_DB_PASSWORD="users-pw-from-env", HOURS_DB_PASSWORD="hours-pw-from-env")
    assert result.returncode == 0, result.stderr
    assert _logs_in(cluster, "users", "users-pw-from-env")
    assert _logs_in(cluster, "hours", "hours-pw-from-env")


def test_passwords_from_files_one_trailing_newline_stripped(cluster: PostgresCluster, tmp_path: Path) -> None:
    users_file, hours_file = tmp_path / "users", tmp_path / "hours"
    users_file.write_text("users-pw-from-file\n")
    hours_file.write_text("hours pw, with spaces")
    result = _run(cluster, USERS_DB_PASSWORD_FILE=str(users_file), HOURS_DB_PASSWORD_FILE=str(hours_file))
    assert result.returncode == 0, result.stderr
    assert _logs_in(cluster, "users", "users-pw-from-file")
    assert not _logs_in(cluster, "users", "users-pw-from-file\n")
    assert _logs_in(cluster, "hours", "hours pw, with spaces")


def test_a_variable_and_its_file_together_are_refused_before_anything_is_made(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    secret = tmp_path / "users"
    secret.write_text("the-file-secret")
    result = _run(
        cluster,
        USERS_DB_PASSWORD="the-env-secret",
        USERS_DB_PASSWORD_FILE=str(secret),
        HOURS_DB_PASSWORD="hours-pw",
    )
    assert result.returncode != 0
    assert "USERS_DB_PASSWORD and USERS_DB_PASSWORD_FILE are both set" in result.stderr
    assert "the-env-secret" not in result.stderr and "the-file-secret" not in result.stderr
    assert _roles(cluster) == set()


@pytest.mark.parametrize("problem", ["missing", "unreadable"])
def test_a_file_that_cannot_be_read_is_refused(
    cluster: PostgresCluster, tmp_path: Path, problem: str
) -> None:
    secret = tmp_path / "users"
    if problem == "unreadable":
        secret.mkdir()  # a directory: unreadable as a file, even by root
    result = _run(cluster, USERS_DB_PASSWORD_FILE=str(secret), HOURS_DB_PASSWORD="hours-pw")
    assert result.returncode != 0
    assert f"USERS_DB_PASSWORD_FILE: cannot read {secret}" in result.stderr
    assert _roles(cluster) == set()


def test_neither_is_refused(cluster: PostgresCluster) -> None:
    result = _run(cluster, HOURS_DB_PASSWORD="hours-pw")
    assert result.returncode != 0
    assert "USERS_DB_PASSWORD (or USERS_DB_PASSWORD_FILE) is not set" in result.stderr
    assert _roles(cluster) == set()
