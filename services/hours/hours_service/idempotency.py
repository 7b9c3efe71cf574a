"""Safe retries of creating requests: the rules are CONTRIBUTING.md's "Idempotency-Key", the
figures and the fingerprint ``timekeeper_service.conventions``. Here, for DRF views
(:func:`idempotent`): the key row is claimed with ``INSERT ... ON CONFLICT`` in the view's
transaction, so a retry that arrives while the first request runs waits on the key's unique
index until that one commits, then replays it.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from timekeeper_service.conventions import (
    CLEANUP_BATCH,
    KEY_PATTERN,
    KEY_RULE,
    KEY_TTL,
    REPLAYED_HEADER,
    fingerprint,
)
from timekeeper_service.conventions import IDEMPOTENCY_HEADER as HEADER

from hours_service.errors import ApplicationError, ValidationFailed
from hours_service.timesheets.models import IdempotencyKey

_KEY = re.compile(KEY_PATTERN)


class KeyReused(ApplicationError):
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not _KEY.fullmatch(key):
        raise ValidationFailed({HEADER: [KEY_RULE]})
    return key


# IdempotencyKey's table; Django's ORM has no ON CONFLICT ... DO UPDATE ... WHERE
_CLEANUP = """
    DELETE FROM idempotency_keys WHERE id IN (
        SELECT id FROM idempotency_keys WHERE expires_at <= now()
        ORDER BY expires_at LIMIT %s FOR UPDATE SKIP LOCKED
    )
"""
_CLAIM = """
    INSERT INTO idempotency_keys AS held (scope, key, fingerprint, status, body, created_at, expires_at)
    VALUES (%s, %s, %s, 0, '', now(), now() + %s)
    ON CONFLICT (scope, key) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, status = 0, body = '',
            created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE held.expires_at <= now()
    RETURNING id
"""


def _claim(scope: str, key: str, print_: str) -> tuple[str, int, Any] | None:
    """Hold the key for this request (None), or the (fingerprint, status, body) it already has.

    The INSERT waits while another transaction holds the same key, and an expired key is
    taken over; both are the database's doing, not ours.
    """
    with connection.cursor() as cursor:
        cursor.execute(_CLEANUP, [CLEANUP_BATCH])  # skips rows another transaction holds: never waits
        cursor.execute(_CLAIM, [scope, key, print_, KEY_TTL])
        if cursor.fetchone() is not None:
            return None
    return IdempotencyKey.objects.values_list("fingerprint", "status", "body").get(scope=scope, key=key)


def _store(scope: str, key: str, response: Response) -> None:
    body = json.dumps(response.data, cls=JSONEncoder)
    IdempotencyKey.objects.filter(scope=scope, key=key).update(status=response.status_code, body=body)


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """For a creating API method (``post(self, request)``) whose caller is authenticated: the
    caller's id scopes the keys."""

    @wraps(view)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key(request)
        if key is None:
            return view(self, request, *args, **kwargs)
        scope = request.user.id
        print_ = fingerprint(settings.SECRET_KEY, request.method, request.path, request.data)
        with transaction.atomic():
            stored = _claim(scope, key, print_)
            if stored is not None:
                stored_print, status, body = stored
                if not hmac.compare_digest(stored_print, print_):
                    raise KeyReused(
                        f"This {HEADER} came with another request (another body or path) in the "
                        f"last {KEY_TTL.total_seconds() / 3600:g} hours: use a new key for a new request."
                    )
                # loaded in the order it was written, so rendered to the same bytes
                return Response(json.loads(body), status=status, headers={REPLAYED_HEADER: "true"})
            response = view(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                _store(scope, key, response)
            else:  # only a success is remembered: anything else did not happen, and reruns
                transaction.set_rollback(True)
            return response

    return wrapper


#: ``extend_schema(parameters=...)`` of a creating operation
PARAMETERS = [
    OpenApiParameter(
        HEADER,
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        pattern=KEY_PATTERN,
        description=(
            "makes a retry safe: the same key with the same body within 24 hours answers the first "
            "answer again (and writes nothing); with another body it is a 422. Keys are per caller."
        ),
    ),
    OpenApiParameter(
        REPLAYED_HEADER,
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        response=[201],
        description="`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
    ),
]
