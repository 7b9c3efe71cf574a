"""A user with 10,000 entries: registered through the gateway, entries copied into Postgres;
and the table grown with other users' entries for the data-scale curve.

10,000 POSTs would take minutes, so the entries go straight into the hours database with
``COPY``; their projects are made through the hours API (so the composite foreign key
``entry_project_same_owner`` holds by construction). The rows keep every rule the
database holds: one hour each, two hours apart (no overlap, under 24 h, none running,
all in the past).
"""

from __future__ import annotations

import functools
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import requests
from timekeeper_dev import accounts
from timekeeper_dev.accounts import Account

ENTRIES = 10_000
#: the other users the table grows with, and the years their entries span
OTHER_USERS = 1_000
OTHER_YEARS = 5
#: each other user's entries sit in slots this far apart over the five years (1,000 slots)
OTHER_SLOT = timedelta(hours=43)
OTHER_SLOTS = 1_000
PROJECTS = ("Website relaunch", "Internal", "Support")
TAGS = (["frontend"], ["meeting", "internal"], [], ["review", "client-a", "urgent"])


def register(gateway: str) -> Account:
    """The bench's user, registered through the gateway (as a client would)."""
    return accounts.register(gateway, "bench")


#: how often a login answered 503 busy is tried again (after its Retry-After)
LOGIN_ATTEMPTS = 10


def login(user_service: str, username: str, password: str) -> dict[str, object]:
    """A password grant straight to the user service (the gateway rate-limits /token). The
    service answers 503 busy while it hashes other passwords (a load run's last logins can
    still be hashing): such an answer is tried again after its Retry-After, a few times."""
    for _ in range(LOGIN_ATTEMPTS):
        response = requests.post(
            f"{user_service}/api/users/v1/token",
            data={"grant_type": "password", "username": username, "password": password},
            timeout=30,
        )
        if response.status_code != 503:
            break
        time.sleep(float(response.headers.get("Retry-After", "1")))
    response.raise_for_status()
    return response.json()


def access_token(user_service: str, user: Account) -> str:
    """A fresh access token for ``user``."""
    return login(user_service, user.username, user.password)["access_token"]


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
    copy_rows(database_url, rows)
    vacuum_analyze(database_url)
    with psycopg.connect(database_url) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM timesheets_entry WHERE user_id = %s", [user.id]
        ).fetchone()
    return count


COLUMNS = "user_id, project_id, description, started_at, ended_at, billable, tags, created_at, updated_at"


def copy_rows(database_url: str, rows) -> None:
    copy_sql = f"COPY timesheets_entry ({COLUMNS}) FROM STDIN"
    with (
        psycopg.connect(database_url) as conn,
        conn.cursor() as cursor,
        cursor.copy(copy_sql) as copy,  # type: ignore[arg-type]
    ):
        for row in rows:
            copy.write_row(row)


def vacuum_analyze(database_url: str) -> None:
    # What autovacuum would have done by the time a table got this big: statistics and the
    # visibility map, so the planner sees the table as a running service would.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE timesheets_entry")


@functools.cache
def other_user_ids(count: int = OTHER_USERS) -> tuple[str, ...]:
    """The other users' ids: fixed, so that growing the table adds to the same users."""
    return tuple(str(uuid.UUID(int=index + 1)) for index in range(count))


def other_rows(start: int, stop: int, *, newest: datetime, now: datetime):
    """Other users' entries ``start`` to ``stop`` (counted over all of them, round robin).

    Entry ``n`` belongs to user ``n % OTHER_USERS`` as its ``n // OTHER_USERS``-th; that one
    sits in slot ``k * 7 % OTHER_SLOTS`` (7 is prime to 1,000, so a user's slots never repeat
    and every growth step spreads over the five years), shifted by the user's own hour offset
    (with the entry, under one slot: no two of one user's entries overlap)."""
    users = other_user_ids()
    for n in range(start, stop):
        user, k = n % OTHER_USERS, n // OTHER_USERS
        if k >= OTHER_SLOTS:
            raise ValueError(f"at most {OTHER_USERS * OTHER_SLOTS:,} other entries")
        started = newest - OTHER_SLOT * (k * 7 % OTHER_SLOTS) - timedelta(hours=2 + user % 40)
        yield (
            users[user],
            None,
            f"entry {k}",
            started,
            started + timedelta(minutes=30 + n % 60),
            n % 3 != 0,
            TAGS[n % len(TAGS)],
            now,
            now,
        )


def grow_entries(database_url: str, *, total: int) -> int:
    """Grow the entries table to ``total`` rows with other users' entries (COPY), then
    ``VACUUM ANALYZE``; the rows already there stay. Returns the table's row count."""
    with psycopg.connect(database_url) as conn:
        (have,) = conn.execute("SELECT count(*) FROM timesheets_entry").fetchone()
        (others,) = conn.execute(
            "SELECT count(*) FROM timesheets_entry WHERE user_id = ANY(%s)", [list(other_user_ids())]
        ).fetchone()
    if total > have:
        now = datetime.now(UTC)
        newest = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
        copy_rows(database_url, other_rows(others, others + total - have, newest=newest, now=now))
        vacuum_analyze(database_url)
    with psycopg.connect(database_url) as conn:
        (count,) = conn.execute("SELECT count(*) FROM timesheets_entry").fetchone()
    return count
