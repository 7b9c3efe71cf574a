from __future__ import annotations

import csv
import io
import re

import pytest

from tests.factories import EntryFactory, ProjectFactory, utc

pytestmark = pytest.mark.django_db

REPORTS = "/api/hours/v1/reports"
EXPORT = "/api/hours/v1/entries/export"


def test_report_by_day_on_a_dst_day(api, user):
    EntryFactory(
        user_id=user.id,
        started_at=utc(2024, 3, 30, 23),
        ended_at=utc(2024, 3, 31, 22),
    )
    response = api.get(
        REPORTS,
        {"group_by": "day", "start_date": "2024-03-31", "end_date": "2024-03-31", "tz": "Europe/Berlin"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["timezone"] == "Europe/Berlin"
    assert body["total_seconds"] == 23 * 3600
    (bucket,) = body["buckets"]
    assert bucket["key"] == "2024-03-31"
    assert bucket["start"] == "2024-03-31T00:00:00+01:00"
    assert bucket["end"] == "2024-04-01T00:00:00+02:00"


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2024-05-06", "end_date": "2024-05-06", "tz": "Mars/Olympus"},
        {"start_date": "2024-05-06", "end_date": "2024-05-06", "tz": "../../etc/passwd"},
        {"start_date": "06/05/2024", "end_date": "2024-05-06"},
        {"start_date": "2024-05-07", "end_date": "2024-05-06"},
        {"start_date": "2020-01-01", "end_date": "2024-05-06"},
        {"start_date": "2024-05-06", "end_date": "2024-05-06", "group_by": "year"},
        {"end_date": "2024-05-06"},
    ],
)
def test_bad_report_params_are_400(api, params):
    response = api.get(REPORTS, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_admin_reports_on_anyone(client_for, admin, user):
    EntryFactory(
        user_id=user.id,
        started_at=utc(2024, 5, 6, 8),
        ended_at=utc(2024, 5, 6, 9),
    )
    params = {"start_date": "2024-05-06", "end_date": "2024-05-06", "user": user.id}
    assert client_for(admin).get(REPORTS, params).json()["total_seconds"] == 3600
    assert client_for(user).get(REPORTS, {**params, "user": admin.id}).status_code == 403


def test_csv_export_is_streamed_with_a_filename(api, user):
    project = ProjectFactory(owner_id=user.id, name="Website")
    EntryFactory(
        user_id=user.id,
        project=project,
        description="=HYPERLINK(evil)",
        tags=["a", "b"],
        started_at=utc(2024, 5, 6, 8),
        ended_at=utc(2024, 5, 6, 9, 30),
    )
    EntryFactory(
        user_id=user.id,
        started_at=utc(2024, 6, 1, 8),
        ended_at=utc(2024, 6, 1, 9),
    )
    response = api.get(
        EXPORT,
        {"from": "2024-05-01T00:00:00Z", "to": "2024-05-31T00:00:00Z", "tz": "Europe/Berlin"},
        HTTP_ACCEPT="text/csv",
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    (row,) = rows
    assert row["started_at"] == "2024-05-06T10:00:00+02:00"
    assert row["duration_seconds"] == "5400"
    assert row["project"] == "Website"
    assert row["description"] == "'=HYPERLINK(evil)"
    assert row["tags"] == "a;b"


def test_csv_export_errors_are_problems(api):
    response = api.get(EXPORT, {"from": "garbage"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


# -- formulas: nothing a spreadsheet would evaluate reaches the file ------------------------------

#: What makes a spreadsheet read a cell as a formula (OWASP's CSV injection page and ASVS 1.2.10).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
#: Where a spreadsheet may start a cell: the separators a reader may assume (Excel reads ";" in
#: many locales), and line breaks; a cell may open with quotes.
CELL_STARTS = re.compile(r'(?:^|[,;\t\r\n])"*')

HOSTILE = [
    "=1+1",
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "ok;=1+1",
    'ok,=HYPERLINK("http://x")',
    'ok;"=1+1"',
    "two\nlines =1+1\n=1+1",
    '"=1+1"',
]


def _cells_a_spreadsheet_may_see(value: str) -> list[str]:
    return [value[match.end() :] for match in CELL_STARTS.finditer(value)]


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_safe_leaves_no_cell_a_formula(value):
    from hours_service.timesheets.export import csv_safe

    safe = csv_safe(value)
    assert safe.replace("'", "") == value.replace("'", "")  # only quotes were added
    for cell in _cells_a_spreadsheet_may_see(safe):
        assert not cell.startswith(TRIGGERS), (value, safe, cell)


@pytest.mark.parametrize("value", ["Website", "2024-05-06T10:00:00-05:00 call", "a-b, c+d", "50% done", ""])
def test_csv_safe_leaves_ordinary_text_alone(value):
    from hours_service.timesheets.export import csv_safe

    assert csv_safe(value) == value


def test_the_export_escapes_every_value_and_every_tag(api, user):
    project = ProjectFactory(owner_id=user.id, name="@SUM(1)")
    EntryFactory(
        user_id=user.id,
        project=project,
        description="ok;=1+1",
        tags=["a", "=1+1", "-2", "+3", "@4", "b;=5"],
        started_at=utc(2024, 5, 6, 8),
        ended_at=utc(2024, 5, 6, 9),
    )
    response = api.get(EXPORT, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["project"] == "'@SUM(1)"
    assert row["description"] == "ok;'=1+1"
    assert row["tags"] == "a;'=1+1;'-2;'+3;'@4;b;'=5"
    for value in row.values():
        for cell in _cells_a_spreadsheet_may_see(value):
            assert not cell.startswith(TRIGGERS), (value, cell)
