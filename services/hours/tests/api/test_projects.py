from __future__ import annotations

import pytest

from tests.factories import EntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/hours/v1/projects"


def test_create_list_update(api, user):
    response = api.post(URL, {"name": "Website"}, format="json")
    assert response.status_code == 201, response.json()
    project = response.json()
    assert project["billable"] is True
    assert project["archived"] is False
    ProjectFactory(owner_id="someone-else", name="Theirs")
    assert [p["name"] for p in api.get(URL).json()["items"]] == ["Website"]
    response = api.patch(f"{URL}/{project['id']}", {"archived": True}, format="json")
    assert response.json()["archived"] is True
    assert api.get(URL, {"archived": "false"}).json()["total"] == 0
    assert api.get(URL, {"search": "web"}).json()["total"] == 1


def test_duplicate_name_is_409(api):
    first = api.post(URL, {"name": "Website"}, format="json").json()
    response = api.post(URL, {"name": "WEBSITE"}, format="json")
    assert response.status_code == 409
    assert response.json()["type"] == "urn:timekeeper:problem:conflict"
    assert response.json()["conflicting_project"]["id"] == first["id"]


def test_delete_with_entries_is_409(api, user):
    project = ProjectFactory(owner_id=user.id)
    EntryFactory(user_id=user.id, project=project)
    assert api.delete(f"{URL}/{project.pk}").status_code == 409
    assert api.delete(f"{URL}/{ProjectFactory(owner_id=user.id).pk}").status_code == 204


def test_another_users_project_is_404(api, other_user):
    theirs = ProjectFactory(owner_id=other_user.id)
    assert api.get(f"{URL}/{theirs.pk}").status_code == 404
    assert api.patch(f"{URL}/{theirs.pk}", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"{URL}/{theirs.pk}").status_code == 404
