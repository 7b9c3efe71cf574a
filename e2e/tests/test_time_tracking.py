"""The day of a user, through the gateway: projects, a timer, manual entries, lists,
a report and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_day_of_time_tracking(api, account) -> None:
    h = account.headers
    project = api.post("/api/hours/v1/projects", json={"name": "Apollo"}, headers=h)
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]
    duplicate = api.post("/api/hours/v1/projects", json={"name": "APOLLO"}, headers=h)
    assert duplicate.status_code == 409
    assert duplicate.headers["Content-Type"].startswith("application/problem+json")

    # the timer
    started = api.post(
        "/api/hours/v1/timer/start", json={"project": project_id, "description": "standup"}, headers=h
    )
    assert started.status_code == 201, started.text
    again = api.post("/api/hours/v1/timer/start", json={}, headers=h)
    assert again.status_code == 409
    current = api.get("/api/hours/v1/timer/current", headers=h)
    assert current.status_code == 200 and current.json()["running"] is True
    stopped = api.post("/api/hours/v1/timer/stop", json={}, headers=h)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["ended_at"] is not None
    assert api.get("/api/hours/v1/timer/current", headers=h).status_code == 204

    # manual entries on a fixed past day
    day = (datetime.now(UTC) - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    morning = {"project": project_id, "started_at": _iso(day), "ended_at": _iso(day + timedelta(hours=3)),
               "description": "design review", "tags": ["meeting"]}  # fmt: skip
    created = api.post("/api/hours/v1/entries", json=morning, headers=h)
    assert created.status_code == 201, created.text
    overlapping = {
        **morning,
        "started_at": _iso(day + timedelta(hours=2)),
        "ended_at": _iso(day + timedelta(hours=4)),
    }
    clash = api.post("/api/hours/v1/entries", json=overlapping, headers=h)
    assert clash.status_code == 409, clash.text
    assert str(created.json()["id"]) in clash.text  # names the conflicting entry
    afternoon = {"started_at": _iso(day + timedelta(hours=4)), "ended_at": _iso(day + timedelta(hours=5)),
                 "description": "email", "billable": False}  # fmt: skip
    assert api.post("/api/hours/v1/entries", json=afternoon, headers=h).status_code == 201

    # lists and filters
    listed = api.get(
        "/api/hours/v1/entries",
        params={"from": _iso(day), "to": _iso(day + timedelta(days=1)), "ordering": "started_at"},
        headers=h,
    ).json()
    assert listed["total"] == 2
    assert [e["description"] for e in listed["items"]] == ["design review", "email"]
    billable = api.get(
        "/api/hours/v1/entries", params={"from": _iso(day), "billable": "true", "tag": "meeting"}, headers=h
    ).json()
    assert [e["description"] for e in billable["items"]] == ["design review"]

    # a report over that day
    report = api.get(
        "/api/hours/v1/reports",
        params={"group_by": "day", "start_date": day.date().isoformat(), "end_date": day.date().isoformat()},
        headers=h,
    )
    assert report.status_code == 200, report.text
    assert report.json()["total_seconds"] == 4 * 3600
    assert report.json()["billable_seconds"] == 3 * 3600

    # CSV
    exported = api.get(
        "/api/hours/v1/entries/export",
        params={"from": _iso(day), "to": _iso(day + timedelta(days=1))},
        headers=h,
    )
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["description"] for r in rows] == ["design review", "email"]


def test_one_users_data_is_invisible_to_another(api, account) -> None:
    from conftest import register

    project = api.post("/api/hours/v1/projects", json={"name": "Private"}, headers=account.headers).json()
    other = register(api, prefix="other")
    assert api.get(f"/api/hours/v1/projects/{project['id']}", headers=other.headers).status_code == 404
    assert api.get("/api/hours/v1/projects", headers=other.headers).json()["total"] == 0
