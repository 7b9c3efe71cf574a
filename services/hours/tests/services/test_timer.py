from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hours_service.errors import ValidationFailed
from hours_service.timesheets.selectors import entry_running
from hours_service.timesheets.services import (
    NoRunningTimer,
    TimerOverdue,
    TimerRunning,
    timer_start,
    timer_stop,
)

from tests.factories import EntryFactory, ProjectFactory, forgotten_timer

pytestmark = pytest.mark.django_db


def test_start_then_stop(user):
    entry = timer_start(user_id=user.id, description="writing", tags=["docs"])
    assert entry.is_running
    assert entry_running(user_id=user.id) == entry
    stopped = timer_stop(user_id=user.id)
    assert stopped.pk == entry.pk
    assert stopped.ended_at > stopped.started_at
    assert entry_running(user_id=user.id) is None


def test_start_while_running_is_409(user):
    running = timer_start(user_id=user.id)
    with pytest.raises(TimerRunning) as info:
        timer_start(user_id=user.id)
    assert info.value.extra["conflicting_entry"]["id"] == running.pk


def test_start_can_stop_the_running_one(user):
    project = ProjectFactory(owner_id=user.id)
    first = timer_start(user_id=user.id)
    second = timer_start(user_id=user.id, stop_running=True, project_id=project.pk)
    first.refresh_from_db()
    assert first.ended_at == second.started_at
    assert second.is_running
    assert second.project == project


def test_stop_without_a_timer_is_409(user):
    with pytest.raises(NoRunningTimer):
        timer_stop(user_id=user.id)


def test_a_timer_forgotten_for_more_than_24_hours_asks_for_its_end(user):
    forgotten = forgotten_timer(user.id)
    latest = forgotten.started_at + timedelta(hours=24)
    with pytest.raises(TimerOverdue) as info:
        timer_stop(user_id=user.id)
    assert info.value.status == 409
    assert info.value.extra["conflicting_entry"]["id"] == forgotten.pk
    assert info.value.extra["latest_ended_at"] == latest.isoformat()
    assert "ended_at" in info.value.detail
    with pytest.raises(ValidationFailed):
        timer_stop(user_id=user.id, ended_at=latest + timedelta(seconds=1))
    stopped = timer_stop(user_id=user.id, ended_at=forgotten.started_at + timedelta(hours=8))
    assert stopped.duration() == timedelta(hours=8)


@pytest.mark.parametrize("stop_running", [False, True])
def test_no_timer_starts_while_a_forgotten_one_runs(user, stop_running):
    forgotten = forgotten_timer(user.id)
    with pytest.raises(TimerOverdue) as info:
        timer_start(user_id=user.id, stop_running=stop_running)
    assert info.value.extra["conflicting_entry"]["id"] == forgotten.pk
    assert entry_running(user_id=user.id) == forgotten


def test_a_timer_of_nearly_24_hours_still_stops_now(user):
    EntryFactory(user_id=user.id, started_at=timezone.now() - timedelta(hours=23, minutes=59), ended_at=None)
    assert timer_stop(user_id=user.id).duration() <= timedelta(hours=24)


def test_timers_of_different_users_are_independent(user, other_user):
    timer_start(user_id=user.id)
    timer_start(user_id=other_user.id)
