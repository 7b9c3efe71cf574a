"""Reports in a requested time zone: DST days have 23 or 25 hours, and an entry across a
local midnight is split between the two days."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hours_service.timesheets.filters import EntryFilter
from hours_service.timesheets.reports import entry_report, local_midnight
from hours_service.timesheets.selectors import entry_list

from tests.factories import EntryFactory, ProjectFactory, forgotten_timer, utc

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600


def totals(report) -> dict[str, int]:
    return {bucket.key: bucket.total_seconds for bucket in report.buckets}


def by_day(user_id: str, start: date, end: date, tz: ZoneInfo = BERLIN, **filters):
    entries = EntryFilter(filters, queryset=entry_list(caller_id=user_id)).qs
    return entry_report(entries=entries, group_by="day", start_date=start, end_date=end, tz=tz)


def test_spring_forward_day_has_23_hours():
    # 2024-03-31 in Berlin: 00:00 CET (23:00Z the day before) to 00:00 CEST (22:00Z).
    EntryFactory(user_id="u", started_at=utc(2024, 3, 30, 23), ended_at=utc(2024, 3, 31, 22))
    report = by_day("u", date(2024, 3, 30), date(2024, 4, 1))
    assert totals(report) == {"2024-03-30": 0, "2024-03-31": 23 * H, "2024-04-01": 0}
    day = report.buckets[1]
    assert (day.start, day.end) == (utc(2024, 3, 30, 23), utc(2024, 3, 31, 22))


def test_fall_back_day_has_25_hours():
    # 2024-10-27 in Berlin runs from 22:00Z on the 26th to 23:00Z on the 27th.
    EntryFactory(user_id="u", started_at=utc(2024, 10, 26, 22), ended_at=utc(2024, 10, 27, 22))
    EntryFactory(user_id="u", started_at=utc(2024, 10, 27, 22), ended_at=utc(2024, 10, 27, 23, 30))
    report = by_day("u", date(2024, 10, 27), date(2024, 10, 28))
    assert totals(report) == {"2024-10-27": 25 * H, "2024-10-28": H // 2}
    assert report.total_seconds == 25 * H + H // 2


def test_entry_across_midnight_is_split_in_the_requested_zone():
    # 20:00Z to 02:00Z is 22:00 to 04:00 in Berlin (CEST): 2 h and 4 h there, 4 h and 2 h in UTC.
    EntryFactory(user_id="u", started_at=utc(2024, 5, 6, 20), ended_at=utc(2024, 5, 7, 2))
    assert totals(by_day("u", date(2024, 5, 6), date(2024, 5, 7))) == {
        "2024-05-06": 2 * H,
        "2024-05-07": 4 * H,
    }
    assert totals(by_day("u", date(2024, 5, 6), date(2024, 5, 7), tz=ZoneInfo("UTC"))) == {
        "2024-05-06": 4 * H,
        "2024-05-07": 2 * H,
    }


def test_a_zone_whose_midnight_does_not_exist():
    # America/Santiago skips 2024-09-08 00:00-01:00: that day starts at 01:00 -03 (04:00Z).
    santiago = ZoneInfo("America/Santiago")
    assert local_midnight(date(2024, 9, 8), santiago) == utc(2024, 9, 8, 4)
    EntryFactory(user_id="u", started_at=utc(2024, 9, 8, 3, 30), ended_at=utc(2024, 9, 8, 4, 30))
    report = by_day("u", date(2024, 9, 7), date(2024, 9, 8), tz=santiago)
    assert totals(report) == {"2024-09-07": H // 2, "2024-09-08": H // 2}


def test_range_clips_entries_at_its_edges():
    EntryFactory(
        user_id="u", started_at=utc(2024, 5, 5, 21), ended_at=utc(2024, 5, 5, 23)
    )  # 23:00-01:00 local
    report = by_day("u", date(2024, 5, 6), date(2024, 5, 6))
    assert totals(report) == {"2024-05-06": H}


def test_weeks_are_iso_weeks_in_local_time():
    # Sunday 2024-05-12 23:00 to Monday 01:00 in Berlin: one hour in each ISO week.
    EntryFactory(user_id="u", started_at=utc(2024, 5, 12, 21), ended_at=utc(2024, 5, 12, 23))
    report = entry_report(
        entries=entry_list(caller_id="u"),
        group_by="week",
        start_date=date(2024, 5, 6),
        end_date=date(2024, 5, 19),
        tz=BERLIN,
    )
    assert totals(report) == {"2024-W19": H, "2024-W20": H}
    assert report.buckets[1].start == local_midnight(date(2024, 5, 13), BERLIN)


def test_months_in_local_time():
    # 2024-03-31 22:30Z is already April in Berlin.
    EntryFactory(user_id="u", started_at=utc(2024, 3, 31, 21), ended_at=utc(2024, 3, 31, 23))
    report = entry_report(
        entries=entry_list(caller_id="u"),
        group_by="month",
        start_date=date(2024, 3, 1),
        end_date=date(2024, 4, 30),
        tz=BERLIN,
    )
    assert totals(report) == {"2024-03": H, "2024-04": H}


def test_by_project_with_billable_totals():
    website = ProjectFactory(owner_id="u", name="Website")
    EntryFactory(user_id="u", project=website, started_at=utc(2024, 5, 6, 8), ended_at=utc(2024, 5, 6, 10))
    EntryFactory(
        user_id="u",
        project=website,
        billable=False,
        started_at=utc(2024, 5, 6, 10),
        ended_at=utc(2024, 5, 6, 11),
    )
    EntryFactory(user_id="u", started_at=utc(2024, 5, 6, 12), ended_at=utc(2024, 5, 6, 13))
    EntryFactory(user_id="someone-else", started_at=utc(2024, 5, 6, 12), ended_at=utc(2024, 5, 6, 20))
    report = entry_report(
        entries=entry_list(caller_id="u"),
        group_by="project",
        start_date=date(2024, 5, 6),
        end_date=date(2024, 5, 6),
        tz=BERLIN,
    )
    assert [(b.key, b.project_name, b.total_seconds, b.billable_seconds) for b in report.buckets] == [
        (str(website.pk), "Website", 3 * H, 2 * H),
        ("none", None, H, H),
    ]
    assert (report.total_seconds, report.billable_seconds) == (4 * H, 3 * H)


def test_filters_apply():
    EntryFactory(user_id="u", started_at=utc(2024, 5, 6, 8), ended_at=utc(2024, 5, 6, 9), tags=["a"])
    EntryFactory(user_id="u", started_at=utc(2024, 5, 6, 9), ended_at=utc(2024, 5, 6, 11))
    assert by_day("u", date(2024, 5, 6), date(2024, 5, 6), tag="a").total_seconds == H


def test_a_running_entry_counts_until_now():
    from django.utils import timezone

    now = timezone.now()
    EntryFactory(user_id="u", started_at=now - timedelta(hours=2), ended_at=None)
    today = now.astimezone(UTC).date()
    report = by_day("u", today - timedelta(days=1), today, tz=ZoneInfo("UTC"))
    assert 2 * H - 5 <= report.total_seconds <= 2 * H + 5


def test_a_forgotten_timer_counts_24_hours():
    forgotten = forgotten_timer("u", started_at=utc(2024, 5, 6, 8))
    report = by_day("u", date(2024, 5, 6), date(2024, 5, 9), tz=ZoneInfo("UTC"))
    assert totals(report) == {"2024-05-06": 16 * H, "2024-05-07": 8 * H, "2024-05-08": 0, "2024-05-09": 0}
    assert forgotten.duration() == timedelta(hours=24)
