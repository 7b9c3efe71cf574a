"""The rules the readers hold themselves, whoever calls them: only an admin reads another
user's data, and a report spans at most 400 days. They take plain ids, not a principal."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hours_service.errors import Forbidden, NotFound, ValidationFailed
from hours_service.timesheets import reports, selectors
from hours_service.timesheets.models import Entry

from tests.factories import BASE, EntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def _report(**kwargs):
    day = BASE.date()
    return reports.entry_report(
        **{
            "entries": Entry.objects.none(),
            "group_by": "day",
            "start_date": day,
            "end_date": day,
            "tz": UTC,
            **kwargs,
        }
    )


@pytest.fixture
def bobs():
    project = ProjectFactory(owner_id="bob")
    entry = EntryFactory(user_id="bob", project=project, started_at=BASE, ended_at=BASE + timedelta(hours=1))
    return project, entry


def _readers(bobs):
    """Each reader, called as ``read(caller_id=..., caller_is_admin=..., whose=...)``."""
    project, entry = bobs
    return {
        "project_list": lambda whose, **caller: list(selectors.project_list(owner_id=whose, **caller)),
        "project_get": lambda whose, **caller: selectors.project_get(
            owner_id=whose, project_id=project.pk, **caller
        ),
        "entry_list": lambda whose, **caller: list(selectors.entry_list(user_id=whose, **caller)),
        "entry_get": lambda whose, **caller: selectors.entry_get(user_id=whose, entry_id=entry.pk, **caller),
    }


READERS = ["project_list", "project_get", "entry_list", "entry_get"]  # a report reads entry_list


@pytest.mark.parametrize("reader", READERS)
def test_only_an_admin_reads_another_users_data(reader, bobs):
    read = _readers(bobs)[reader]
    with pytest.raises(Forbidden, match="Only an admin"):
        read("bob", caller_id="ada", caller_is_admin=False)
    assert read("bob", caller_id="root", caller_is_admin=True)
    assert read("bob", caller_id="bob", caller_is_admin=False)  # one's own
    assert read(None, caller_id="bob", caller_is_admin=False)


def test_without_a_user_asked_for_a_read_is_the_callers_own(bobs):
    assert list(selectors.entry_list(caller_id="ada", caller_is_admin=True)) == []
    with pytest.raises(NotFound):
        selectors.project_get(caller_id="root", caller_is_admin=True, project_id=bobs[0].pk)


def test_the_forbidden_problem_names_the_missing_role():
    problem = Forbidden("Only an admin may read another user's data.")
    assert problem.status == 403
    assert problem.headers == {"WWW-Authenticate": 'Bearer realm="timekeeper", error="insufficient_scope"'}


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2024, 1, 1), date(2024, 1, 1) + timedelta(days=400), "a report covers at most 400 days."),
        (date(2024, 5, 6), date(2024, 5, 5), "must not be before start_date."),
    ],
)
def test_a_report_runs_forwards_over_at_most_400_days(start, end, message):
    with pytest.raises(ValidationFailed) as refused:
        _report(start_date=start, end_date=end)
    assert refused.value.extra["errors"] == {"end_date": [message]}


def test_a_report_of_exactly_400_days_is_fine():
    start = date(2024, 1, 1)
    report = _report(start_date=start, end_date=start + timedelta(days=399))
    assert len(report.buckets) == 400
