"""A user with 10,000 entries: registered through the gateway, entries copied into Postgres.

10,000 POSTs would take minutes, so the entries go straight into the hours database with
``COPY``; their projects are made through the hours API (so the composite foreign key
``entry_project_same_owner`` holds by construction). The rows keep every rule the
database holds: one hour each, two hours apart (no overlap, under 24 h, none running,
all in the past).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import requests
from timekeeper_dev import accounts
from timekeeper_dev.accounts import Account

ENTRIES = 10_000
PROJECTS = ("Website relaunch", "Internal", "Support")
TAGS = (["frontend"], ["meeting", "internal"], [], ["review", "client-a", "urgent"])


def register(gateway: str) -> Account:
    """The bench's user, registered through the gateway (as a client would)."""
    return accounts.register(gateway, "bench")


def access_token(user_service: str, user: Account) -> str:
    """A fresh access token, straight from the user service (the gateway rate-limits /token)."""
    return accounts.login(user_service, user.username, user.password)["access_token"]


def seed_entries(*, gateway: str, database_url: str, user: Account, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    project_ids: list[int | None] = [None]
    for name in PROJECTS:
        response = requests.post(
            f"{gateway}/api/hours/v1/projects", json={"name": name}, headers=headers, timeout=10
        )
        response.raise_for_status()
        project_ids.append(response.json()["id"])
    now = datetime.now(UTC)
    newest = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    rows = []
    for i in range(ENTRIES):
        started = newest - timedelta(hours=2 * i)
        rows.append(
            (
                user.id,
                project_ids[i % len(project_ids)],
                f"bench entry {i}",
                started,
                started + timedelta(minutes=60 - i % 30),
                i % 5 != 0,
                TAGS[i % len(TAGS)],
                now,
                now,
            )
        )
    columns = "user_id, project_id, description, started_at, ended_at, billable, tags, created_at, updated_at"
    copy_sql = f"COPY timesheets_entry ({columns}) FROM STDIN"
    with (
        psycopg.connect(database_url) as conn,
        conn.cursor() as cursor,
        cursor.copy(copy_sql) as copy,  # type: ignore[arg-type]
    ):
        for row in rows:
            copy.write_row(row)
    # What autovacuum would have done by the time a table got this big: statistics and the
    # visibility map, so the planner sees the table as a running service would.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE timesheets_entry")
        (count,) = conn.execute(
            "SELECT count(*) FROM timesheets_entry WHERE user_id = %s", [user.id]
        ).fetchone()
    return count
