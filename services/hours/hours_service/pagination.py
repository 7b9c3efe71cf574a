"""Page-number pagination, the same in every service (CONTRIBUTING.md, "Lists").

``?page=`` (from 1) and ``?per_page=`` (1 to 100, 50 by default) in; the page
``{items, page, per_page, total, pages}`` and an RFC 8288 ``Link`` header (``first``,
``prev``, ``next``, ``last``) out. A page past the last is an empty page, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import BigIntegerField, Func, QuerySet
from django.db.models.expressions import RawSQL
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


#: the page query's column with the total: ``count(*)`` of the same rows, as a subquery
TOTAL = "page_total"
_COUNT = Func(template="count(*)", output_field=BigIntegerField())


def page_query(queryset: QuerySet, *, offset: int, limit: int) -> QuerySet:
    """The rows of ``queryset`` from ``offset`` (at most ``limit``), each with how many it has in
    all as its last value (:data:`TOTAL`).

    One query answers both: the count is a scalar subquery that does not depend on the row,
    which Postgres runs once (an InitPlan), so the exact total costs no second round trip, and
    page and total come from the same snapshot. Only a page past the last, which has no row to
    carry the total, asks for the count on its own. The subquery goes in as the SQL Django
    writes for the count, not as a ``Subquery``, whose aliases Django rewrites on every call;
    in SQL the subquery's own FROM is what its names refer to.
    """
    count_sql, count_params = queryset.order_by().values_list(_COUNT).query.sql_with_params()
    total = RawSQL(f"({count_sql})", count_params, output_field=BigIntegerField())  # noqa: S611 - Django's SQL, values as params
    return queryset.annotate(**{TOTAL: total})[offset : offset + limit]


def page_rows(queryset: QuerySet, *, offset: int, limit: int) -> tuple[list[Any], int]:
    """The rows of ``queryset`` from ``offset`` (at most ``limit``) and how many it has in all
    (:func:`page_query`)."""
    rows = list(page_query(queryset, offset=offset, limit=limit))
    if not rows:
        return [], queryset.count() if offset else 0
    if isinstance(rows[0], tuple):  # values_list(): the annotation is the last value
        return [row[:-1] for row in rows], rows[0][-1]
    return rows, getattr(rows[0], TOTAL)


def paginated_rows(
    *,
    rows: Callable[[int, int], tuple[Sequence[Any], int]],
    items: Callable[[Sequence[Any]], list[Any]],
    request: Request,
) -> Response:
    """The page the request asks for: ``rows(offset, limit)`` reads its rows and the total
    (as :func:`page_rows`), ``items`` turns the rows into the body's."""
    page, per_page = page_parameters(request)
    page_of_rows, total = rows((page - 1) * per_page, per_page)
    pages = math.ceil(total / per_page)
    body = {"items": items(page_of_rows), "page": page, "per_page": per_page, "total": total, "pages": pages}
    query = ((name, value) for name, values in request.query_params.lists() for value in values)
    link = link_header(request.path, query, page=page, per_page=per_page, pages=pages)
    return Response(body, headers={"Link": link})


def paginated_items(
    *, queryset: QuerySet, items: Callable[[Sequence[Any]], list[Any]], request: Request
) -> Response:
    """The page of ``queryset`` the request asks for; ``items`` turns its rows into the body's."""
    return paginated_rows(
        rows=lambda offset, limit: page_rows(queryset, offset=offset, limit=limit),
        items=items,
        request=request,
    )


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
