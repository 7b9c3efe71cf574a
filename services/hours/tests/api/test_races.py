"""Two requests at once: Postgres decides, and the loser gets a 409 naming the winner."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; each thread has its own DB connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def statuses(responses) -> list[int]:
    return sorted(r.status_code for r in responses)


def one_wins(responses, problem_type: str) -> None:
    """Exactly one 201; the other is a 409 of ``problem_type`` naming the winner."""
    assert statuses(responses) == [201, 409], [r.content for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["type"] == f"urn:timekeeper:problem:{problem_type}"
    assert loser["conflicting_entry"]["id"] == winner["id"]


@pytest.mark.parametrize("attempt", range(2))
def test_two_overlapping_creates_one_wins(client_for, user, attempt):
    clients = [client_for(user), client_for(user)]
    payloads = [
        {"started_at": "2024-05-06T08:00:00Z", "ended_at": "2024-05-06T10:00:00Z"},
        {"started_at": "2024-05-06T09:00:00Z", "ended_at": "2024-05-06T11:00:00Z"},
    ]
    responses = race(
        [
            lambda c=c, p=p: c.post("/api/hours/v1/entries", p, format="json")
            for c, p in zip(clients, payloads, strict=True)
        ]
    )
    one_wins(responses, "overlapping-entry")


def test_two_timer_starts_one_wins(client_for, user):
    clients = [client_for(user), client_for(user)]
    responses = race([lambda c=c: c.post("/api/hours/v1/timer/start", {}, format="json") for c in clients])
    one_wins(responses, "timer-running")


def test_two_starts_with_stop_running_leave_one_timer(client_for, user):
    first = client_for(user).post("/api/hours/v1/timer/start", {}, format="json")
    assert first.status_code == 201
    clients = [client_for(user), client_for(user)]
    responses = race(
        [
            lambda c=c: c.post("/api/hours/v1/timer/start", {"stop_running": True}, format="json")
            for c in clients
        ]
    )
    assert 201 in statuses(responses)
    assert all(r.status_code in (201, 409) for r in responses)
    running = client_for(user).get("/api/hours/v1/entries", {"running": "true"}).json()
    assert running["total"] == 1


def test_same_project_name_at_once(client_for, user):
    clients = [client_for(user), client_for(user)]
    responses = race(
        [lambda c=c: c.post("/api/hours/v1/projects", {"name": "Website"}, format="json") for c in clients]
    )
    assert statuses(responses) == [201, 409], [r.content for r in responses]
