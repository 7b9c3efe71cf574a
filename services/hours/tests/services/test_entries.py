from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hours_service.errors import NotFound, ValidationFailed
from hours_service.timesheets.services import (
    OverlappingEntry,
    TimerRunning,
    entry_create,
    entry_update,
)

from tests.factories import BASE, ProjectFactory

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def test_create_defaults_billable_from_the_project(user):
    project = ProjectFactory(owner_id=user.id, billable=False)
    entry = entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR, project_id=project.pk)
    assert entry.billable is False
    assert entry.user_id == user.id
    assert entry_create(user_id=user.id, started_at=BASE + HOUR, ended_at=BASE + 2 * HOUR).billable is True


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (BASE, BASE, "ended_at"),
        (BASE, BASE - HOUR, "ended_at"),
        (BASE, BASE + timedelta(hours=24, minutes=1), "ended_at"),
    ],
)
def test_bad_times_are_400_on_the_field(user, start, end, field):
    with pytest.raises(ValidationFailed) as info:
        entry_create(user_id=user.id, started_at=start, ended_at=end)
    assert field in info.value.extra["errors"]


def test_no_start_in_the_future(user):
    with pytest.raises(ValidationFailed) as info:
        entry_create(user_id=user.id, started_at=timezone.now() + timedelta(minutes=30))
    assert "started_at" in info.value.extra["errors"]


def test_overlap_names_the_conflicting_entry(user):
    first = entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + 2 * HOUR)
    with pytest.raises(OverlappingEntry) as info:
        entry_create(user_id=user.id, started_at=BASE + HOUR, ended_at=BASE + 3 * HOUR)
    assert info.value.status == 409
    assert info.value.extra["conflicting_entry"]["id"] == first.pk
    assert str(first.pk) in info.value.detail


def test_a_second_running_entry_is_a_running_timer_conflict(user):
    now = timezone.now()
    running = entry_create(user_id=user.id, started_at=now - HOUR)
    with pytest.raises(TimerRunning) as info:
        entry_create(user_id=user.id, started_at=now - 3 * HOUR)
    assert info.value.extra["conflicting_entry"]["id"] == running.pk


def test_another_users_project_is_not_found(user, other_user):
    theirs = ProjectFactory(owner_id=other_user.id)
    with pytest.raises(NotFound) as info:
        entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR, project_id=theirs.pk)
    assert info.value.detail == f"No project {theirs.pk}."


def test_archived_project_takes_no_new_entries(user):
    project = ProjectFactory(owner_id=user.id, archived=True)
    with pytest.raises(ValidationFailed) as info:
        entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR, project_id=project.pk)
    assert "project" in info.value.extra["errors"]


def test_update_moves_an_entry_and_keeps_the_rules(user):
    entry = entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR)
    other = entry_create(user_id=user.id, started_at=BASE + 2 * HOUR, ended_at=BASE + 3 * HOUR)
    entry = entry_update(
        user_id=user.id, entry_id=entry.pk, data={"ended_at": BASE + 2 * HOUR, "tags": ["x"]}
    )
    entry.refresh_from_db()
    assert entry.ended_at == BASE + 2 * HOUR
    assert entry.tags == ["x"]
    with pytest.raises(OverlappingEntry) as info:
        entry_update(user_id=user.id, entry_id=entry.pk, data={"ended_at": BASE + 150 * timedelta(minutes=1)})
    assert info.value.extra["conflicting_entry"]["id"] == other.pk
    with pytest.raises(ValidationFailed):
        entry_update(user_id=user.id, entry_id=entry.pk, data={"started_at": BASE + 3 * HOUR})


def test_update_can_clear_and_set_the_project(user, other_user):
    mine = ProjectFactory(owner_id=user.id)
    entry = entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR, project_id=mine.pk)
    assert entry_update(user_id=user.id, entry_id=entry.pk, data={"project": None}).project is None
    with pytest.raises(NotFound):
        entry_update(
            user_id=user.id, entry_id=entry.pk, data={"project": ProjectFactory(owner_id=other_user.id).pk}
        )


def test_a_change_runs_its_precondition_on_the_locked_row_and_stops_when_it_refuses(user):
    """The view's If-Match check, given as a callable: the service runs it before changing."""
    from hours_service.conditional import PreconditionFailed
    from hours_service.timesheets.services import entry_delete

    entry = entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR)
    seen = []

    def refuse(row):
        seen.append(row.pk)
        raise PreconditionFailed("changed")

    with pytest.raises(PreconditionFailed):
        entry_update(user_id=user.id, entry_id=entry.pk, data={"description": "x"}, precondition=refuse)
    with pytest.raises(PreconditionFailed):
        entry_delete(user_id=user.id, entry_id=entry.pk, precondition=refuse)
    assert seen == [entry.pk, entry.pk]
    entry.refresh_from_db()
    assert entry.description == ""


def test_a_running_entry_started_more_than_24_hours_ago_needs_an_end(user):
    with pytest.raises(ValidationFailed) as info:
        entry_create(user_id=user.id, started_at=timezone.now() - timedelta(hours=24, minutes=1))
    assert list(info.value.extra["errors"]) == ["ended_at"]
    entry_create(user_id=user.id, started_at=timezone.now() - timedelta(hours=23, minutes=59))


def test_an_old_entry_cannot_be_reopened(user):
    entry = entry_create(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR)
    with pytest.raises(ValidationFailed) as info:
        entry_update(user_id=user.id, entry_id=entry.pk, data={"ended_at": None})
    assert list(info.value.extra["errors"]) == ["ended_at"]
