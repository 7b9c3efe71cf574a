"""The engine, one SQLAlchemy session per request, and what prestart does on the database.

Views get the request's session from :func:`get_session`; services commit their own unit
of work; the session is closed (and anything uncommitted rolled back) when the request
ends. A view whose only database work is one read may take :func:`autocommit_connection`.
"""

from __future__ import annotations

import logging
import select
from collections.abc import Iterator
from contextlib import closing, contextmanager
from importlib.resources import files
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from timekeeper_service.prestart import migration_lock
from timekeeper_service.prestart import target as prestart_target

from user_service.config import Settings

request_logger = logging.getLogger(__name__)

EXTENSION = "user_service.db"
AUTOCOMMIT_EXTENSION = "user_service.db.autocommit"


# -- how long a request waits on the database -------------------------------------------
# A database that hangs (a stalled disk, a paused machine, a lock held too long) must cost a
# request a prompt 503 (errors.handle_database_unavailable), never a worker stuck for as long
# as it lasts. Each wait has its own bound; at worst a request waits for an answer on a pooled
# connection, ANSWER, 3 s, or for a new one, CONNECT, 2 s. Taking a pooled connection asks the
# server nothing (connection_is_quiet), so it has no wait to bound.
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


def connection_is_quiet(connection: psycopg.Connection) -> bool:
    """Whether a pooled connection is fit to hand out, told without asking the server: an idle
    connection's server says nothing unprompted unless it is going away (a FATAL as it shuts
    down, or its end of the socket closed), so anything to read on the socket, or a session not
    idle, is a connection to replace. A server that stops answering is not told apart here: the
    request's own query meets the answer bound. (A ping, ``pool_pre_ping``, cost every request a
    round trip.)"""
    if connection.closed or connection.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return False
    poll = select.poll()
    poll.register(connection.fileno(), select.POLLIN)
    return not poll.poll(0)


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
        "pool_size": 5,
        "max_overflow": 5,
        "pool_timeout": POOL_TIMEOUT_SECONDS,
        "connect_args": connect_args,
    }
    engine = create_engine(settings.sqlalchemy_url, **{**options, **kwargs})

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: psycopg.Connection, _record: Any, _proxy: Any) -> None:
        if not connection_is_quiet(dbapi_connection):
            raise DisconnectionError("the database closed the connection")  # the pool takes another

    if bounded:

        @event.listens_for(engine, "do_connect")
        def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> psycopg.Connection:
            return BoundedConnection.connect(*cargs, **cparams)

    return engine


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings)
    app.extensions[EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    # the same pool; its connections leave it in autocommit and come back reset
    app.extensions[AUTOCOMMIT_EXTENSION] = engine.execution_options(isolation_level="AUTOCOMMIT")
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    engine = current_app.extensions[EXTENSION].kw["bind"]
    assert isinstance(engine, Engine)
    return engine


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION]()
    return g.db_session


@contextmanager
def autocommit_connection() -> Iterator[Connection]:
    """A pooled connection outside any transaction, for a request whose only database work
    is one read: the statement is its own transaction, so the request makes one round trip
    where a session makes three (BEGIN, the query, and the ROLLBACK that ends it)."""
    with current_app.extensions[AUTOCOMMIT_EXTENSION].connect() as connection:
        yield connection


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except OperationalError as error:
        # The rollback that ends a request met a database that has just stopped answering.
        # The answer is made and stands (raised here, it became gunicorn's HTML 500); the
        # connection was given up on (BoundedConnection), so the pool does not reuse it.
        request_logger.warning("database unavailable as the request ended", extra={"error": str(error.orig)})


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


# -- prestart's steps (user_service.prestart runs them through timekeeper_service.prestart) ----
def target(engine: Engine) -> str:
    """The database as prestart's lines name it (never the password)."""
    url = engine.url
    return prestart_target(host=url.host, port=url.port, database=url.database, user=url.username)


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(files("user_service") / "migrations"))
    return config


@contextmanager
def prestart_lock(engine: Engine) -> Iterator[None]:
    """Hold the prestart advisory lock for the block, on a connection of ``engine`` (one
    made with ``bounded=False``: another replica may hold the lock a while)."""
    with (
        engine.connect() as connection,
        closing(connection.connection.cursor()) as cursor,
        migration_lock(cursor),
    ):
        yield


def migrate(engine: Engine, revision: str = "head") -> list[str]:
    """Upgrade the schema to ``revision`` under the prestart advisory lock, in one transaction
    that commits before the lock is given back. Returns the revisions applied, oldest first.
    ``engine`` is one made with ``bounded=False``: waiting for another replica's lock, and
    the migrations themselves, may take longer than a request may."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    # The lock on the migration's own connection, through its DB-API cursor; the transaction
    # inside it (Alembic runs in it and leaves the commit to it) ends before the lock does.
    with (
        engine.connect() as connection,
        closing(connection.connection.cursor()) as cursor,
        migration_lock(cursor),
        connection.begin(),
    ):
        current = MigrationContext.configure(connection).get_current_heads()
        pending = [step.revision for step in script.iterate_revisions(revision, current)]
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return pending[::-1]
