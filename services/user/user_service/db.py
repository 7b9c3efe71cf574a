"""The engine, one SQLAlchemy session per request, and the prestart steps on the database.

Views get the request's session from :func:`get_session`; services commit their own unit
of work; the session is closed (and anything uncommitted rolled back) when the request
ends.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from user_service.config import Settings

#: prestart's lines, here and in the command line, come from one logger (as in the hours service)
logger = logging.getLogger("user_service.prestart")

EXTENSION = "user_service.db"
#: one lock id for everything prestart does, so two replicas starting at once take turns
PRESTART_LOCK_ID = 0x7431_6B65_6570_01  # "timekeep" + 1


# -- how long a request waits on the database -------------------------------------------
# A database that hangs (a stalled disk, a paused machine, a lock held too long) must cost a
# request a prompt 503 (errors.handle_database_unavailable), never a worker stuck for as long
# as it lasts. Each wait has its own bound; at worst a request waits for a pooled connection
# that no longer answers, then for a new one: ANSWER + CONNECT, 5 s.
#: libpq's connect_timeout (its smallest): a server that accepts no connection, or accepts
#: one and never greets it
CONNECT_TIMEOUT_SECONDS = 2
#: server side, for a server that answers: a statement that runs, or waits for a lock, longer
STATEMENT_TIMEOUT_MS = 2000
LOCK_TIMEOUT_MS = 1000
#: client side, for a server that does not answer at all (only the client can tell): longer
#: than the statement timeout, so that a server that answers always does so first
ANSWER_TIMEOUT_SECONDS = 3.0
#: waiting for a pooled connection when every one is in use
POOL_TIMEOUT_SECONDS = 2


class AnswerTimeout(psycopg.OperationalError):
    """The server did not answer within :data:`ANSWER_TIMEOUT_SECONDS`."""


class BoundedConnection(psycopg.Connection):
    """psycopg's connection, giving up on a server that does not answer.

    Every exchange with the server after connecting goes through :meth:`wait`; libpq itself
    has no such timeout. A connection given up on holds an unfinished exchange, so it is
    closed: SQLAlchemy then takes the error for a disconnect and replaces the pool's
    connections (``is_disconnect``: the connection is broken).
    """

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        try:
            return super().wait(gen, interval, ANSWER_TIMEOUT_SECONDS if timeout is None else timeout)
        except psycopg.OperationalError as exc:
            if self.pgconn.transaction_status != psycopg.pq.TransactionStatus.ACTIVE:
                raise  # the server answered: an error of its own (a statement timeout, ...)
            self.pgconn.finish()
            raise AnswerTimeout(f"the database did not answer within {ANSWER_TIMEOUT_SECONDS:g} s") from exc


def make_engine(settings: Settings, *, bounded: bool = True, **kwargs: Any) -> Engine:
    """The service's engine (``kwargs`` override ``create_engine`` options). ``bounded=False``
    is for migrations, which may run and wait for locks (another replica's prestart) as long
    as they need: only connecting is bounded."""
    connect_args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": "user_service",
    }
    if bounded:
        connect_args["options"] = (
            f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
        )
    options = {
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 5,
        "pool_timeout": POOL_TIMEOUT_SECONDS,
        "connect_args": connect_args,
    }
    engine = create_engine(settings.sqlalchemy_url, **{**options, **kwargs})
    if bounded:

        @event.listens_for(engine, "do_connect")
        def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> psycopg.Connection:
            return BoundedConnection.connect(*cargs, **cparams)

    return engine


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings)
    app.extensions[EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    engine = current_app.extensions[EXTENSION].kw["bind"]
    assert isinstance(engine, Engine)
    return engine


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


# -- prestart ---------------------------------------------------------------------------
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


def wait_for_database(
    engine: Engine, *, attempts: int, delay: float, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Connect, retrying while the server cannot be reached or is starting. Raises
    :class:`DatabaseRefused` at once when it refuses us, :class:`DatabaseUnreachable` after
    ``attempts`` (both from SQLAlchemy's last ``OperationalError``); the command line turns
    either into one log line and exit status 1."""
    url = engine.url
    target = f"host {url.host}, port {url.port or 5432}, database {url.database}, user {url.username}"
    for attempt in range(1, attempts + 1):
        try:
            ping(engine)
        except OperationalError as exc:
            if reason := refusal(exc.orig):
                raise DatabaseRefused(
                    f"the database refuses the connection ({target}): {reason}; "
                    "retrying cannot fix that, check DATABASE_URL"
                ) from exc
            if attempt == attempts:
                raise DatabaseUnreachable(
                    f"database not reachable after {attempts} attempts, giving up ({target}): "
                    f"{_one_line(exc.orig)}"
                ) from exc
            # the same line, fields and level as the hours service's
            logger.warning(
                "database not reachable yet, retrying",
                extra={"attempt": attempt, "attempts": attempts, "reason": _one_line(exc.orig)},
            )
            sleep(delay)
        else:
            logger.info("database reachable", extra={"attempt": attempt})
            return


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(files("user_service") / "migrations"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` while holding the prestart advisory lock."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PRESTART_LOCK_ID})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
