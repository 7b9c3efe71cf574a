"""prestart's database steps, the same in every service: wait for the database, then migrate
under an advisory lock, saying each step in the same lines.

:func:`prepare_database` waits only while the server cannot be reached or is starting: a
server that refuses the role, the password or the database raises :class:`DatabaseRefused`
at once, and one that stays unreachable :class:`DatabaseUnreachable` after the last attempt;
each message is one line naming the target (never the password), which the service's
command line logs before it exits with status 1. Each service brings its own way to connect
and to migrate (SQLAlchemy and Alembic, Django).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import psycopg

#: One lock id for the migrations of every service (each has its own database, and advisory
#: locks are per database), so replicas that start together take turns.
PRESTART_LOCK_ID = 0x7431_6B65_6570_01  # "timekeep" + 1

#: psycopg raises a failed connection without the server's SQLSTATE (psycopg/psycopg#1188), so
#: these (English) server messages stand in for 28000/28P01 (role, password, pg_hba.conf) and
#: 3D000 (no such database). A server that translates its messages is waited for, as before.
REFUSED_MESSAGES = re.compile(
    r"password authentication failed|authentication failed for user|no pg_hba\.conf entry"
    r'|pg_hba\.conf rejects|role "[^"]*" (?:does not exist|is not permitted to log in)'
    r'|database "[^"]*" does not exist'
)

RETRY_LINE = "database not reachable yet, retrying"
REACHABLE_LINE = "database reachable"
MIGRATED_LINE = "database migrated"


class DatabaseWaitFailed(Exception):
    """Prestart cannot go on: the message says why in one line, with the target (no password)."""


class DatabaseRefused(DatabaseWaitFailed):
    """The database server answers, and refuses this connection: waiting cannot change that."""


class DatabaseUnreachable(DatabaseWaitFailed):
    """The database could not be reached (or was still starting) on any of the attempts."""


def target(*, host: str | None, port: int | str | None, database: str | None, user: str | None) -> str:
    """How every line names the database: never with the password."""
    return f"host {host}, port {port or 5432}, database {database}, user {user}"


def one_line(error: BaseException | None) -> str:
    """psycopg's message on one line, less libpq's "connection to server at ..., port ...
    failed: " (the target is said with the rest of it)."""
    return " ".join(str(error).split()).rsplit(" failed: ", 1)[-1]


def refusal(error: BaseException | None) -> str | None:
    """What the server said, in one line, when ``error`` (psycopg's, from connecting) is a
    refusal for good; ``None`` when waiting may help (connection refused, a timeout, "the
    database system is starting up", too many clients, anything not recognised)."""
    if not isinstance(error, psycopg.Error):
        return None
    if error.sqlstate:
        refused = error.sqlstate.startswith("28") or error.sqlstate == "3D000"
    else:  # needs_password: the server asked for a password and none was given
        message = " ".join(str(error).split())
        refused = bool(error.pgconn and error.pgconn.needs_password) or bool(REFUSED_MESSAGES.search(message))
    return one_line(error) if refused else None


def driver_error(error: BaseException) -> psycopg.Error | None:
    """psycopg's error under a database layer's (SQLAlchemy's ``orig``, Django's cause)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, psycopg.Error):
            return seen
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def wait_for_database(
    connect: Callable[[], object],
    *,
    target: str,
    attempts: int,
    delay: float,
    logger: logging.Logger,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Call ``connect`` until it returns, retrying while the server cannot be reached or is
    starting. Raises :class:`DatabaseRefused` at once when it refuses us,
    :class:`DatabaseUnreachable` after ``attempts`` (both from the last error); an error that
    is not psycopg's, under whatever layer raised it, is no connection failure and goes up."""
    for attempt in range(1, attempts + 1):
        try:
            connect()
        except Exception as exc:
            error = driver_error(exc)
            if error is None:
                raise
            if reason := refusal(error):
                raise DatabaseRefused(
                    f"the database refuses the connection ({target}): {reason}; "
                    "retrying cannot fix that, check DATABASE_URL"
                ) from exc
            if attempt == attempts:
                raise DatabaseUnreachable(
                    f"database not reachable after {attempts} attempts, giving up ({target}): {one_line(error)}"
                ) from exc
            logger.warning(
                RETRY_LINE, extra={"attempt": attempt, "attempts": attempts, "reason": one_line(error)}
            )
            sleep(delay)
        else:
            logger.info(REACHABLE_LINE, extra={"attempt": attempt})
            return


class Cursor(Protocol):
    """A DB-API cursor with psycopg's ``%s`` parameters (psycopg's own, Django's)."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...


@contextmanager
def migration_lock(cursor: Cursor) -> Iterator[None]:
    """Hold the prestart advisory lock on ``cursor``'s connection while the body migrates on
    that same connection: replicas that start together take turns, and the second finds
    nothing left to do. A session lock, not a transaction lock: Django commits migration by
    migration, which would release a transaction lock after the first; the body must commit
    before it ends, so the next replica sees what it did."""
    cursor.execute("SELECT pg_advisory_lock(%s)", [PRESTART_LOCK_ID])
    try:
        yield
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [PRESTART_LOCK_ID])


def prepare_database(
    *,
    connect: Callable[[], object],
    migrate: Callable[[], list[str]],
    target: str,
    attempts: int,
    delay: float,
    logger: logging.Logger,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """prestart's database part: :func:`wait_for_database`, then ``migrate`` (which holds
    :func:`migration_lock` and returns the names of the migrations it applied), then one
    line saying which. Returns those names."""
    wait_for_database(connect, target=target, attempts=attempts, delay=delay, logger=logger, sleep=sleep)
    applied = migrate()
    logger.info(MIGRATED_LINE, extra={"migrations_applied": applied})
    return applied
