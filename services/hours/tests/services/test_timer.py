from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hours_service.errors import ValidationFailed
from hours_service.timesheets.selectors import entry_running
from hours_service.timesheets.services import NoRunningTimer, TimerRunning, timer_start, timer_stop

from tests.factories import EntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_start_then_stop(user):
    entry = timer_start(user=user, description="writing", tags=["docs"])
    assert entry.is_running
    assert entry_running(user_id=user.id) == entry
    stopped = timer_stop(user=user)
    assert stopped.pk == entry.pk
    assert stopped.ended_at > stopped.started_at
    assert entry_running(user_id=user.id) is None


def test_start_while_running_is_409(user):
    running = timer_start(user=user)
    with pytest.raises(TimerRunning) as info:
        timer_start(user=user)
    assert info.value.extra["conflicting_entry"]["id"] == running.pk


def test_start_can_stop_the_running_one(user):
    project = ProjectFactory(owner_id=user.id)
    first = timer_start(user=user)
    second = timer_start(user=user, stop_running=True, project_id=project.pk)
    first.refresh_from_db()
    assert first.ended_at == second.started_at
    assert second.is_running
    assert second.project == project


def test_stop_without_a_timer_is_409(user):
    with pytest.raises(NoRunningTimer):
        timer_stop(user=user)


def test_stopping_after_more_than_24_hours_asks_for_an_end(user):
    EntryFactory(user_id=user.id, started_at=timezone.now() - timedelta(hours=30), ended_at=None)
    with pytest.raises(ValidationFailed):
        timer_stop(user=user)
    stopped = timer_stop(user=user, ended_at=timezone.now() - timedelta(hours=8))
    assert abs(stopped.duration() - timedelta(hours=22)) < timedelta(minutes=1)


def test_timers_of_different_users_are_independent(user, other_user):
    timer_start(user=user)
    timer_start(user=other_user)
