"""Conditional requests: the rules are CONTRIBUTING.md's "Conditional requests", the ETag
digest ``timekeeper_service.conventions.etag``. Here: the 304 for a read
(:func:`not_modified`) and the If-Match check a service runs under the row's lock, in the
transaction that writes (:func:`if_match`), so two writers that read one version cannot both
win.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.utils.cache import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from timekeeper_service.conventions import ETAG_DESCRIPTION

from hours_service.errors import ApplicationError

T = TypeVar("T")


class PreconditionFailed(ApplicationError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition Failed"


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def not_modified(request: Request, current: str) -> Response | None:
    """The 304 for a read whose ``If-None-Match`` matches ``current`` (weak comparison, RFC 9110
    section 13.1.2), else None."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return None
    tags = parse_etags(header)
    if tags == ["*"] or _opaque(current) in {_opaque(tag) for tag in tags}:
        return Response(status=304, headers={"ETag": current})
    return None


def if_match(request: Request, etag_of: Callable[[T], str]) -> Callable[[T], None] | None:
    """The check a service runs on the locked row before it changes it: 412 unless the row's
    current ETag is one of ``If-Match`` (strong comparison, RFC 9110 section 13.1.1). None when
    the request has no ``If-Match``."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = parse_etags(header)

    def check(resource: T) -> None:
        if tags == ["*"]:
            return
        if etag_of(resource) not in tags:  # a weak tag ("W/...") never equals a strong one
            raise PreconditionFailed(
                "The resource has changed since the ETag in If-Match: read it again and retry "
                "with its current ETag."
            )

    return check


def _header(name: str, description: str, **kwargs: Any) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.STR, location=OpenApiParameter.HEADER, description=description, **kwargs
    )


#: ``extend_schema(parameters=...)`` of a read of one resource, and of a change of one
READ_PARAMETERS = [
    _header("If-None-Match", "an ETag read before: 304 Not Modified while it still matches"),
    _header("ETag", ETAG_DESCRIPTION, response=[200, 304], required=True),
]
CHANGE_PARAMETERS = [
    _header(
        "If-Match",
        "the ETag the change is based on: 412 Precondition Failed when the resource has changed "
        "since (a change without it is made regardless)",
    ),
]
CHANGE_RESPONSE_PARAMETERS = [
    *CHANGE_PARAMETERS,
    _header("ETag", ETAG_DESCRIPTION, response=[200], required=True),
]
NOT_MODIFIED = {304: OpenApiResponse(description="Not Modified: If-None-Match still matches")}
