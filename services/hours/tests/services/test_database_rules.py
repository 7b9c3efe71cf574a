"""Every rule is held by Postgres itself, not only by the service layer: raw writes that
break one fail with the constraint's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.factories import BASE, EntryFactory, ProjectFactory, forgotten_timer

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
    forgotten_timer("u", started_at=BASE)
    assert _violated(
        user_id="u", started_at=BASE + timedelta(days=300), ended_at=BASE + timedelta(days=300, hours=1)
    ) in {"entry_no_overlap"}


def test_one_running_entry_per_user():
    now = timezone.now()
    EntryFactory(user_id="u", started_at=now - timedelta(hours=1), ended_at=None)
    assert _violated(user_id="u", started_at=now - timedelta(hours=3), ended_at=None) in {
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


def test_a_running_entry_started_at_most_24_hours_ago():
    now = timezone.now()
    assert (
        _violated(user_id="u", started_at=now - timedelta(hours=24, minutes=1), ended_at=None)
        == "entry_running_at_most_24h"
    )
    EntryFactory(user_id="u", started_at=now - timedelta(hours=23, minutes=59), ended_at=None)


def _saved(entry, *fields) -> str | None:
    try:
        with transaction.atomic():
            entry.save(update_fields=list(fields) if fields else None)
    except IntegrityError as exc:
        return exc.__cause__.diag.constraint_name
    return None


def test_the_running_rule_holds_when_an_entry_reopens_or_its_start_moves():
    finished = EntryFactory(user_id="u", started_at=BASE, ended_at=BASE + timedelta(hours=1))
    finished.ended_at = None
    assert _saved(finished, "ended_at") == "entry_running_at_most_24h"
    running = EntryFactory(user_id="v", started_at=timezone.now() - timedelta(hours=1), ended_at=None)
    running.started_at -= timedelta(hours=24)
    assert _saved(running, "started_at") == "entry_running_at_most_24h"


def test_a_forgotten_timer_can_be_changed_and_stopped():
    """Time, not a write, made it overdue: writes that leave its times alone, and the one that
    ends it, go through."""
    forgotten = forgotten_timer("u")
    forgotten.description = "left running"
    assert _saved(forgotten) is None  # every column written, the times unchanged
    forgotten.ended_at = forgotten.started_at + timedelta(hours=8)
    assert _saved(forgotten, "ended_at") is None


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
