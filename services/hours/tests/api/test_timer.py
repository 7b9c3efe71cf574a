from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from tests.factories import forgotten_timer

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


def test_a_forgotten_timer_is_stopped_with_the_end_the_answer_names(api, user):
    forgotten = forgotten_timer(user.id)
    latest = (forgotten.started_at + timedelta(hours=24)).isoformat()
    refused = api.post(f"{URL}/stop", {}, format="json")
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "urn:timekeeper:problem:timer-overdue"
    assert body["conflicting_entry"]["id"] == forgotten.pk
    assert datetime.fromisoformat(body["latest_ended_at"]) == datetime.fromisoformat(latest)
    assert "/api/hours/v1/timer/stop" in body["detail"] and "ended_at" in body["detail"]
    assert api.post(f"{URL}/start", {"stop_running": True}, format="json").json()["type"] == body["type"]
    stopped = api.post(f"{URL}/stop", {"ended_at": body["latest_ended_at"]}, format="json")
    assert stopped.status_code == 200, stopped.json()
    assert stopped.json()["duration_seconds"] == 24 * 3600
    assert api.post(f"{URL}/start", {}, format="json").status_code == 201


def test_an_entry_after_a_forgotten_timer_is_refused_with_the_way_out(api, user):
    forgotten = forgotten_timer(user.id)
    start = forgotten.started_at + timedelta(hours=30)
    refused = api.post(
        "/api/hours/v1/entries",
        {"started_at": start.isoformat(), "ended_at": (start + timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"] == "urn:timekeeper:problem:timer-overdue"
    assert body["conflicting_entry"]["id"] == forgotten.pk
    assert "/api/hours/v1/timer/stop" in body["detail"] and "ended_at" in body["detail"]


def test_a_forgotten_timer_counts_24_hours_everywhere(api, user):
    forgotten = forgotten_timer(user.id)
    day = 24 * 3600
    assert api.get(f"{URL}/current").json()["duration_seconds"] == day
    assert api.get(f"/api/hours/v1/entries/{forgotten.pk}").json()["duration_seconds"] == day
    (listed,) = api.get("/api/hours/v1/entries").json()["items"]
    assert listed["duration_seconds"] == day
    export = api.get("/api/hours/v1/entries/export", HTTP_ACCEPT="text/csv")
    (row,) = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
    assert row["duration_seconds"] == str(day)
    first = forgotten.started_at.date()
    report = api.get(
        "/api/hours/v1/reports",
        {"start_date": str(first - timedelta(days=1)), "end_date": str(first + timedelta(days=3))},
    )
    assert report.json()["total_seconds"] == day


def test_a_running_entry_started_long_ago_is_refused(api):
    response = api.post("/api/hours/v1/entries", {"started_at": "2024-05-06T08:00:00Z"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ended_at"]


def test_the_spec_states_the_rule_for_running_entries():
    from drf_spectacular.settings import spectacular_settings

    spec = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    stop = spec["paths"]["/api/hours/v1/timer/stop"]["post"]
    assert "timer-overdue" in stop["description"] and "ended_at" in stop["description"]
    assert "24 hours" in spec["paths"]["/api/hours/v1/entries"]["post"]["description"]
    assert "latest_ended_at" in spec["components"]["schemas"]["Problem"]["properties"]
