"""prestart's database steps: what is waited for and what is not, the lines, the lock.
(Each service's tests run its prestart against real servers that refuse, stay unreachable
or are starting.)"""

from __future__ import annotations

import logging

import psycopg
import pytest

from timekeeper_service.prestart import (
    MIGRATED_LINE,
    PRESTART_LOCK_ID,
    REACHABLE_LINE,
    RETRY_LINE,
    DatabaseRefused,
    DatabaseUnreachable,
    driver_error,
    migration_lock,
    prepare_database,
    refusal,
    target,
    wait_for_database,
)

logger = logging.getLogger("demo_service.prestart")
TARGET = target(host="db", port=None, database="demo", user="demo")
UNREACHABLE = psycopg.OperationalError(
    'connection failed: connection to server at "10.0.0.1", port 5432 failed: Connection refused\n'
    "\tIs the server running on that host and accepting TCP/IP connections?"
)
REFUSED = psycopg.OperationalError(
    'connection failed: connection to server at "10.0.0.1", port 5432 failed: '
    'FATAL:  password authentication failed for user "demo"'
)


class LayerError(Exception):
    """A database layer's error over psycopg's, as SQLAlchemy raises them (``orig``)."""

    def __init__(self, orig: BaseException) -> None:
        super().__init__("wrapped")
        self.orig = orig


def failing(*errors: BaseException):
    """A connect function that raises ``errors`` in turn, then succeeds."""
    calls = []

    def connect() -> None:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]

    connect.calls = calls  # type: ignore[attr-defined]
    return connect


def test_target_names_the_database_never_a_password():
    assert TARGET == "host db, port 5432, database demo, user demo"


@pytest.mark.parametrize(
    ("message", "refused"),
    [
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  the database system is starting up', False),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  the database system is shutting down', False),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  sorry, too many clients already', False),
        ("connection timeout expired", False),
        ('connection failed: connection to server at "h", port 5 failed: Connection refused', False),
        ("failed to resolve host 'db': [Errno -2] Name or service not known", False),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  password authentication failed for user "u"', True),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  no pg_hba.conf entry for host "h", user "u", database "d", no encryption', True),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  role "u" is not permitted to log in', True),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  role "u" does not exist', True),
        ('connection failed: connection to server at "h", port 5 failed: FATAL:  database "d" does not exist', True),
    ],
)  # fmt: skip
def test_refusal_tells_what_waiting_cannot_fix(message, refused):
    assert (refusal(psycopg.OperationalError(message)) is not None) is refused


def test_refusal_trusts_a_sqlstate_when_there_is_one():
    assert refusal(psycopg.errors.InvalidPassword("anything")) == "anything"
    assert refusal(psycopg.errors.InvalidCatalogName("anything")) == "anything"
    assert refusal(psycopg.errors.CannotConnectNow('database "x" does not exist')) is None
    assert refusal(ValueError("password authentication failed")) is None


def test_driver_error_is_found_under_any_layer():
    assert driver_error(UNREACHABLE) is UNREACHABLE
    assert driver_error(LayerError(UNREACHABLE)) is UNREACHABLE
    try:
        raise RuntimeError("django's OperationalError") from UNREACHABLE
    except RuntimeError as exc:
        assert driver_error(exc) is UNREACHABLE
    assert driver_error(RuntimeError("not a database error")) is None


def test_retries_with_the_retry_line_then_says_it_is_reachable(caplog):
    connect = failing(LayerError(UNREACHABLE), UNREACHABLE)
    sleeps: list[float] = []
    with caplog.at_level(logging.INFO, logger=logger.name):
        wait_for_database(connect, target=TARGET, attempts=5, delay=0.25, logger=logger, sleep=sleeps.append)
    assert len(connect.calls) == 3
    assert sleeps == [0.25, 0.25]
    retry, _, reachable = caplog.records
    assert (retry.levelname, retry.getMessage()) == ("WARNING", RETRY_LINE)
    assert (retry.attempt, retry.attempts) == (1, 5)
    assert retry.reason.startswith(
        "Connection refused Is the server running"
    )  # one line, less libpq's preamble
    assert (reachable.levelname, reachable.getMessage(), reachable.attempt) == ("INFO", REACHABLE_LINE, 3)


def test_gives_up_after_the_last_attempt_in_one_line():
    connect = failing(*[LayerError(UNREACHABLE)] * 3)
    sleeps: list[float] = []
    with pytest.raises(DatabaseUnreachable) as raised:
        wait_for_database(connect, target=TARGET, attempts=3, delay=1.0, logger=logger, sleep=sleeps.append)
    assert sleeps == [1.0, 1.0]
    assert str(raised.value) == (
        "database not reachable after 3 attempts, giving up (host db, port 5432, database demo, user demo): "
        "Connection refused Is the server running on that host and accepting TCP/IP connections?"
    )
    assert isinstance(raised.value.__cause__, LayerError)


def test_a_refusal_ends_the_wait_at_once():
    connect = failing(LayerError(REFUSED), UNREACHABLE)
    with pytest.raises(DatabaseRefused) as raised:
        wait_for_database(connect, target=TARGET, attempts=60, delay=1.0, logger=logger, sleep=pytest.fail)
    assert len(connect.calls) == 1
    assert str(raised.value) == (
        "the database refuses the connection (host db, port 5432, database demo, user demo): "
        'FATAL: password authentication failed for user "demo"; retrying cannot fix that, check DATABASE_URL'
    )


def test_an_error_that_is_not_the_database_s_goes_up():
    connect = failing(KeyError("HOST"))
    with pytest.raises(KeyError):
        wait_for_database(connect, target=TARGET, attempts=60, delay=1.0, logger=logger, sleep=pytest.fail)


def test_prepare_database_waits_migrates_and_says_which_migrations(caplog):
    steps = []
    with caplog.at_level(logging.INFO, logger=logger.name):
        applied = prepare_database(
            connect=lambda: steps.append("connect"),
            migrate=lambda: steps.append("migrate") or ["0001_initial"],
            target=TARGET,
            attempts=1,
            delay=0,
            logger=logger,
        )
    assert applied == ["0001_initial"]
    assert steps == ["connect", "migrate"]
    reachable, migrated = caplog.records
    assert reachable.getMessage() == REACHABLE_LINE
    assert (migrated.getMessage(), migrated.migrations_applied) == (MIGRATED_LINE, ["0001_initial"])


def test_prepare_database_does_not_migrate_what_it_cannot_reach():
    with pytest.raises(DatabaseRefused):
        prepare_database(
            connect=failing(REFUSED),
            migrate=lambda: pytest.fail("migrated"),
            target=TARGET,
            attempts=3,
            delay=0,
            logger=logger,
        )


def lock_is_free(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as other:
        (free,) = other.execute("SELECT pg_try_advisory_lock(%s)", [PRESTART_LOCK_ID]).fetchone()
        if free:
            other.execute("SELECT pg_advisory_unlock(%s)", [PRESTART_LOCK_ID])
        return free


def test_migration_lock_is_held_across_commits_until_the_body_ends(postgresql_cluster):
    """A session lock: Django commits each migration, and another replica must still wait."""
    url = postgresql_cluster.url()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        with migration_lock(cursor):
            assert not lock_is_free(url)
            with conn.transaction():
                cursor.execute("SELECT 1")
            assert not lock_is_free(url)  # a commit does not release it
        assert lock_is_free(url)


def test_migration_lock_is_given_back_when_the_body_fails(postgresql_cluster):
    url = postgresql_cluster.url()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        with pytest.raises(RuntimeError), migration_lock(cursor):
            raise RuntimeError("a migration failed")
        assert lock_is_free(url)
