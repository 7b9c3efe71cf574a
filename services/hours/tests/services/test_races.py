"""Many races in a row at the service layer: each ends with one winner and one rule
violation, never a database error (two inserts that meet in the exclusion index would
deadlock, and the lock timeout would cancel both before Postgres noticed; the service makes
one person's writes take turns)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from hours_service.timesheets.services import OverlappingEntry, TimerRunning, entry_create, timer_start

from tests.factories import BASE, PrincipalFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 15


def pair(first: Callable[[], object], second: Callable[[], object]) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    barrier = threading.Barrier(2)

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes["won"] += 1
        except Exception as exc:
            outcomes[type(exc).__name__] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_overlapping_creates_again_and_again():
    for n in range(ROUNDS):
        user = PrincipalFactory(id=f"race-{n}")

        def create(minutes: int, user=user) -> object:
            start = BASE + timedelta(minutes=minutes)
            return entry_create(user_id=user.id, started_at=start, ended_at=start + timedelta(hours=2))

        assert pair(lambda: create(0), lambda: create(30)) == {"won": 1, OverlappingEntry.__name__: 1}


def test_timer_starts_again_and_again():
    for n in range(ROUNDS):
        user = PrincipalFactory(id=f"timer-{n}")
        assert pair(
            lambda user=user: timer_start(user_id=user.id), lambda user=user: timer_start(user_id=user.id)
        ) == {
            "won": 1,
            TimerRunning.__name__: 1,
        }
