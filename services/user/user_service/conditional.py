"""Conditional requests: the rules are CONTRIBUTING.md's "Conditional requests", the ETag
digest ``timekeeper_service.conventions.etag``. Here: the 304 for a read
(:func:`not_modified`) and the If-Match check a service runs under the row's lock, in the
transaction that writes (:func:`if_match`), so two writers that read one version cannot both
win.
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
