"""``python -m hours_service prestart``: what runs before the server starts (Compose, the local
stack, the container entrypoint).

Wait for the database, apply the migrations and say which, the way every service does
(``timekeeper_service.prestart``: retries only while the server cannot be reached or is
starting, one line and exit status 1 when it refuses us or stays unreachable, migrations in
turns under an advisory lock). Idempotent. Runs after ``django.setup()``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from timekeeper_service.prestart import migration_lock, prepare_database, target

logger = logging.getLogger(__name__)


def _connect() -> None:
    """One connection attempt; closed again, so migrate starts on a fresh one."""
    try:
        connection.ensure_connection()
    finally:
        connection.close()


def _migrate() -> list[str]:
    """Every pending migration, under the lock on Django's connection (migrate uses the same)."""
    # A migration may rightly take long, or wait for another replica's: no bounds for it.
    connection.without_bounds()
    with connection.cursor() as cursor, migration_lock(cursor):
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        # verbosity 0: the log stays JSON; prepare_database logs what was applied
        call_command("migrate", interactive=False, verbosity=0)
    return [str(migration) for migration, _ in plan]


def prestart() -> None:
    """Raises ``timekeeper_service.prestart.DatabaseWaitFailed`` when the database cannot be used."""
    db = connection.settings_dict
    prepare_database(
        connect=_connect,
        migrate=_migrate,
        target=target(host=db["HOST"], port=db["PORT"], database=db["NAME"], user=db["USER"]),
        attempts=settings.PRESTART_DB_ATTEMPTS,
        delay=settings.PRESTART_DB_DELAY_SECONDS,
        logger=logger,
    )
