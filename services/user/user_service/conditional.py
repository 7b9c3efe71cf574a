"""Conditional requests, the same in every service (CONTRIBUTING.md, "Conditional requests").

Every single resource answers with a strong ``ETag``: a digest of its representation (less
what is computed at answer time), so it changes exactly when what a client sees changes. A
read with a matching ``If-None-Match`` is a 304; a change (``PATCH``, ``DELETE``) whose
``If-Match`` no longer matches is a 412 problem, decided by the service under the row's
lock (:func:`if_match` makes the check the service runs), so two writers that read the same
version cannot both win. Without ``If-Match`` a change is made as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from apiflask import Schema
from apiflask.fields import String
from flask import Response
from werkzeug.http import parse_etags, unquote_etag

from user_service.errors import ServiceError

T = TypeVar("T")


class PreconditionFailed(ServiceError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition Failed"


class ReadHeaders(Schema):
    if_none_match = String(
        data_key="If-None-Match",
        metadata={"description": "an ETag read before: 304 Not Modified while it still matches"},
    )


class ChangeHeaders(Schema):
    if_match = String(
        data_key="If-Match",
        metadata={
            "description": (
                "the ETag the change is based on: 412 Precondition Failed when the resource has "
                "changed since (a change without it is made regardless)"
            )
        },
    )


def not_modified(headers: Mapping[str, Any], current: str) -> Response | None:
    """The 304 for a read whose ``If-None-Match`` matches ``current`` (weak comparison, RFC 9110
    section 13.1.2), else None."""
    header = headers.get("if_none_match")
    if header is None:
        return None
    tags = parse_etags(header)
    if tags.star_tag or tags.contains_weak(unquote_etag(current)[0]):
        return Response(status=304, headers={"ETag": current})
    return None


def if_match(headers: Mapping[str, Any], etag_of: Callable[[T], str]) -> Callable[[T], None] | None:
    """The check a service runs on the locked row before it changes it: 412 unless the row's
    current ETag is one of ``If-Match`` (strong comparison, RFC 9110 section 13.1.1). None when
    the request has no ``If-Match``."""
    header = headers.get("if_match")
    if header is None:
        return None
    tags = parse_etags(header)

    def check(resource: T) -> None:
        if tags.star_tag:
            return
        if not tags.contains(unquote_etag(etag_of(resource))[0]):
            raise PreconditionFailed(
                "The resource has changed since the ETag in If-Match: read it again and retry "
                "with its current ETag."
            )

    return check
