"""Fields and output shapes shared by several APIs (each API nests its own input)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.db.models import BigIntegerField, CharField, F, Func, Value
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from hours_service.timesheets.models import MAX_ENTRY_DURATION, TAG_LENGTH, USER_ID_LENGTH, Entry

MAX_ID = 2**63 - 1
MAX_TAGS = 20


UTC = ZoneInfo("UTC")

#: The calendar the service takes: dates from FIRST_DAY to LAST_DAY, and the instants of those
#: days in UTC. Python's dates end at the years 1 and 9999, and a report takes the day, week and
#: month after a date and local midnights up to 14 hours from UTC: within these bounds none of
#: that can leave the calendar, in any zone.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
EARLIEST = datetime.combine(FIRST_DAY, time(0), tzinfo=UTC)
END = datetime.combine(LAST_DAY + timedelta(days=1), time(0), tzinfo=UTC)  # excluded
DATE_RANGE = f"from {FIRST_DAY} to {LAST_DAY}"
INSTANT_RANGE = f"on a day {DATE_RANGE} (UTC)"


def _saying_the_range(help_text: str | None, range_text: str) -> str:
    return f"{help_text}; {range_text}" if help_text else range_text[:1].upper() + range_text[1:]


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant that names its offset (``Z`` or ``+01:00``), on a day of the service's
    calendar in UTC; a naive time is refused."""

    default_error_messages = {
        "naive": "Give a time zone offset (for example Z or +01:00).",
        "range": f"Give an instant {INSTANT_RANGE}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs["help_text"] = _saying_the_range(kwargs.get("help_text"), INSTANT_RANGE)
        super().__init__(**kwargs)

    def enforce_timezone(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            self.fail("naive")
        return super().enforce_timezone(value)

    def to_internal_value(self, value: Any) -> datetime:
        instant = super().to_internal_value(value)
        if not EARLIEST <= instant < END:
            self.fail("range")
        return instant


class CalendarDateField(serializers.DateField):
    """An ISO 8601 date of the service's calendar."""

    default_error_messages = {"range": f"Give a date {DATE_RANGE}."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs["help_text"] = _saying_the_range(kwargs.get("help_text"), DATE_RANGE)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> date:
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fail("range")
        return day


_ZONES = frozenset(available_timezones())


class TimeZoneField(serializers.CharField):
    """An IANA time zone name (``Europe/Berlin``), as a :class:`~zoneinfo.ZoneInfo`."""

    default_error_messages = {"zone": "{name!r} is not an IANA time zone (for example Europe/Berlin)."}

    def to_internal_value(self, data: Any) -> ZoneInfo:
        name = super().to_internal_value(data)
        if name not in _ZONES:  # also keeps paths and odd keys away from ZoneInfo()
            self.fail("zone", name=name)
        return ZoneInfo(name)

    def to_representation(self, value: ZoneInfo | str) -> str:
        return str(value)


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def tags_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=TAG_LENGTH, min_length=1), max_length=MAX_TAGS, **kwargs
    )


def user_field() -> serializers.CharField:
    return serializers.CharField(
        required=False,
        max_length=USER_ID_LENGTH,
        help_text="Admins only: read this user's data (a user id, the token's `sub`).",
    )


def unique_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


@extend_schema_serializer(component_name="Project")
class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    billable = serializers.BooleanField()
    archived = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Entry")
class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user_id")
    project = serializers.IntegerField(source="project_id", allow_null=True)
    project_name = serializers.CharField(source="project.name", allow_null=True, default=None)
    description = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    running = serializers.BooleanField(source="is_running")
    duration_seconds = serializers.SerializerMethodField()
    billable = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.IntegerField(help_text="so far, while the entry runs (at most 24 hours: 86400)")
    )
    def get_duration_seconds(self, entry: Entry) -> int:
        return int(entry.duration().total_seconds())


class UtcInstant(Func):
    """An instant as DRF's ``DateTimeField`` writes it here, written by Postgres: ISO 8601 in UTC
    (the service's ``TIME_ZONE``, which the list never overrides), ``Z`` for ``+00:00``, the
    microseconds only when there are any (``datetime.isoformat``). Parsing each timestamp into a
    ``datetime`` and formatting it again took a third of the list's CPU in Python."""

    template = (
        "to_char(%(expressions)s AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', %(expressions)s)"
        ' = %(expressions)s THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
        ' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
    )
    output_field = CharField()


class CountedSeconds(Func):
    """An entry's ``duration_seconds`` at ``now`` (:meth:`Entry.duration`: up to its end, or
    while it runs up to ``now``, never more than MAX_ENTRY_DURATION, never below 0; whole
    seconds, truncated), worked out by Postgres."""

    output_field = BigIntegerField()

    def __init__(self, now: datetime) -> None:
        super().__init__(F("started_at"), F("ended_at"), Value(now), Value(MAX_ENTRY_DURATION))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        (started, started_params), (ended, ended_params), (now, now_params), (most, most_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        end = f"coalesce({ended}, least({now}, {started} + {most}))"
        sql = f"trunc(extract(epoch from greatest({end} - {started}, interval '0')))::bigint"
        return sql, [*ended_params, *now_params, *started_params, *most_params, *started_params]


def entry_columns(now: datetime) -> tuple[str | Func, ...]:
    """What :func:`entry_rows` reads (``values_list(*entry_columns(now))``): every field
    :class:`EntryOutput` shows, the project's name joined, instants and duration as written."""
    return (
        "id",
        "user_id",
        "project_id",
        "project__name",
        "description",
        UtcInstant("started_at"),
        UtcInstant("ended_at"),
        CountedSeconds(now),
        "billable",
        "tags",
        UtcInstant("created_at"),
        UtcInstant("updated_at"),
    )


def entry_rows(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """:class:`EntryOutput`'s body for ``values_list(*entry_columns(now))`` rows, built directly.

    The entries list is the service's hottest read, and a serializer costs more per row than
    the query does (a field object, ``get_attribute`` and a time-zone lookup per value;
    bench/RESULTS.md has the profile). The list builds the same dicts from plain rows, which
    Postgres sends with the instants and the duration already written; the tests hold every
    listed entry equal to what :class:`EntryOutput` answers for it.
    """
    return [
        {
            "id": id_,
            "user": user_id,
            "project": project_id,
            "project_name": project_name,
            "description": description,
            "started_at": started_at,
            "ended_at": ended_at,
            "running": ended_at is None,
            "duration_seconds": duration_seconds,
            "billable": billable,
            "tags": tags,
            "created_at": created_at,
            "updated_at": updated_at,
        }
        for (
            id_,
            user_id,
            project_id,
            project_name,
            description,
            started_at,
            ended_at,
            duration_seconds,
            billable,
            tags,
            created_at,
            updated_at,
        ) in rows
    ]


@extend_schema_serializer(component_name="Problem")
class ProblemOutput(serializers.Serializer):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "validation errors by field (`field.sub` for a nested one); `non_field_errors` "
            "holds those not tied to a field"
        ),
    )
    conflicting_entry = serializers.DictField(required=False)
    latest_ended_at = serializers.DateTimeField(
        required=False, help_text="timer-overdue: the latest end the running entry can be given"
    )


def problems(*statuses: int) -> dict[tuple[int, str], type[serializers.Serializer]]:
    """``extend_schema(responses=...)`` entries for the problem answers of an operation."""
    return {(status, "application/problem+json"): ProblemOutput for status in (401, 503, *statuses)}
