"""Safe retries of creating requests: the rules are CONTRIBUTING.md's "Idempotency-Key", the
figures and the fingerprint ``timekeeper_service.conventions``. Here, for Flask views
(:func:`idempotent`, per scope and key): the key row is claimed in the request's transaction,
so a retry that arrives while the first request runs waits on the key's primary key until
that one commits, then replays it.

The services commit their own work; here they run in a session joined to one connection's
transaction (``join_transaction_mode="create_savepoint"``), so their commits are savepoints
and the request's one transaction is committed here, with the stored answer.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Regexp
from flask import Response, current_app, g, make_response, request
from sqlalchemy import Connection, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from timekeeper_service.conventions import (
    CLEANUP_BATCH,
    KEY_PATTERN,
    KEY_RULE,
    KEY_TTL,
    REPLAYED_HEADER,
    fingerprint,
)
from timekeeper_service.conventions import IDEMPOTENCY_HEADER as HEADER

from user_service import db
from user_service.errors import ServiceError
from user_service.models import IdempotencyKey

F = TypeVar("F", bound=Callable[..., Any])

#: registration has no caller: its keys are one scope, shared by every anonymous client
REGISTRATION_SCOPE = "registration"

_table = IdempotencyKey.__table__


class KeyReused(ServiceError):
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"


class KeyHeaders(Schema):
    key = String(
        data_key=HEADER,
        validate=Regexp(KEY_PATTERN, error=KEY_RULE),
        metadata={
            "description": (
                "makes a retry safe: the same key with the same body within 24 hours answers the "
                "first answer again (and writes nothing); with another body it is a 422"
            )
        },
    )


REPLAYED = {
    REPLAYED_HEADER: String(
        metadata={
            "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"
        }
    )
}


def _claim(connection: Connection, scope: str, key: str, print_: str) -> tuple[str, int, str] | None:
    """Hold the key for this request (None), or the (fingerprint, status, body) it already has.

    The INSERT waits while another transaction holds the same key, and an expired key is
    taken over; both are the database's doing, not ours.
    """
    expired = (
        select(_table.c.scope, _table.c.key)
        .where(_table.c.expires_at <= func.now())
        .order_by(_table.c.expires_at)
        .limit(CLEANUP_BATCH)
        .with_for_update(skip_locked=True)  # never waits on a row another transaction holds
    )
    connection.execute(delete(_table).where(tuple_(_table.c.scope, _table.c.key).in_(expired)))
    claim = insert(_table).values(
        scope=scope, key=key, fingerprint=print_, status=0, body="", expires_at=func.now() + KEY_TTL
    )
    claim = claim.on_conflict_do_update(
        index_elements=[_table.c.scope, _table.c.key],
        set_={
            "fingerprint": claim.excluded.fingerprint,
            "status": 0,
            "body": "",
            "created_at": func.now(),
            "expires_at": claim.excluded.expires_at,
        },
        where=_table.c.expires_at <= func.now(),
    ).returning(_table.c.key)
    if connection.execute(claim).first() is not None:
        return None
    stored = connection.execute(
        select(_table.c.fingerprint, _table.c.status, _table.c.body).where(
            _table.c.scope == scope, _table.c.key == key
        )
    ).one()
    return stored.fingerprint, stored.status, stored.body


def _store(connection: Connection, scope: str, key: str, response: Response) -> None:
    connection.execute(
        update(_table)
        .where(_table.c.scope == scope, _table.c.key == key)
        .values(status=response.status_code, body=response.get_data(as_text=True))
    )


def idempotent(scope: Callable[[], str]) -> Callable[[F], F]:
    """For a creating view, below its ``@bp.input(KeyHeaders, location="headers",
    arg_name="idempotency")`` and above its ``@bp.output``: ``scope()`` names whose keys these
    are (the caller; :data:`REGISTRATION_SCOPE` for registration)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, idempotency: Mapping[str, str], **kwargs: Any) -> Any:
            key = idempotency.get("key")
            if key is None:
                return view(*args, **kwargs)
            secret = current_app.config["SETTINGS"].jwt_signing_key.get_secret_value()
            print_ = fingerprint(secret, request.method or "", request.path, request.get_json(silent=True))
            owner = scope()
            previous = g.pop("db_session", None)
            with db.get_engine().connect() as connection:
                transaction = connection.begin()
                g.db_session = current_app.extensions[db.EXTENSION](
                    bind=connection, join_transaction_mode="create_savepoint"
                )
                try:
                    stored = _claim(connection, owner, key, print_)
                    if stored is not None:
                        transaction.commit()
                        return _replay(stored, print_)
                    response = make_response(view(*args, **kwargs))
                    if 200 <= response.status_code < 300:
                        _store(connection, owner, key, response)
                        transaction.commit()
                    # else: only a success is remembered; anything else did not happen, and reruns
                    return response
                finally:
                    g.pop("db_session").close()
                    if transaction.is_active:
                        transaction.rollback()
                    if previous is not None:
                        g.db_session = previous

        return wrapper  # type: ignore[return-value]

    return decorator


def _replay(stored: tuple[str, int, str], print_: str) -> Response:
    stored_print, status, body = stored
    if not hmac.compare_digest(stored_print, print_):
        raise KeyReused(
            f"This {HEADER} came with another request (another body or path) in the last "
            f"{KEY_TTL.total_seconds() / 3600:g} hours: use a new key for a new request."
        )
    return Response(body, status=status, mimetype="application/json", headers={REPLAYED_HEADER: "true"})
