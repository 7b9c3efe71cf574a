"""``python -m hours_service prestart`` — and any Django management command.

``prestart`` waits for the database (with retries), then migrates (idempotent). Compose's entrypoint
and the local stack run it before gunicorn. It waits only while the server cannot be reached or
is starting, ``PRESTART_DB_ATTEMPTS`` times ``PRESTART_DB_DELAY_SECONDS`` apart: a server that
refuses the role, the password or the database ends it at once, and one that stays unreachable
ends it after the last attempt, each with one line saying so and exit status 1. Anything else
is handed to Django, so
``python -m hours_service spectacular --format openapi-json`` prints the OpenAPI document.

A wrong configuration value ends any command before it starts, with one line
(``hours_service: configuration error: ...``, every wrong variable named) and exit status 2.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time

import psycopg

from hours_service.config import ConfigError, report_and_exit

PRESTART_LOCK_ID = 0x686F757273  # "hours"

logger = logging.getLogger("hours_service.prestart")


#: psycopg raises a failed connection without the server's SQLSTATE (psycopg/psycopg#1188), so
#: these (English) server messages stand in for 28000/28P01 (role, password, pg_hba.conf) and
#: 3D000 (no such database). A server that translates its messages is waited for, as before.
REFUSED_MESSAGES = re.compile(
    r"password authentication failed|authentication failed for user|no pg_hba\.conf entry"
    r'|pg_hba\.conf rejects|role "[^"]*" (?:does not exist|is not permitted to log in)'
    r'|database "[^"]*" does not exist'
)


class DatabaseWaitFailed(Exception):
    """Prestart cannot go on: the message says why in one line, with the target (no password)."""


class DatabaseRefused(DatabaseWaitFailed):
    """The database server answers, and refuses this connection: waiting cannot change that."""


class DatabaseUnreachable(DatabaseWaitFailed):
    """The database could not be reached (or was still starting) on any of the attempts."""


def _one_line(error: BaseException | None) -> str:
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
    return _one_line(error) if refused else None


def wait_for_database(*, attempts: int, delay: float) -> None:
    """Connect, retrying while the server cannot be reached or is starting. Raises
    :class:`DatabaseRefused` at once when it refuses us, :class:`DatabaseUnreachable` after
    ``attempts`` (both from Django's last ``OperationalError``); :func:`main` turns either into
    one log line and exit status 1."""
    from django.db import connection
    from django.db.utils import OperationalError

    db = connection.settings_dict
    target = f"host {db['HOST']}, port {db['PORT']}, database {db['NAME']}, user {db['USER']}"
    for attempt in range(1, attempts + 1):
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            if reason := refusal(exc.__cause__):
                raise DatabaseRefused(
                    f"the database refuses the connection ({target}): {reason}; "
                    "retrying cannot fix that, check DATABASE_URL"
                ) from exc
            if attempt == attempts:
                raise DatabaseUnreachable(
                    f"database not reachable after {attempts} attempts, giving up ({target}): "
                    f"{_one_line(exc.__cause__ or exc)}"
                ) from exc
            # the same line, fields and level as the user service's
            logger.warning(
                "database not reachable yet, retrying",
                extra={"attempt": attempt, "attempts": attempts, "reason": _one_line(exc.__cause__ or exc)},
            )
            time.sleep(delay)
        else:
            logger.info("database reachable", extra={"attempt": attempt})
            return
        finally:
            connection.close()


def prestart() -> None:
    """Wait for the database, then migrate while holding an advisory lock, so replicas that
    start together take turns (the second finds nothing left to do)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    wait_for_database(attempts=settings.PRESTART_DB_ATTEMPTS, delay=settings.PRESTART_DB_DELAY_SECONDS)
    # A migration may rightly take long, or wait for another replica's: no bounds for it.
    connection.without_bounds()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [PRESTART_LOCK_ID])
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            # verbosity 0: the log stays JSON; what is applied is logged here instead
            call_command("migrate", interactive=False, verbosity=0)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PRESTART_LOCK_ID])
    logger.info("prestart done", extra={"migrations_applied": [str(migration) for migration, _ in plan]})


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hours_service.settings")
    try:  # Django's settings load the configuration: a wrong value is one line and status 2
        _run(argv)
    except ConfigError as error:
        report_and_exit(error)


def _run(argv: list[str]) -> None:
    if argv[1:2] == ["prestart"]:
        import django

        django.setup()
        try:
            prestart()
        except DatabaseWaitFailed as exc:
            logger.error(str(exc))
            raise SystemExit(1) from None
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m hours_service", *argv[1:]])


if __name__ == "__main__":
    main()
