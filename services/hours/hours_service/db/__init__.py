"""The service's database backend (``ENGINE: "hours_service.db"``, in :mod:`.base`): Django's
PostgreSQL backend with every wait on the server bounded, so a database that hangs (a stalled
disk, a paused machine, a lock held too long) costs a request a prompt 503
(:mod:`hours_service.errors`), never a worker stuck for as long as it lasts.

Each wait has its own bound, the same as the user service's (``user_service.db``). At worst a
request waits for a new connection, CONNECT, 2 s, or for an answer, ANSWER, 3 s. The check of a
kept connection before a request reuses it (CONN_HEALTH_CHECKS) asks the server nothing, so it
has no wait to bound (:meth:`.base.DatabaseWrapper.is_usable`).
"""

from __future__ import annotations

#: libpq's connect_timeout (its smallest): a server that accepts no connection, or accepts one
#: and never greets it
CONNECT_TIMEOUT_SECONDS = 2
#: server side, for a server that answers: a statement that runs, or waits for a lock, longer
STATEMENT_TIMEOUT_MS = 2000
LOCK_TIMEOUT_MS = 1000
#: client side, for a server that does not answer at all (only the client can tell): longer
#: than the statement timeout, so that a server that answers always does so first
ANSWER_TIMEOUT_SECONDS = 3.0

#: ``DATABASES[...]["OPTIONS"]`` with those bounds (``answer_timeout`` is read by :mod:`.base`)
OPTIONS = {
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}",
    "answer_timeout": ANSWER_TIMEOUT_SECONDS,
}
