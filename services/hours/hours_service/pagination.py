"""Page-number pagination for the list APIs (``?page=2&page_size=100``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@extend_schema_serializer(component_name="PageParameters")
class PageParameters(serializers.Serializer):
    """``?page=`` and ``?page_size=``: checked like every other query parameter, so a value that
    is not a number or out of range is a 400 validation problem naming it."""

    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class Pagination(PageNumberPagination):
    """Page-number pagination whose query parameters are validated by :class:`PageParameters`
    (400, ``errors: {"page": [...]}``) instead of DRF's leniency (``?page=abc`` a 404,
    ``?page_size=abc`` the default, ``?page_size=1000`` capped). A well-formed ``?page=`` past
    the last page stays DRF's ``NotFound("Invalid page.")``, a 404 problem; an empty list has
    one (empty) page."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # ?page=last is not an integer: the spec says page is one

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list[Any]:
        self.parameters: dict[str, int] = {}
        if "page" in request.query_params or "page_size" in request.query_params:
            # The usual call (the first page, default size) has nothing to check.
            parameters = PageParameters(data=request.query_params)
            parameters.is_valid(raise_exception=True)
            self.parameters = parameters.validated_data
        return super().paginate_queryset(queryset, request, view=view)

    def get_page_size(self, request: Request) -> int:
        return self.parameters.get("page_size", self.page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        return self.parameters.get("page", 1)


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


PAGINATION_PARAMETERS = [PageParameters]
