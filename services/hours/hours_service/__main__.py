"""Command line: ``python -m hours_service prestart`` — and any Django management command.

``prestart`` (:mod:`hours_service.prestart`) runs before the server starts (Compose, the local
stack, the container entrypoint): wait for the database with retries, then migrate. It is
idempotent, and replicas starting together take turns on an advisory lock. It waits only
while the server cannot be reached or is starting, ``PRESTART_DB_ATTEMPTS`` times
``PRESTART_DB_DELAY_SECONDS`` apart: a server that refuses the role, the password or the
database ends it at once, and one that stays unreachable ends it after the last attempt,
each with one line saying so and exit status 1. Anything else is handed to Django, so
``python -m hours_service spectacular --format openapi-json`` prints the OpenAPI document.

A wrong configuration value ends any command before it starts, with one line
(``hours_service: configuration error: ...``, every wrong variable named) and exit status 2.
"""

from __future__ import annotations

import logging
import os
import sys

from timekeeper_service.prestart import DatabaseWaitFailed

from hours_service.config import ConfigError, report_and_exit

logger = logging.getLogger("hours_service.prestart")


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
        from hours_service.prestart import prestart

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
