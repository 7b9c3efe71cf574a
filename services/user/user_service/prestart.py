"""``python -m user_service prestart``: what runs before the server starts (Compose, the local
stack, the container entrypoint).

Wait for the database, apply the migrations and say which, the way every service does
(``timekeeper_service.prestart``: retries only while the server cannot be reached or is
starting, one line and exit status 1 when it refuses us or stays unreachable, migrations in
turns under an advisory lock); then create the first admin when ``ADMIN_USERNAME``,
``ADMIN_EMAIL`` and ``ADMIN_PASSWORD`` are set, under that lock too. Idempotent.
"""

from __future__ import annotations

import logging

from flask import Flask
from timekeeper_service.prestart import prepare_database

from user_service import db, services

logger = logging.getLogger(__name__)


def prestart(app: Flask, *, attempts: int | None = None) -> None:
    """Raises ``timekeeper_service.prestart.DatabaseWaitFailed`` when the database cannot be
    used, :class:`~user_service.errors.ServiceError` when the admin cannot be created."""
    settings = app.config["SETTINGS"]
    engine = db.get_engine()
    # Migrations are not bound like requests: they may run, and wait for another replica's
    # prestart lock, as long as they need.
    migrations = db.make_engine(settings, bounded=False)
    try:
        prepare_database(
            connect=lambda: db.ping(engine),
            migrate=lambda: db.migrate(migrations),
            target=db.target(engine),
            attempts=settings.prestart_db_attempts if attempts is None else attempts,
            delay=settings.prestart_db_delay_seconds,
            logger=logger,
        )
        if settings.admin_username:
            # Under the same lock: replicas that start together would both find no admin,
            # and the second would fail on its unique username.
            with db.prestart_lock(migrations):
                create_admin(
                    username=settings.admin_username,
                    email=settings.admin_email,
                    password=settings.admin_password.get_secret_value(),
                )
    finally:
        migrations.dispose()


def create_admin(*, username: str, email: str, password: str) -> None:
    user, created = services.admin_ensure(
        session=db.get_session(), username=username, email=email, password=password
    )
    logger.info("admin created" if created else "admin present", extra={"username": user.username})
