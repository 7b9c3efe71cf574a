"""Command line: ``python -m user_service {prestart,create-admin}``.

``prestart`` (:mod:`user_service.prestart`) runs before the server starts (Compose, the local
stack, the container entrypoint): wait for the database with retries, apply the migrations,
and create the first admin when ``ADMIN_USERNAME``, ``ADMIN_EMAIL`` and ``ADMIN_PASSWORD``
are set. It is idempotent, and replicas starting together take turns on an advisory lock. It waits
only while the server cannot be reached or is starting, ``PRESTART_DB_ATTEMPTS`` times
``PRESTART_DB_DELAY_SECONDS`` apart (``--attempts`` overrides the first): a server that
refuses the role, the password or the database ends it at once, and one that stays
unreachable ends it after the last attempt, each with one line saying so and exit status 1.
A wrong configuration value ends either command before it starts, with one line
(``user_service: configuration error: ...``, every wrong variable named) and exit status 2.

``create-admin`` makes (or promotes) an admin by hand; the password comes from
``ADMIN_PASSWORD`` or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence

from timekeeper_service.prestart import DatabaseWaitFailed

from user_service import create_app
from user_service.config import PRESTART_DB_ATTEMPTS, ConfigError, report_and_exit
from user_service.errors import ServiceError
from user_service.prestart import create_admin, prestart

logger = logging.getLogger("user_service.prestart")


def _attempts(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m user_service", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pre = commands.add_parser("prestart", help="wait for the database, migrate, seed the admin from env")
    pre.add_argument(
        "--attempts",
        type=_attempts,
        help=f"connection attempts before giving up (default: PRESTART_DB_ATTEMPTS, else {PRESTART_DB_ATTEMPTS})",
    )
    admin = commands.add_parser("create-admin", help="create an admin, or promote an existing user")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    args = parser.parse_args(argv)

    try:
        app = create_app()
    except ConfigError as error:
        report_and_exit(error)
    with app.app_context():
        try:
            if args.command == "prestart":
                prestart(app, attempts=args.attempts)
            else:
                secret = app.config["SETTINGS"].admin_password
                password = secret.get_secret_value() if secret else getpass.getpass("Password: ")
                create_admin(username=args.username, email=args.email, password=password)
        except ServiceError as exc:
            logger.error("%s: %s", args.command, exc.detail, extra={"errors": exc.errors})
            return 1
        except DatabaseWaitFailed as exc:
            logger.error(str(exc))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
