"""The lists' filters, each defined once: a FilterSet validates the query string (a bad value is
a 400 validation problem naming it), narrows the queryset (``DjangoFilterBackend`` on the API
class) and documents the parameters (drf-spectacular's django-filter extension,
:mod:`hours_service.openapi`).

A value a filter cannot read is an error, never "no filter": django-filter's own boolean
widgets read ``?billable=maybe`` as no value, its number filter takes ``1.5`` and numbers past
``bigint``, and its date-time filter reads a time without an offset in the server's zone; the
filters below refuse those. An empty value (``?tag=``) is no filter, as django-filter has it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet, Value
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.fields import BooleanField as DrfBooleanField

from hours_service.timesheets.models import MAX_ENTRY_DURATION, TAG_LENGTH, Entry, Project
from hours_service.timesheets.serializers import EARLIEST, END, INSTANT_RANGE, MAX_ID


class StrictBooleanField(forms.NullBooleanField):
    """The booleans DRF reads (``true``/``false``, ``1``/``0``, ``yes``/``no``...); ``null`` or
    nothing is no filter, anything else an error."""

    widget = forms.TextInput  # the raw value: django-filter's widgets turn unknown ones into None

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values or value in DrfBooleanField.NULL_VALUES:
            return None
        if value in DrfBooleanField.TRUE_VALUES:
            return True
        if value in DrfBooleanField.FALSE_VALUES:
            return False
        raise forms.ValidationError("Must be a valid boolean.", code="invalid")


@extend_schema_field({"type": ["boolean", "null"]})  # ?billable=null is no filter, as nothing is
class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(filters.NumberFilter):
    """A row id: a whole number from 1 to bigint's largest."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class AwareDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant that names its offset (``Z`` or ``+01:00``), on a day of the service's
    calendar in UTC (as the serializers' field of the same name)."""

    default_error_messages = {
        "naive": "Give a time zone offset (for example Z or +01:00).",
        "range": f"Give an instant {INSTANT_RANGE}.",
    }

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # an impossible date: the parent says so
            if parsed is not None and parsed.tzinfo is None:  # the parent would assume UTC
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
            if parsed is not None and not EARLIEST <= parsed < END:  # before it overflows in UTC
                raise forms.ValidationError(self.error_messages["range"], code="range")
        return super().to_python(value)


class InstantFilter(filters.IsoDateTimeFilter):
    field_class = AwareDateTimeField

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, label=f"{label}; {INSTANT_RANGE}", **kwargs)


class ProjectFilter(filters.FilterSet):
    archived = BooleanFilter()
    billable = BooleanFilter()
    search = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    ordering = filters.OrderingFilter(fields=("name", "created_at", "id"))

    class Meta:
        model = Project
        fields: list[str] = []


class EntryFilter(filters.FilterSet):
    """What every read of entries narrows by: the list, the CSV export and the reports."""

    project = IdFilter(field_name="project_id")
    billable = BooleanFilter()
    tag = filters.CharFilter(method="filter_tag", max_length=TAG_LENGTH)

    class Meta:
        model = Entry
        fields: list[str] = []

    @staticmethod
    def filter_tag(queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return queryset.filter(tags__contains=[value])


class EntryListForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("from") and data.get("to") and data["to"] <= data["from"]:
            self.add_error("to", "must be after from.")
        return data


class EntryListFilter(EntryFilter):
    """The list's and the export's filters: a time range, running or not, and the order."""

    # "from" is a keyword: it is added to base_filters below the class.
    to = InstantFilter(method="filter_to", label="entries that start before this instant")
    running = BooleanFilter(field_name="ended_at", lookup_expr="isnull")
    ordering = filters.OrderingFilter(fields=("started_at", "ended_at", "created_at", "id"))

    class Meta(EntryFilter.Meta):
        form = EntryListForm

    @staticmethod
    def filter_from(queryset: QuerySet[Entry], name: str, value: datetime) -> QuerySet[Entry]:
        # An entry lasts at most MAX_ENTRY_DURATION (entry_at_most_24h): one that ends after
        # ``value`` started after ``value - MAX_ENTRY_DURATION``. Said in the query, that bound
        # lets Postgres read the user's index from there on (and the running entry from its
        # own), not every entry of the user before ``to``. The bound is worked out in SQL, so
        # that ``value`` reaches the query as it is (hours_service.db.statements).
        return queryset.filter(
            Q(ended_at__isnull=True)
            | Q(ended_at__gt=value, started_at__gt=Value(value) - Value(MAX_ENTRY_DURATION))
        )

    @staticmethod
    def filter_to(queryset: QuerySet[Entry], name: str, value: datetime) -> QuerySet[Entry]:
        return queryset.filter(started_at__lt=value)


EntryListFilter.base_filters["from"] = InstantFilter(
    method="filter_from", label="entries that end after this instant (or still run)"
)


def narrowed(
    filterset_class: type[filters.FilterSet], queryset: QuerySet, values: dict[str, Any]
) -> QuerySet:
    """``queryset`` narrowed by filter values already checked by ``filterset_class`` (the
    non-empty ones of its ``form.cleaned_data``), as its ``qs`` narrows it."""
    for name, filter_ in filterset_class(queryset=queryset).filters.items():
        if name in values:
            queryset = filter_.filter(queryset, values[name])
    return queryset
