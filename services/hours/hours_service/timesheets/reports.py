"""Totals by day, week, month or project, in an IANA time zone.

Done in Python with :mod:`zoneinfo` (the ``tzdata`` package pins the zone database, so the
answer does not depend on the database server's zone files). Every boundary is a local
midnight turned into a UTC instant *before* any arithmetic, so a day is as long as it
really is (23 or 25 hours on DST days), and an entry across a local midnight is split
between the two days. Weeks are ISO weeks (Monday to Sunday); months are calendar months.
Running entries count up to now, and at most 24 hours (:func:`~hours_service.timesheets.models.counted_end`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from hours_service.errors import ValidationFailed
from hours_service.timesheets.models import Entry, counted_end
from hours_service.timesheets.selectors import entries_overlapping

GroupBy = Literal["day", "week", "month", "project"]
MAX_REPORT_DAYS = 400
ZERO = timedelta(0)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` starts in ``tz`` (where midnight is skipped, the
    day starts at the end of the gap)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@dataclass
class Bucket:
    key: str
    start: datetime | None = None
    end: datetime | None = None
    project: int | None = None
    project_name: str | None = None
    total: timedelta = ZERO
    billable: timedelta = ZERO

    @property
    def total_seconds(self) -> int:
        return int(self.total.total_seconds())

    @property
    def billable_seconds(self) -> int:
        return int(self.billable.total_seconds())


@dataclass
class Report:
    group_by: GroupBy
    timezone: str
    start_date: date
    end_date: date
    buckets: list[Bucket] = field(default_factory=list)

    @property
    def total_seconds(self) -> int:
        return int(sum((b.total for b in self.buckets), ZERO).total_seconds())

    @property
    def billable_seconds(self) -> int:
        return int(sum((b.billable for b in self.buckets), ZERO).total_seconds())


def _period(day: date, group_by: GroupBy) -> tuple[str, date, date]:
    """(key, first day, day after the last) of the period holding ``day``."""
    if group_by == "day":
        return day.isoformat(), day, day + timedelta(days=1)
    if group_by == "week":
        year, week, weekday = day.isocalendar()
        monday = day - timedelta(days=weekday - 1)
        return f"{year}-W{week:02d}", monday, monday + timedelta(days=7)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return f"{day:%Y-%m}", first, following


def _calendar_buckets(start_date: date, end_date: date, group_by: GroupBy, tz: ZoneInfo) -> dict[str, Bucket]:
    buckets: dict[str, Bucket] = {}
    day = start_date
    while day <= end_date:
        key, first, following = _period(day, group_by)
        if key not in buckets:
            buckets[key] = Bucket(key=key, start=local_midnight(first, tz), end=local_midnight(following, tz))
        day = following
    return buckets


def _day_segments(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[date, timedelta]]:
    """``[start, end)`` cut at local midnights: (local day, time on that day)."""
    segments = []
    day = start.astimezone(tz).date()
    while start < end:
        next_midnight = local_midnight(day + timedelta(days=1), tz)
        cut = min(end, next_midnight)
        if cut > start:
            segments.append((day, cut - start))
        start, day = cut, day + timedelta(days=1)
    return segments


def check_range(start_date: date, end_date: date) -> None:
    """A report runs forwards and spans at most :data:`MAX_REPORT_DAYS` days, else it is a
    validation problem naming ``end_date`` (a longer one is the CSV export's job)."""
    if end_date < start_date:
        raise ValidationFailed({"end_date": ["must not be before start_date."]})
    if (end_date - start_date).days >= MAX_REPORT_DAYS:
        raise ValidationFailed({"end_date": [f"a report covers at most {MAX_REPORT_DAYS} days."]})


def entry_report(
    *,
    entries: QuerySet[Entry],
    group_by: GroupBy,
    start_date: date,
    end_date: date,
    tz: ZoneInfo,
) -> Report:
    """Totals of ``entries`` (one user's from :func:`~selectors.entry_list`, perhaps filtered)
    over the local days ``start_date`` to ``end_date`` (both included)."""
    check_range(start_date, end_date)
    range_start = local_midnight(start_date, tz)
    range_end = local_midnight(end_date + timedelta(days=1), tz)
    now = timezone.now()
    rows = (
        entries_overlapping(entries, start=range_start, end=range_end)
        .order_by()
        .values_list("started_at", "ended_at", "billable", "project_id", "project__name")
    )
    report = Report(group_by=group_by, timezone=tz.key, start_date=start_date, end_date=end_date)
    calendar = _calendar_buckets(start_date, end_date, group_by, tz) if group_by != "project" else {}
    projects: dict[int | None, Bucket] = {}
    totals: defaultdict[str, list[timedelta]] = defaultdict(lambda: [ZERO, ZERO])

    for started_at, ended_at, billable, project_id, project_name in rows.iterator(chunk_size=1000):
        start, end = max(started_at, range_start), min(counted_end(started_at, ended_at, now), range_end)
        if end <= start:
            continue
        if group_by == "project":
            bucket = projects.setdefault(
                project_id,
                Bucket(
                    key=str(project_id) if project_id else "none",
                    project=project_id,
                    project_name=project_name,
                ),
            )
            pieces = [(bucket.key, end - start)]
        else:
            pieces = [(_period(day, group_by)[0], length) for day, length in _day_segments(start, end, tz)]
        for key, length in pieces:
            totals[key][0] += length
            if billable:
                totals[key][1] += length

    buckets = calendar or {bucket.key: bucket for bucket in projects.values()}
    for key, (total, billable_total) in totals.items():
        buckets[key].total, buckets[key].billable = total, billable_total
    report.buckets = list(buckets.values())
    if group_by == "project":
        report.buckets.sort(key=lambda b: (-b.total, b.project_name or ""))
    return report
