"""Bad input of every kind is a 4xx problem+json, never a 500."""

from __future__ import annotations

import pytest
from hours_service.timesheets.models import Entry

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/api/hours/v1/entries"
GOOD = {"started_at": "2024-05-06T08:00:00Z", "ended_at": "2024-05-06T09:00:00Z"}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2024-13-45T25:61:00Z"}, "started_at"),
        ({"started_at": "2024-05-06T08:00:00"}, "started_at"),  # no offset
        ({"started_at": 1715000000}, "started_at"),
        ({"started_at": None}, "started_at"),
        ({"ended_at": ["2024-05-06T09:00:00Z"]}, "ended_at"),
        ({"project": "abc"}, "project"),
        ({"project": 2**70}, "project"),
        ({"project": 0}, "project"),
        ({"billable": "maybe"}, "billable"),
        ({"tags": "not-a-list"}, "tags"),
        ({"tags": ["x" * 41]}, "tags.0"),
        ({"tags": [{"a": 1}]}, "tags.0"),
        ({"tags": ["t"] * 21}, "tags"),
        ({"description": "nul\x00byte"}, "description"),
        ({"description": {"nested": True}}, "description"),
    ],
)
def test_wrong_types_are_validation_problems(api, changes, field):
    body = assert_problem(api.post(ENTRIES, {**GOOD, **changes}, format="json"), 400)
    assert body["type"] == "urn:timekeeper:problem:validation-error"
    assert field in body["errors"], body["errors"]


def test_missing_required_field(api):
    body = assert_problem(api.post(ENTRIES, {}, format="json"), 400)
    assert "started_at" in body["errors"]


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b"[1, 2]", b'"a string"', b"null", b"\xff\xfe"],
)
def test_malformed_bodies(api, payload):
    assert_problem(api.post(ENTRIES, payload, content_type="application/json"), 400)


def test_a_body_nested_too_deeply(api):
    assert_problem(api.post(ENTRIES, b"[" * 100_000 + b"]" * 100_000, content_type="application/json"), 400)


def test_a_body_too_large(api):
    body = b'{"description": "' + b"x" * 3_000_000 + b'"}'
    assert_problem(api.post(ENTRIES, body, content_type="application/json"), 413)


def test_unsupported_media_type(api):
    assert_problem(api.post(ENTRIES, "started_at=x", content_type="application/x-www-form-urlencoded"), 415)


BAD_FILTERS = [
    ({"from": "not-a-date"}, "from"),
    ({"to": "2024-02-30T00:00:00Z"}, "to"),
    ({"from": "2024-05-07T00:00:00"}, "from"),  # no offset: which instant is meant?
    ({"from": "2024-05-07T00:00:00Z", "to": "2024-05-06T00:00:00Z"}, "to"),
    ({"from": "2024-05-07T00:00:00Z", "to": "2024-05-07T00:00:00Z"}, "to"),
    ({"project": "x"}, "project"),
    ({"project": "1.5"}, "project"),
    ({"project": "0"}, "project"),
    ({"project": str(2**63)}, "project"),  # past bigint: a 400, not a database error
    ({"running": "perhaps"}, "running"),
    ({"billable": "maybe"}, "billable"),
    ({"tag": "t" * 41}, "tag"),
    ({"ordering": "password"}, "ordering"),
    ({"ordering": "started_at,password"}, "ordering"),
]


@pytest.mark.parametrize(("params", "field"), BAD_FILTERS, ids=[str(p) for p, _ in BAD_FILTERS])
@pytest.mark.parametrize("url", [ENTRIES, f"{ENTRIES}/export"])
def test_a_bad_filter_is_a_validation_problem_naming_it(api, url, params, field):
    body = assert_problem(api.get(url, params), 400)
    assert body["type"] == "urn:timekeeper:problem:validation-error"
    assert list(body["errors"]) == [field], body


@pytest.mark.parametrize(
    "media_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain"]
)
def test_an_empty_body_in_another_media_type_is_415_and_changes_nothing(api, user, media_type):
    # DRF reads an empty body without asking a parser, and an empty form as an HTML form
    # whose unchecked boxes are false: a PATCH of nothing would unset "billable".
    project = ProjectFactory(owner_id=user.id, billable=True)
    response = api.patch(f"/api/hours/v1/projects/{project.id}", b"", content_type=media_type)
    assert_problem(response, 415)
    project.refresh_from_db()
    assert project.billable is True
    assert_problem(api.post("/api/hours/v1/timer/start", b"", content_type=media_type), 415)
    assert not Entry.objects.filter(user_id=user.id).exists()


def test_an_empty_json_body_is_still_an_empty_object(api, user):
    project = ProjectFactory(owner_id=user.id, billable=True)
    assert (
        api.patch(f"/api/hours/v1/projects/{project.id}", b"", content_type="application/json").status_code
        == 200
    )
    assert api.post("/api/hours/v1/timer/start", b"", content_type="application/json").status_code == 201


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"archived": "perhaps"}, "archived"),
        ({"search": "s" * 201}, "search"),
        ({"ordering": "owner_id"}, "ordering"),
    ],
)
def test_a_bad_project_filter_is_a_validation_problem_naming_it(api, params, field):
    body = assert_problem(api.get("/api/hours/v1/projects", params), 400)
    assert list(body["errors"]) == [field], body


def test_huge_ids_in_the_path_are_404(api):
    assert_problem(api.get(f"{ENTRIES}/{2**70}"), 404)
    assert_problem(api.get(f"/api/hours/v1/projects/{2**70}"), 404)


def test_unknown_url_is_a_404_problem(api):
    body = assert_problem(api.get("/api/hours/v1/nothing-here"), 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/hours/v1/nothing-here"


def test_wrong_method_is_a_405_problem(api):
    response = api.put(ENTRIES, GOOD, format="json")
    assert_problem(response, 405)
    assert set(response["Allow"].split(", ")) >= {"GET", "POST"}
    assert_problem(api.post("/api/hours/v1/timer/current", {}, format="json"), 405)
    assert_problem(api.get("/api/hours/v1/timer/start"), 405)


def test_unauthenticated_is_401_problem(client):
    body = assert_problem(client.get(ENTRIES), 401)
    assert body["type"] == "about:blank"


def test_an_unexpected_error_is_a_500_problem(api, monkeypatch):
    from hours_service.timesheets import selectors

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "entry_running", boom)
    body = assert_problem(api.get("/api/hours/v1/timer/current"), 500)
    assert "boom" not in body.get("detail", "")


def test_handler500_outside_drf(rf):
    from hours_service.errors import handler500

    response = handler500(rf.get("/x"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("body", [[], "text", 42])
def test_an_error_not_tied_to_a_field_is_under_non_field_errors(api, body):
    """The key every Timekeeper service uses for it (CONTRIBUTING.md, "Errors")."""
    problem = assert_problem(api.post(ENTRIES, body, format="json"), 400)
    assert problem["type"] == "urn:timekeeper:problem:validation-error"
    assert list(problem["errors"]) == ["non_field_errors"]
