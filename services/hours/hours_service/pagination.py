"""Page-number pagination for the list APIs (``?page=2&page_size=100``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class Pagination(PageNumberPagination):
    """A ``?page=`` past the last page, below 1 or not a number is DRF's ``NotFound("Invalid
    page.")``, a 404 problem: every paginated list documents 404 (``problems(..., 404)``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paginated_response(
    *, serializer_class: type[serializers.Serializer], queryset: QuerySet, request: Request, view: APIView
) -> Response:
    return paginated_items(
        queryset=queryset,
        items=lambda page: serializer_class(page, many=True).data,
        request=request,
        view=view,
    )


def paginated_items(
    *, queryset: QuerySet, items: Callable[[Sequence[Any]], list[Any]], request: Request, view: APIView
) -> Response:
    """:func:`paginated_response` for a list that builds its page's items itself."""
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(items(page))


def paginated_schema(serializer_class: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The OpenAPI shape of :func:`paginated_response`'s body."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


PAGINATION_PARAMETERS = [
    inline_serializer(
        "PageParameters",
        {
            "page": serializers.IntegerField(required=False, min_value=1),
            "page_size": serializers.IntegerField(required=False, min_value=1, max_value=500),
        },
    )
]
