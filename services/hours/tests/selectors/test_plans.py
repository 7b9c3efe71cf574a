"""The reads of a time range read the index from the range on, not every entry of the user
before its end: what a list, an export or a report of one month costs must not grow with the
user's years of entries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from hours_service.timesheets import selectors
from hours_service.timesheets.models import Entry

from tests.factories import BASE

pytestmark = pytest.mark.django_db


def _index_conditions(plan: dict) -> list[str]:
    found = [plan[key] for key in ("Index Cond", "Recheck Cond") if key in plan]
    for child in plan.get("Plans", []):
        found += _index_conditions(child)
    return found


def test_a_time_range_is_read_from_the_index_from_its_start():
    # years of entries, one a day, of which the range holds a month
    Entry.objects.bulk_create(
        Entry(user_id="ann", started_at=started, ended_at=started + timedelta(hours=1), description="")
        for started in (BASE - timedelta(days=day) for day in range(2000))
    )
    start, end = BASE - timedelta(days=30), BASE
    entries = selectors.entries_overlapping(selectors.entry_list(caller_id="ann"), start=start, end=end)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE timesheets_entry")
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a table of many users
        (plan,) = json.loads(entries.explain(format="json"))
    conditions = _index_conditions(plan["Plan"])
    assert any("started_at >" in condition for condition in conditions), conditions
