"""Every rule is held by Postgres itself, not only by the service layer: raw writes that
break one fail with the constraint's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.factories import BASE, EntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _violated(**fields) -> str:
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        EntryFactory(**fields)
    return info.value.__cause__.diag.constraint_name


def test_end_after_start():
    assert _violated(user_id="u", started_at=BASE, ended_at=BASE) == "entry_ends_after_start"


def test_at_most_24_hours():
    assert _violated(user_id="u", started_at=BASE, ended_at=BASE + timedelta(hours=24, seconds=1)) == (
        "entry_at_most_24h"
    )
    EntryFactory(user_id="u", started_at=BASE, ended_at=BASE + timedelta(hours=24))


def test_at_most_24_hours_is_exact_on_a_dst_day():
    # Europe/Berlin's 2024-10-27 has 25 hours; 24 h of it are allowed, not 25.
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Berlin'")
    start = BASE.replace(year=2024, month=10, day=26, hour=22)  # 00:00 local
    assert (
        _violated(user_id="u", started_at=start, ended_at=start + timedelta(hours=25)) == "entry_at_most_24h"
    )
    EntryFactory(user_id="u", started_at=start, ended_at=start + timedelta(hours=24))


def test_no_overlap_for_one_user():
    EntryFactory(user_id="u", started_at=BASE, ended_at=BASE + timedelta(hours=2))
    assert _violated(
        user_id="u", started_at=BASE + timedelta(hours=1), ended_at=BASE + timedelta(hours=3)
    ) == ("entry_no_overlap")


def test_touching_entries_and_other_users_do_not_overlap():
    EntryFactory(user_id="u", started_at=BASE, ended_at=BASE + timedelta(hours=2))
    EntryFactory(user_id="u", started_at=BASE + timedelta(hours=2), ended_at=BASE + timedelta(hours=3))
    EntryFactory(user_id="v", started_at=BASE, ended_at=BASE + timedelta(hours=2))


def test_a_running_entry_reaches_to_infinity():
    EntryFactory(user_id="u", started_at=BASE, ended_at=None)
    assert _violated(
        user_id="u", started_at=BASE + timedelta(days=300), ended_at=BASE + timedelta(days=300, hours=1)
    ) in {"entry_no_overlap"}


def test_one_running_entry_per_user():
    EntryFactory(user_id="u", started_at=BASE, ended_at=None)
    assert _violated(user_id="u", started_at=BASE - timedelta(days=2), ended_at=None) in {
        "entry_one_running_per_user",
        "entry_no_overlap",
    }


def test_no_start_in_the_future_beyond_the_skew():
    now = timezone.now()
    assert (
        _violated(user_id="u", started_at=now + timedelta(minutes=10), ended_at=None) == "entry_not_in_future"
    )
    EntryFactory(user_id="u", started_at=now + timedelta(minutes=1), ended_at=None)


def test_the_future_rule_is_checked_when_the_start_moves():
    entry = EntryFactory(user_id="u", started_at=BASE, ended_at=BASE + timedelta(hours=1))
    entry.started_at = timezone.now() + timedelta(hours=1)
    entry.ended_at = entry.started_at + timedelta(hours=1)
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        entry.save()
    assert info.value.__cause__.diag.constraint_name == "entry_not_in_future"


def test_project_belongs_to_the_entrys_user():
    project = ProjectFactory(owner_id="v")
    assert _violated(user_id="u", project=project) == "entry_project_same_owner"
    EntryFactory(user_id="v", project=project)


def test_project_names_unique_per_owner_case_insensitively():
    ProjectFactory(owner_id="u", name="Website")
    ProjectFactory(owner_id="v", name="Website")
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        ProjectFactory(owner_id="u", name="WEBSITE")
    assert info.value.__cause__.diag.constraint_name == "project_owner_name_ci_unique"
