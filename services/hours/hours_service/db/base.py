"""Django's PostgreSQL backend, its connections bounding every wait on the server.

``statement_timeout`` and ``lock_timeout`` make a live server cancel what takes too long, and
``connect_timeout`` bounds connecting. None of them helps when the server does not answer at
all (its processes stopped, a paused container, a stalled host): the kernel still accepts
and acknowledges, so TCP keepalives and ``tcp_user_timeout`` cannot tell either, and libpq
has no bound on waiting for an answer. psycopg waits for every answer in
``Connection.wait()``, which takes a timeout; :class:`BoundedConnection` always gives one.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base

#: psycopg's interval between checks for Ctrl-C while it waits (it does not bound the wait).
WAIT_INTERVAL = 0.1


class AnswerTimeout(psycopg.OperationalError):
    """The server did not answer within the connection's ``answer_timeout``."""


class BoundedConnection(psycopg.Connection):
    """A psycopg connection that waits at most ``answer_timeout`` seconds (``None``: as long as
    it takes) for each answer of the server. When one does not come, the session is in an
    unknown state: the connection is closed and the caller gets an ``OperationalError``."""

    answer_timeout: float | None = None

    def wait(self, gen: Any, interval: float = WAIT_INTERVAL, timeout: float | None = None) -> Any:
        if timeout is not None or self.answer_timeout is None:
            return super().wait(gen, interval, timeout)  # a caller's own bound stays theirs
        try:
            return super().wait(gen, interval, self.answer_timeout)
        except psycopg.errors._WaitTimeout:  # psycopg's: the caller of wait() turns it into its own
            self.close()
            raise AnswerTimeout(f"the database did not answer within {self.answer_timeout:g} s") from None

    @contextmanager
    def answering_within(self, seconds: float) -> Iterator[None]:
        """Within the block, wait at most ``seconds`` for an answer."""
        before = self.answer_timeout
        self.answer_timeout = seconds if before is None else min(before, seconds)
        try:
            yield
        finally:
            self.answer_timeout = before


class DatabaseWrapper(base.DatabaseWrapper):
    """Connections are :class:`BoundedConnection`\\ s, ``OPTIONS["answer_timeout"]`` their bound."""

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params.pop("answer_timeout", None)  # ours, not libpq's
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> BoundedConnection:
        # Django's own connects with psycopg.connect(); what else it does there serves two
        # OPTIONS the service does not use, and refuses here rather than ignores.
        options = self.settings_dict["OPTIONS"]
        if "pool" in options or "isolation_level" in options:
            raise ImproperlyConfigured("hours_service.db takes neither OPTIONS pool nor isolation_level")
        self.isolation_level = psycopg.IsolationLevel.READ_COMMITTED  # Django's default
        connection = BoundedConnection.connect(**conn_params)
        connection.answer_timeout = options.get("answer_timeout")
        return connection

    def is_usable(self) -> bool:
        """Whether a kept connection is fit to reuse (CONN_HEALTH_CHECKS), told without asking
        the server: an idle connection's server says nothing unprompted unless it is going away
        (a FATAL as it shuts down, or its end of the socket closed), so anything to read on the
        socket, or a session not idle, is a connection to replace. A server that stops
        answering is not told apart here: the request's own query meets the answer bound."""
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            return False
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN)
        return not poll.poll(0)

    def without_bounds(self) -> None:
        """Let this connection, from now on, wait as long as the server takes: no statement or
        lock timeout, no bound on an answer. For migrations (prestart), which may rightly take
        long, or wait for another replica's."""
        with self.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("SET lock_timeout = 0")
        self.connection.answer_timeout = None
