"""Page-number pagination, the same in every service (CONTRIBUTING.md, "Lists").

``?page=`` (from 1) and ``?per_page=`` (1 to 100, 50 by default) in; the page
``{items, page, per_page, total, pages}`` and an RFC 8288 ``Link`` header (``first``,
``prev``, ``next``, ``last``) out. A page past the last is an empty page, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from timekeeper_service.conventions import (
    DEFAULT_PER_PAGE,
    LINK_DESCRIPTION,
    MAX_PAGE,
    MAX_PER_PAGE,
    link_header,
)


@extend_schema_serializer(component_name="PageParameters")
class PageParameters(serializers.Serializer):
    """``?page=`` and ``?per_page=``: checked like every other query parameter, so a value that
    is not a number or out of range is a 400 validation problem naming it."""

    page = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        help_text="the page, counted from 1; past the last, the page is empty",
    )
    per_page = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PER_PAGE, help_text="items on a page"
    )


def page_parameters(request: Request) -> tuple[int, int]:
    """(page, per_page) of the request; a 400 validation problem when either is malformed."""
    query = request.query_params
    if "page" not in query and "per_page" not in query:
        return 1, DEFAULT_PER_PAGE  # the usual call (the first page) has nothing to check
    parameters = PageParameters(data=query)
    parameters.is_valid(raise_exception=True)
    return parameters.validated_data.get("page", 1), parameters.validated_data.get(
        "per_page", DEFAULT_PER_PAGE
    )


def paginated_items(
    *, queryset: QuerySet, items: Callable[[Sequence[Any]], list[Any]], request: Request
) -> Response:
    """The page of ``queryset`` the request asks for; ``items`` turns its rows into the body's."""
    page, per_page = page_parameters(request)
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page]) if offset < total else []
    pages = math.ceil(total / per_page)
    body = {"items": items(rows), "page": page, "per_page": per_page, "total": total, "pages": pages}
    query = ((name, value) for name, values in request.query_params.lists() for value in values)
    link = link_header(request.path, query, page=page, per_page=per_page, pages=pages)
    return Response(body, headers={"Link": link})


def paginated_response(
    *, serializer_class: type[serializers.Serializer], queryset: QuerySet, request: Request
) -> Response:
    return paginated_items(
        queryset=queryset, items=lambda rows: serializer_class(rows, many=True).data, request=request
    )


def paginated_schema(serializer_class: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The OpenAPI shape of :func:`paginated_items`'s body."""
    return inline_serializer(
        name,
        {
            "items": serializer_class(many=True),
            "page": serializers.IntegerField(),
            "per_page": serializers.IntegerField(),
            "total": serializers.IntegerField(),
            "pages": serializers.IntegerField(),
        },
    )


#: what ``extend_schema(parameters=...)`` of a list adds: the page parameters, the Link header
PAGINATION_PARAMETERS = [
    PageParameters,
    OpenApiParameter(
        "Link",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        response=[200],
        required=True,
        description=LINK_DESCRIPTION,
    ),
]
