"""Reads. Every read is scoped to one user id: the caller's, or, for an admin only, the one
asked for. The readers take plain ids (``caller_id``, ``caller_is_admin``, the ``user_id`` or
``owner_id`` asked for), never the authentication's principal, so the rule holds whoever calls."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from hours_service.db.statements import Compiled, shape_and_values
from hours_service.errors import Forbidden, NotFound
from hours_service.pagination import page_query
from hours_service.timesheets.filters import EntryListFilter, narrowed
from hours_service.timesheets.models import Entry, Project
from hours_service.timesheets.serializers import entry_columns


def readable_user_id(*, caller_id: str, caller_is_admin: bool = False, user_id: str | None = None) -> str:
    """Whose data a read is about: the caller's own (``user_id`` unset or the caller's), or
    another user's, which only an admin may read (403 otherwise)."""
    if not user_id or user_id == caller_id:
        return caller_id
    if not caller_is_admin:
        raise Forbidden("Only an admin may read another user's data.")
    return user_id


def project_list(
    *, caller_id: str, caller_is_admin: bool = False, owner_id: str | None = None
) -> QuerySet[Project]:
    """The projects of the user read (the API narrows them with its FilterSet)."""
    owner_id = readable_user_id(caller_id=caller_id, caller_is_admin=caller_is_admin, user_id=owner_id)
    return Project.objects.filter(owner_id=owner_id)


def project_get(
    *,
    caller_id: str,
    project_id: int,
    caller_is_admin: bool = False,
    owner_id: str | None = None,
    for_update: bool = False,
) -> Project:
    """A project of the user read; another user's is as unknown as a missing one (no leak).
    ``for_update``: locked until the transaction ends (a service about to change it)."""
    owner_id = readable_user_id(caller_id=caller_id, caller_is_admin=caller_is_admin, user_id=owner_id)
    queryset = Project.objects.filter(owner_id=owner_id, pk=project_id)
    project = (queryset.select_for_update() if for_update else queryset).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    return project


def entry_list(
    *, caller_id: str, caller_is_admin: bool = False, user_id: str | None = None
) -> QuerySet[Entry]:
    """The entries of the user read (the API narrows them with its FilterSet)."""
    user_id = readable_user_id(caller_id=caller_id, caller_is_admin=caller_is_admin, user_id=user_id)
    return Entry.objects.filter(user_id=user_id).select_related("project")


def _entry_page_query(shape: Hashable, values: Mapping[str, Any]) -> QuerySet:
    filters, offset, limit = shape  # type: ignore[misc]
    filters = {**dict(filters), **values}
    entries = entry_list(caller_id=filters.pop("user_id"))
    now = filters.pop("now")
    return page_query(
        narrowed(EntryListFilter, entries, filters).values_list(*entry_columns(now)),
        offset=offset,
        limit=limit,
    )


#: the entries list's page, the service's hottest read: compiled once per shape
_entry_page = Compiled(_entry_page_query)


def entry_page(
    *,
    caller_id: str,
    caller_is_admin: bool = False,
    user_id: str | None = None,
    filters: Mapping[str, Any],
    now: datetime,
    offset: int,
    limit: int,
) -> tuple[list[tuple[Any, ...]], int]:
    """A page of :func:`entry_list` narrowed by the list's ``filters`` (checked by
    EntryListFilter, the empty ones left out), as ``values_list(*entry_columns(now))`` rows,
    and how many there are in all (as :func:`hours_service.pagination.page_rows`). Its query
    is compiled once per shape: which filters, booleans and order, which page
    (:mod:`hours_service.db.statements`)."""
    user_id = readable_user_id(caller_id=caller_id, caller_is_admin=caller_is_admin, user_id=user_id)
    shape, values = shape_and_values(filters)
    values.update(user_id=user_id, now=now)
    rows = _entry_page.rows((shape, offset, limit), values)
    if not rows and offset:  # past the last page: the first row of the first carries the total
        first = _entry_page.rows((shape, 0, 1), values)
        return [], first[0][-1] if first else 0
    return [row[:-1] for row in rows], rows[0][-1] if rows else 0


def entries_overlapping(entries: QuerySet[Entry], *, start: datetime, end: datetime) -> QuerySet[Entry]:
    """Those of ``entries`` that overlap ``[start, end)``, as the list's ``from``/``to`` say it."""
    return EntryListFilter.filter_to(EntryListFilter.filter_from(entries, "from", start), "to", end)


def entry_get(
    *,
    caller_id: str,
    entry_id: int,
    caller_is_admin: bool = False,
    user_id: str | None = None,
    for_update: bool = False,
) -> Entry:
    """``for_update``: the entry (not its project) locked until the transaction ends."""
    user_id = readable_user_id(caller_id=caller_id, caller_is_admin=caller_is_admin, user_id=user_id)
    queryset = Entry.objects.filter(user_id=user_id, pk=entry_id).select_related("project")
    entry = (queryset.select_for_update(of=("self",)) if for_update else queryset).first()
    if entry is None:
        raise NotFound(f"No entry {entry_id}.")
    return entry


def entry_running(*, user_id: str, for_update: bool = False) -> Entry | None:
    queryset = Entry.objects.filter(user_id=user_id, ended_at__isnull=True).select_related("project")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.first()
