from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/hours/v1/timer"


def test_start_current_stop(api):
    assert api.get(f"{URL}/current").status_code == 204
    started = api.post(f"{URL}/start", {"description": "focus", "tags": ["deep"]}, format="json")
    assert started.status_code == 201, started.json()
    assert started.json()["running"] is True
    assert api.get(f"{URL}/current").json()["id"] == started.json()["id"]
    again = api.post(f"{URL}/start", {}, format="json")
    assert again.status_code == 409
    assert again.json()["type"] == "urn:timekeeper:problem:timer-running"
    assert again.json()["conflicting_entry"]["id"] == started.json()["id"]
    stopped = api.post(f"{URL}/stop", {}, format="json")
    assert stopped.status_code == 200
    assert stopped.json()["running"] is False
    nothing = api.post(f"{URL}/stop", {}, format="json")
    assert nothing.status_code == 409
    assert nothing.json()["type"] == "urn:timekeeper:problem:no-running-timer"


def test_start_with_stop_running(api):
    first = api.post(f"{URL}/start", {}, format="json").json()
    second = api.post(f"{URL}/start", {"stop_running": True}, format="json")
    assert second.status_code == 201
    assert api.get(f"/api/hours/v1/entries/{first['id']}").json()["ended_at"] == second.json()["started_at"]


def test_start_with_another_users_project_is_404(api, other_user):
    from tests.factories import ProjectFactory

    theirs = ProjectFactory(owner_id=other_user.id)
    assert api.post(f"{URL}/start", {"project": theirs.pk}, format="json").status_code == 404
