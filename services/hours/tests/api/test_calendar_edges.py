"""The ends of the calendar: dates and instants outside the service's range are a 400 naming the
field, in every time zone, and everything inside it is answered (never an overflow, a 500)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import EntryFactory, utc

pytestmark = pytest.mark.django_db

REPORTS = "/api/hours/v1/reports"
ENTRIES = "/api/hours/v1/entries"
EXPORT = "/api/hours/v1/entries/export"
TIMER = "/api/hours/v1/timer"

#: The zones furthest east and west of UTC, half-hour offsets, and zones whose 1900 offset is
#: their local mean time (Berlin +00:53:28, Kolkata +05:53:20).
ZONES = [
    "UTC",
    "Pacific/Kiritimati",
    "Etc/GMT-14",
    "Etc/GMT+12",
    "Pacific/Pago_Pago",
    "America/St_Johns",
    "Asia/Kolkata",
    "Europe/Berlin",
]
GROUPS = ["day", "week", "month", "project"]
FIRST_DAY, LAST_DAY = "1900-01-01", "2999-12-31"


def assert_refused(response, *fields: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == set(fields), response.json()


@pytest.mark.parametrize("group_by", GROUPS)
@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    ("start_date", "end_date"),
    [(FIRST_DAY, FIRST_DAY), (FIRST_DAY, "1900-02-04"), (LAST_DAY, LAST_DAY), ("2999-11-27", LAST_DAY)],
)
def test_reports_at_the_ends_of_the_range(api, user, tz, group_by, start_date, end_date):
    response = api.get(
        REPORTS, {"start_date": start_date, "end_date": end_date, "tz": tz, "group_by": group_by}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start_date"], body["end_date"], body["total_seconds"]) == (start_date, end_date, 0)


@pytest.mark.parametrize("group_by", GROUPS)
@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    ("start_date", "end_date", "refused"),
    [
        ("0001-01-01", "0001-01-01", ["start_date", "end_date"]),
        ("1899-12-31", "1900-01-01", ["start_date"]),
        ("2999-12-31", "3000-01-01", ["end_date"]),
        ("9999-12-31", "9999-12-31", ["start_date", "end_date"]),
    ],
)
def test_reports_beyond_the_range_are_400(api, tz, group_by, start_date, end_date, refused):
    response = api.get(
        REPORTS, {"start_date": start_date, "end_date": end_date, "tz": tz, "group_by": group_by}
    )
    assert_refused(response, *refused)


def test_a_report_in_the_first_days_counts_its_entries(api, user):
    EntryFactory(user_id=user.id, started_at=utc(1900, 1, 1, 0), ended_at=utc(1900, 1, 1, 2))
    response = api.get(REPORTS, {"start_date": FIRST_DAY, "end_date": "1900-01-02", "tz": "Etc/GMT-14"})
    assert response.status_code == 200, response.content
    assert response.json()["total_seconds"] == 2 * 3600


OUT_OF_RANGE = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "1899-12-31T23:59:59Z",
    "1900-01-01T00:59:59+01:00",
    "3000-01-01T00:00:00Z",
    "2999-12-31T23:00:00-12:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("url", [ENTRIES, EXPORT])
@pytest.mark.parametrize("field", ["from", "to"])
def test_list_and_export_filters_beyond_the_range_are_400(api, url, field, value):
    assert_refused(api.get(url, {field: value}), field)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["started_at", "ended_at"])
def test_entry_times_beyond_the_range_are_400(api, field, value):
    body = {"started_at": "2024-05-06T08:00:00Z", field: value}
    response = api.post(ENTRIES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_timer_end_beyond_the_range_is_400(api, value):
    assert api.post(f"{TIMER}/start", {}, format="json").status_code == 201
    assert_refused(api.post(f"{TIMER}/stop", {"ended_at": value}, format="json"), "ended_at")


@pytest.mark.parametrize("tz", ZONES)
def test_the_first_instants_are_listed_and_exported_in_every_zone(api, user, tz):
    created = api.post(
        ENTRIES, {"started_at": "1900-01-01T00:00:00Z", "ended_at": "1900-01-01T01:00:00Z"}, format="json"
    )
    assert created.status_code == 201, created.content
    listed = api.get(ENTRIES, {"from": "1900-01-01T00:00:00Z", "to": "1900-01-02T00:00:00Z"})
    assert [entry["id"] for entry in listed.json()["items"]] == [created.json()["id"]]
    exported = api.get(EXPORT, {"from": "1900-01-01T00:00:00Z", "tz": tz}, HTTP_ACCEPT="text/csv")
    assert exported.status_code == 200
    (row,) = csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode()))
    assert row["duration_seconds"] == "3600"


def test_the_spec_states_the_range():
    from drf_spectacular.settings import spectacular_settings

    spec = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    parameters = {
        (path, parameter["name"]): parameter
        for path, item in spec["paths"].items()
        for parameter in item.get("get", {}).get("parameters", [])
    }
    for path, name in [
        ("/api/hours/v1/reports", "start_date"),
        ("/api/hours/v1/reports", "end_date"),
        ("/api/hours/v1/entries", "from"),
        ("/api/hours/v1/entries", "to"),
        ("/api/hours/v1/entries/export", "from"),
    ]:
        assert FIRST_DAY in parameters[path, name]["description"], (path, name)
        assert LAST_DAY in parameters[path, name]["description"], (path, name)
    write = spec["components"]["schemas"]["EntryWriteRequest"]["properties"]
    assert FIRST_DAY in write["started_at"]["description"]
