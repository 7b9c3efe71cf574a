"""``python -m hours_service prestart``: wait for the database, migrate, log JSON only."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
from timekeeper_dev.net import free_port

from tests.helpers import SERVICE_DIR, service_env, url_of


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
