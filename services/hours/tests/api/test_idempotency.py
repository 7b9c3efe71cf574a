"""Idempotency-Key on the creating POSTs (CONTRIBUTING.md, "Idempotency-Key"): a retry gets the
first answer and writes nothing; the same key with another body is a 422; keys are per caller,
kept 24 hours, in the database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hours_service.timesheets.models import Entry, IdempotencyKey, Project

from tests.api.test_races import race
from tests.factories import BASE

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
HOUR = timedelta(hours=1)


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


# (url, a body, another body, the model it writes)
CREATES = {
    "projects": ("/api/hours/v1/projects", {"name": "Website"}, {"name": "Shop"}, Project),
    "entries": (
        "/api/hours/v1/entries",
        {"started_at": _iso(BASE), "ended_at": _iso(BASE + HOUR)},
        {"started_at": _iso(BASE + 2 * HOUR), "ended_at": _iso(BASE + 3 * HOUR)},
        Entry,
    ),
    "timer": ("/api/hours/v1/timer/start", {"description": "a"}, {"description": "b"}, Entry),
}
KINDS = sorted(CREATES)


def _post(api, url, body, key):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize("kind", KINDS)
def test_a_retry_gets_the_first_answer_and_writes_nothing(api, kind):
    url, body, _, model = CREATES[kind]
    key = str(uuid.uuid4())
    first = _post(api, url, body, key)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = _post(api, url, body, key)
    assert again.status_code == 201, again.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert model.objects.count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_key_with_another_body_is_422(api, kind):
    url, body, other, model = CREATES[kind]
    key = str(uuid.uuid4())
    assert _post(api, url, body, key).status_code == 201
    response = _post(api, url, other, key)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:timekeeper:problem:idempotency-key-reused"
    assert model.objects.count() == 1


def test_the_same_key_on_another_path_is_422(api):
    key = str(uuid.uuid4())
    assert _post(api, "/api/hours/v1/timer/start", {}, key).status_code == 201
    assert _post(api, "/api/hours/v1/projects", {}, key).status_code in (400, 422)  # {} is no project
    assert _post(api, "/api/hours/v1/projects", {"name": "Website"}, key).status_code == 422


def test_a_body_that_means_the_same_is_the_same_body(api):
    """The fingerprint reads the JSON, not its bytes: key order and spacing do not matter."""
    key = str(uuid.uuid4())
    url = "/api/hours/v1/projects"
    first = api.post(
        url,
        '{"name": "Website", "billable": false}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    again = api.post(
        url,
        '{ "billable":false,"name":"Website" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"


def test_keys_are_per_caller(client_for, user, other_user):
    url, body, _, _ = CREATES["projects"]
    key = str(uuid.uuid4())
    mine = _post(client_for(user), url, body, key)
    theirs = _post(client_for(other_user), url, body, key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs


def test_only_a_success_is_kept_so_a_failed_request_can_be_retried(api):
    url = "/api/hours/v1/projects"
    key = str(uuid.uuid4())
    refused = _post(api, url, {"name": ""}, key)
    assert refused.status_code == 400
    fixed = _post(api, url, {"name": "Website"}, key)
    assert fixed.status_code == 201, fixed.content
    assert "Idempotent-Replayed" not in fixed
    assert IdempotencyKey.objects.count() == 1


def test_a_conflict_is_not_kept_either(api):
    """A 409 may change (the entry it clashed with may go): the retry runs again."""
    url, body, _, _ = CREATES["entries"]
    assert api.post(url, body, format="json").status_code == 201
    key = str(uuid.uuid4())
    assert _post(api, url, body, key).status_code == 409
    assert IdempotencyKey.objects.count() == 0


def test_an_expired_key_is_a_new_request(api):
    url, body, other, _ = CREATES["projects"]
    key = str(uuid.uuid4())
    first = _post(api, url, body, key)
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    second = _post(api, url, other, key)  # another body: not a 422 once the key has expired
    assert second.status_code == 201, second.content
    assert second.json()["id"] != first.json()["id"]


def test_expired_keys_are_cleared_as_new_ones_come(api):
    url = "/api/hours/v1/projects"
    for n in range(3):
        _post(api, url, {"name": f"P{n}"}, str(uuid.uuid4()))
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _post(api, url, {"name": "P9"}, str(uuid.uuid4()))
    assert IdempotencyKey.objects.count() == 1


def test_keys_are_kept_a_day(api):
    url, body, _, _ = CREATES["projects"]
    _post(api, url, body, str(uuid.uuid4()))
    kept = IdempotencyKey.objects.get()
    assert timedelta(hours=23, minutes=59) < kept.expires_at - kept.created_at <= timedelta(hours=24)


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9", "two words", "tab\there"])
def test_a_malformed_key_is_a_validation_problem_naming_the_header(api, key):
    response = api.post(
        "/api/hours/v1/projects",
        {"name": "Website"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"),
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "Idempotency-Key": ["Use 1 to 255 visible ASCII characters (a UUID, say)."]
    }
    assert Project.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_ten_retries_at_once_write_once(client_for, user, kind):
    """They wait on the key's unique index for the first one, then replay its answer."""
    url, body, _, model = CREATES[kind]
    key = str(uuid.uuid4())
    clients = [client_for(user) for _ in range(10)]
    responses = race([lambda c=c: _post(c, url, body, key) for c in clients])
    assert [r.status_code for r in responses] == [201] * 10, [r.content for r in responses]
    assert len({r.content for r in responses}) == 1
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 9
    assert model.objects.count() == 1
