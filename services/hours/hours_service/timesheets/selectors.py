"""Reads. Every read is scoped to one user id (the caller's, or for admins the one asked for)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from hours_service.errors import NotFound
from hours_service.timesheets.filters import EntryListFilter
from hours_service.timesheets.models import Entry, Project


def project_list(*, owner_id: str) -> QuerySet[Project]:
    """The user's projects (the API narrows them with its FilterSet)."""
    return Project.objects.filter(owner_id=owner_id)


def project_get(*, owner_id: str, project_id: int) -> Project:
    """The user's project; another user's is as unknown as a missing one (no leak)."""
    project = Project.objects.filter(owner_id=owner_id, pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    return project


def entry_list(*, user_id: str) -> QuerySet[Entry]:
    """The user's entries (the API narrows them with its FilterSet)."""
    return Entry.objects.filter(user_id=user_id).select_related("project")


def entries_overlapping(entries: QuerySet[Entry], *, start: datetime, end: datetime) -> QuerySet[Entry]:
    """Those of ``entries`` that overlap ``[start, end)``, as the list's ``from``/``to`` say it."""
    return EntryListFilter.filter_to(EntryListFilter.filter_from(entries, "from", start), "to", end)


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
