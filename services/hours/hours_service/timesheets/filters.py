"""FilterSets: how the selectors narrow entries and projects (query params validated by the APIs)."""

from __future__ import annotations

from datetime import datetime

import django_filters as filters
from django.db.models import Q, QuerySet

from hours_service.timesheets.models import Entry, Project


class ProjectFilter(filters.FilterSet):
    archived = filters.BooleanFilter()
    billable = filters.BooleanFilter()
    search = filters.CharFilter(field_name="name", lookup_expr="icontains")
    ordering = filters.OrderingFilter(fields=("name", "created_at", "id"))

    class Meta:
        model = Project
        fields: list[str] = []


class EntryFilter(filters.FilterSet):
    # "from" is a keyword: it is added to base_filters below the class.
    to = filters.IsoDateTimeFilter(method="filter_to", label="entries that start before this instant")
    project = filters.NumberFilter(field_name="project_id")
    billable = filters.BooleanFilter()
    running = filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull")
    tag = filters.CharFilter(method="filter_tag")
    ordering = filters.OrderingFilter(fields=("started_at", "ended_at", "created_at", "id"))

    class Meta:
        model = Entry
        fields: list[str] = []

    @staticmethod
    def filter_from(queryset: QuerySet[Entry], name: str, value: datetime) -> QuerySet[Entry]:
        return queryset.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=value))

    @staticmethod
    def filter_to(queryset: QuerySet[Entry], name: str, value: datetime) -> QuerySet[Entry]:
        return queryset.filter(started_at__lt=value)

    @staticmethod
    def filter_tag(queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return queryset.filter(tags__contains=[value])


EntryFilter.base_filters["from"] = filters.IsoDateTimeFilter(
    method="filter_from", label="entries that end after this instant (or still run)"
)
