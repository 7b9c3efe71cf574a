"""Conditional requests on the single resources (CONTRIBUTING.md, "Conditional requests"):
ETag on projects/{id} and entries/{id}, If-None-Match -> 304, If-Match -> 412 on PATCH and
DELETE, decided under the row's lock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from hours_service.timesheets.serializers import EntryOutput, ProjectOutput

from tests.api.test_races import race, statuses
from tests.factories import BASE, EntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db

PROJECTS = "/api/hours/v1/projects"
ENTRIES = "/api/hours/v1/entries"
STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')
PROBLEM = "application/problem+json"


def _etag(response) -> str:
    assert response.status_code == 200, response.content
    etag = response["ETag"]
    assert STRONG_ETAG.match(etag), etag
    return etag


@pytest.fixture
def resources(user):
    project = ProjectFactory(owner_id=user.id, name="Website")
    entry = EntryFactory(
        user_id=user.id, project=project, started_at=BASE, ended_at=BASE + timedelta(hours=1)
    )
    return {
        "project": (f"{PROJECTS}/{project.pk}", {"name": "Shop"}),
        "entry": (f"{ENTRIES}/{entry.pk}", {"description": "new"}),
    }


KINDS = ["project", "entry"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_single_resource_answers_a_strong_etag_that_changes_with_it(api, resources, kind):
    url, change = resources[kind]
    first = _etag(api.get(url))
    assert _etag(api.get(url)) == first
    changed = api.patch(url, change, format="json")
    assert _etag(changed) != first
    assert _etag(api.get(url)) == changed["ETag"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_answer_with_an_etag_is_serialized_once(api, resources, kind, monkeypatch):
    """The ETag is a digest of the body: one serialization makes both."""
    output = {"project": ProjectOutput, "entry": EntryOutput}[kind]
    made = []
    to_representation = output.to_representation
    monkeypatch.setattr(
        output,
        "to_representation",
        lambda self, instance: made.append(instance) or to_representation(self, instance),
    )
    url, change = resources[kind]
    _etag(api.get(url))
    _etag(api.patch(url, change, format="json"))
    assert len(made) == 2  # the read's answer and the change's (no If-Match: nothing to compare)


@pytest.mark.parametrize("form", ["{}", "W/{}", '"nope", {}', "*"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_read_whose_etag_still_matches_is_not_modified(api, resources, kind, form):
    url, _ = resources[kind]
    etag = _etag(api.get(url))
    response = api.get(url, HTTP_IF_NONE_MATCH=form.format(etag))
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert api.get(url, HTTP_IF_NONE_MATCH='"0123"').status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_change_with_the_current_etag_or_a_star_or_none_is_made(api, resources, kind):
    url, change = resources[kind]
    assert api.patch(url, change, format="json", HTTP_IF_MATCH=_etag(api.get(url))).status_code == 200
    assert api.patch(url, change, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert api.patch(url, change, format="json").status_code == 200


@pytest.mark.parametrize("stale", ['"0123456789abcdef0123456789abcdef"', "W/{}"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_change_or_delete_with_a_stale_etag_is_412_and_changes_nothing(api, resources, kind, stale):
    url, change = resources[kind]
    before = api.get(url)
    if_match = stale.format(before["ETag"])  # a weak tag never matches If-Match (strong comparison)
    for response in (
        api.patch(url, change, format="json", HTTP_IF_MATCH=if_match),
        api.delete(url, HTTP_IF_MATCH=if_match),
    ):
        assert response.status_code == 412, response.content
        assert response["Content-Type"] == PROBLEM
        assert response.json()["type"] == "urn:timekeeper:problem:precondition-failed"
    assert api.get(url).json() == before.json()


def test_a_delete_with_the_current_etag_is_made(api, user):
    entry = EntryFactory(user_id=user.id, started_at=BASE, ended_at=BASE + timedelta(hours=1))
    url = f"{ENTRIES}/{entry.pk}"
    assert api.delete(url, HTTP_IF_MATCH=_etag(api.get(url))).status_code == 204
    project = ProjectFactory(owner_id=user.id)
    url = f"{PROJECTS}/{project.pk}"
    assert api.delete(url, HTTP_IF_MATCH=_etag(api.get(url))).status_code == 204


def test_a_running_entrys_etag_holds_while_it_runs(api, user):
    """duration_seconds is computed at answer time: not what the tag versions, or a client
    could never change a running entry conditionally."""
    entry = EntryFactory(user_id=user.id, started_at=timezone.now() - timedelta(hours=2), ended_at=None)
    url = f"{ENTRIES}/{entry.pk}"
    first = api.get(url)
    later = api.get(url)
    assert first["ETag"] == later["ETag"]
    stopped = api.patch(
        url, {"ended_at": timezone.now().isoformat()}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert stopped.status_code == 200, stopped.content


def test_renaming_a_project_changes_its_entries_etags(api, user):
    """The entry shows its project's name: a new name is a new representation."""
    project = ProjectFactory(owner_id=user.id, name="Website")
    entry = EntryFactory(
        user_id=user.id, project=project, started_at=BASE, ended_at=BASE + timedelta(hours=1)
    )
    before = _etag(api.get(f"{ENTRIES}/{entry.pk}"))
    api.patch(f"{PROJECTS}/{project.pk}", {"name": "Web shop"}, format="json")
    assert _etag(api.get(f"{ENTRIES}/{entry.pk}")) != before


def test_an_admin_reads_another_users_resource_with_the_same_etag(client, admin_headers, api, resources):
    url, _ = resources["entry"]
    etag = _etag(api.get(url))
    owner = api.get(url).json()["user"]
    response = client.get(url, {"user": owner}, HTTP_IF_NONE_MATCH=etag, **admin_headers)
    assert response.status_code == 304


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_two_changes_based_on_one_version_one_wins(client_for, user, kind):
    project = ProjectFactory(owner_id=user.id, name="Website")
    entry = EntryFactory(
        user_id=user.id, project=project, started_at=BASE, ended_at=BASE + timedelta(hours=1)
    )
    url = f"{PROJECTS}/{project.pk}" if kind == "project" else f"{ENTRIES}/{entry.pk}"
    field = "name" if kind == "project" else "description"
    etag = _etag(client_for(user).get(url))
    clients = [client_for(user), client_for(user)]
    responses = race(
        [
            lambda c=c, n=n: c.patch(url, {field: f"writer {n}"}, format="json", HTTP_IF_MATCH=etag)
            for n, c in enumerate(clients)
        ]
    )
    assert statuses(responses) == [200, 412], [r.content for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()[field]
    assert client_for(user).get(url).json()[field] == winner
