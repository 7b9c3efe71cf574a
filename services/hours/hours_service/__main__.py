"""``python -m hours_service prestart`` — and any Django management command.

``prestart`` waits for the database (with retries), then migrates (idempotent). Compose's entrypoint
and the local stack run it before gunicorn. Anything else is handed to Django, so
``python -m hours_service spectacular --format openapi-json`` prints the OpenAPI document.
"""

from __future__ import annotations

import logging
import os
import sys
import time

PRESTART_ATTEMPTS = int(os.environ.get("PRESTART_DB_ATTEMPTS", "60"))
PRESTART_DELAY_SECONDS = float(os.environ.get("PRESTART_DB_DELAY_SECONDS", "1.0"))

PRESTART_LOCK_ID = 0x686F757273  # "hours"

logger = logging.getLogger("hours_service.prestart")


def wait_for_database(attempts: int = PRESTART_ATTEMPTS, delay: float = PRESTART_DELAY_SECONDS) -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    for attempt in range(1, attempts + 1):
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            if attempt == attempts:
                raise
            logger.info(
                "database not reachable yet", extra={"attempt": attempt, "of": attempts, "reason": str(exc)}
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
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    wait_for_database()
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
    if argv[1:2] == ["prestart"]:
        import django

        django.setup()
        prestart()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m hours_service", *argv[1:]])


if __name__ == "__main__":
    main()
