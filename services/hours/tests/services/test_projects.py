from __future__ import annotations

import pytest
from hours_service.errors import Conflict
from hours_service.timesheets.services import project_create, project_delete, project_update

from tests.factories import EntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_project_names_conflict_case_insensitively(user):
    first = project_create(owner_id=user.id, name="Website")
    with pytest.raises(Conflict) as info:
        project_create(owner_id=user.id, name="website")
    assert info.value.extra["conflicting_project"]["id"] == first.pk
    second = project_create(owner_id=user.id, name="Shop")
    with pytest.raises(Conflict):
        project_update(owner_id=user.id, project_id=second.pk, data={"name": "WEBSITE"})


def test_a_project_with_entries_is_archived_not_deleted(user):
    project = ProjectFactory(owner_id=user.id)
    EntryFactory(user_id=user.id, project=project)
    with pytest.raises(Conflict):
        project_delete(owner_id=user.id, project_id=project.pk)
    project_delete(owner_id=user.id, project_id=ProjectFactory(owner_id=user.id).pk)
