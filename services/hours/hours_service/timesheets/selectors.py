"""Reads. Every read is scoped to one user id (the caller's, or for admins the one asked for)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import FilterSet

from hours_service.errors import NotFound, ValidationFailed
from hours_service.timesheets.filters import EntryFilter, ProjectFilter
from hours_service.timesheets.models import Entry, Project


def _filtered(
    filterset_class: type[FilterSet], queryset: QuerySet, filters: dict[str, Any] | None
) -> QuerySet:
    data = {k: v for k, v in (filters or {}).items() if v is not None}
    if not data:
        return queryset  # nothing to narrow: skip building a FilterSet (it deep-copies its filters)
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationFailed({field: list(messages) for field, messages in filterset.errors.items()})
    return filterset.qs


def project_list(*, owner_id: str, filters: dict[str, Any] | None = None) -> QuerySet[Project]:
    return _filtered(ProjectFilter, Project.objects.filter(owner_id=owner_id), filters)


def project_get(*, owner_id: str, project_id: int) -> Project:
    """The user's project; another user's is as unknown as a missing one (no leak)."""
    project = Project.objects.filter(owner_id=owner_id, pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    return project


def entry_list(*, user_id: str, filters: dict[str, Any] | None = None) -> QuerySet[Entry]:
    queryset = Entry.objects.filter(user_id=user_id).select_related("project")
    return _filtered(EntryFilter, queryset, filters)


def entry_get(*, user_id: str, entry_id: int) -> Entry:
    entry = Entry.objects.filter(user_id=user_id, pk=entry_id).select_related("project").first()
    if entry is None:
        raise NotFound(f"No entry {entry_id}.")
    return entry


def entry_running(*, user_id: str, for_update: bool = False) -> Entry | None:
    queryset = Entry.objects.filter(user_id=user_id, ended_at__isnull=True).select_related("project")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.first()
