"""Writes, to the caller's own rows (plain ids in). Each rule is checked here first (for a
precise message) and held by Postgres (for the races); a constraint that fires anyway
becomes the same problem, naming the entry it conflicts with. A change of one row locks it
(``SELECT ... FOR UPDATE``) and runs its precondition (an If-Match check) on what is stored
now, so of two changes based on one version only the first is made."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from hours_service.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from hours_service.timesheets.models import CLOCK_SKEW, MAX_ENTRY_DURATION, Entry, Project
from hours_service.timesheets.selectors import entry_get, entry_running, project_get

#: what a change of one row may be made on: run on the row, locked, before the change; it
#: raises to refuse (the views' If-Match check, :mod:`hours_service.conditional`)
Precondition = Callable[[Any], None]


def _checked(row: Any, precondition: Precondition | None) -> Any:
    if precondition is not None:
        precondition(row)
    return row


MSG_FUTURE = (
    f"An entry may not start in the future (more than {int(CLOCK_SKEW.total_seconds() // 60)} minutes ahead)."
)
MSG_END_BEFORE_START = "An entry must end after it starts."
MAX_HOURS = int(MAX_ENTRY_DURATION.total_seconds() // 3600)
MSG_TOO_LONG = f"An entry lasts at most {MAX_HOURS} hours."
MSG_RUNNING_TOO_LONG = (
    f"An entry that started more than {MAX_HOURS} hours ago cannot be running: give its end "
    f"(an entry lasts at most {MAX_HOURS} hours)."
)

# Postgres rule -> (field, message) for the rules that are bad input (400).
_CHECKS = {
    "entry_ends_after_start": ("ended_at", MSG_END_BEFORE_START),
    "entry_at_most_24h": ("ended_at", MSG_TOO_LONG),
    "entry_not_in_future": ("started_at", MSG_FUTURE),
    "entry_running_at_most_24h": ("ended_at", MSG_RUNNING_TOO_LONG),
}


def _entry_ref(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat() if entry.ended_at else None,
    }


class OverlappingEntry(ApplicationError):
    status = 409
    slug = "overlapping-entry"
    title = "Overlapping entry"

    def __init__(self, conflicting: Entry) -> None:
        until = conflicting.ended_at.isoformat() if conflicting.ended_at else "still running"
        super().__init__(
            f"The entry overlaps entry {conflicting.pk} ({conflicting.started_at.isoformat()} to {until}).",
            conflicting_entry=_entry_ref(conflicting),
        )


class TimerRunning(ApplicationError):
    status = 409
    slug = "timer-running"
    title = "A timer is running"

    def __init__(self, running: Entry) -> None:
        super().__init__(
            f"Entry {running.pk} runs since {running.started_at.isoformat()}; stop it first "
            "(or start with stop_running=true).",
            conflicting_entry=_entry_ref(running),
        )


class TimerOverdue(ApplicationError):
    """The running entry started more than 24 hours ago (a forgotten timer): it cannot end now,
    nor be stopped to start another, until it is given the end it had."""

    status = 409
    slug = "timer-overdue"
    title = "The timer has run for more than 24 hours"

    def __init__(self, running: Entry) -> None:
        latest = running.started_at + MAX_ENTRY_DURATION
        super().__init__(
            f"Entry {running.pk} runs since {running.started_at.isoformat()}, and an entry lasts "
            f"at most {MAX_HOURS} hours, so it cannot end now. Stop it with the time it really "
            f"ended: POST /api/hours/v1/timer/stop with ended_at (at the latest "
            f"{latest.isoformat()}), or PATCH or DELETE /api/hours/v1/entries/{running.pk}.",
            conflicting_entry=_entry_ref(running),
            latest_ended_at=latest.isoformat(),
        )


class NoRunningTimer(ApplicationError):
    status = 409
    slug = "no-running-timer"
    title = "No timer is running"


class ProjectArchived(ValidationFailed):
    def __init__(self, project: Project) -> None:
        super().__init__({"project": [f"Project {project.pk} is archived."]})


def _constraint(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def _overlapping(
    *, user_id: str, started_at: datetime, ended_at: datetime | None, exclude: int | None
) -> Entry | None:
    queryset = Entry.objects.filter(user_id=user_id).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=started_at)
    )
    if ended_at is not None:
        queryset = queryset.filter(started_at__lt=ended_at)
    return queryset.exclude(pk=exclude).order_by("started_at").first()


def _lock_entries_of(user_id: str) -> None:
    """Hold, until the transaction ends, the lock on one person's entries.

    Two inserts that meet in the exclusion index at the same instant each wait for the other:
    a deadlock, which Postgres would only notice after ``deadlock_timeout`` (1 s), no sooner
    than the lock timeout cancels both (``hours_service.db``). Writes of one person's entries
    take turns instead: the second waits for the first's commit, then meets the rule.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"entries:{user_id}"])


def _entry_save(entry: Entry, update_fields: list[str] | None = None) -> None:
    """Save in a savepoint; a Postgres rule that fires becomes the matching problem."""
    _lock_entries_of(entry.user_id)
    try:
        with transaction.atomic():
            entry.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise _entry_problem(entry, exc) from exc


def _entry_problem(entry: Entry, exc: IntegrityError) -> Exception:
    constraint = _constraint(exc)
    if constraint in _CHECKS:
        field, message = _CHECKS[constraint]
        return ValidationFailed({field: [message]})
    if constraint == "entry_project_same_owner":
        return NotFound(f"No project {entry.project_id}.")
    if constraint not in {"entry_no_overlap", "entry_one_running_per_user"}:
        return exc
    if entry.ended_at is None and (running := entry_running(user_id=entry.user_id)) is not None:
        return TimerRunning(running)
    conflicting = _overlapping(
        user_id=entry.user_id, started_at=entry.started_at, ended_at=entry.ended_at, exclude=entry.pk
    )
    if conflicting is None:  # the other write was rolled back meanwhile
        return Conflict("The entry conflicts with a concurrent change; try again.")
    if _overdue(conflicting, timezone.now()):  # a forgotten timer: say how to end it
        return TimerOverdue(conflicting)
    return OverlappingEntry(conflicting)


def _check_times(
    *, started_at: datetime, ended_at: datetime | None, check_start: bool = True, check_running: bool = True
) -> None:
    """The rules on an entry's times; ``check_start``/``check_running``: whether this write sets
    the start, or the start or the end (the rules that depend on the moment of writing)."""
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if check_start and started_at > now + CLOCK_SKEW:
        errors["started_at"] = [MSG_FUTURE]
    if ended_at is not None:
        if ended_at <= started_at:
            errors["ended_at"] = [MSG_END_BEFORE_START]
        elif ended_at - started_at > MAX_ENTRY_DURATION:
            errors["ended_at"] = [MSG_TOO_LONG]
    elif check_running and now - started_at > MAX_ENTRY_DURATION:
        errors["ended_at"] = [MSG_RUNNING_TOO_LONG]
    if errors:
        raise ValidationFailed(errors)


def _overdue(entry: Entry, now: datetime) -> bool:
    """A running entry that started more than 24 hours before ``now``."""
    return entry.ended_at is None and now - entry.started_at > MAX_ENTRY_DURATION


def _usable_project(*, user_id: str, project_id: int) -> Project:
    project = project_get(caller_id=user_id, project_id=project_id)
    if project.archived:
        raise ProjectArchived(project)
    return project


# -- projects ------------------------------------------------------------------------------


@contextmanager
def _project_rules(*, owner_id: str, name: str) -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if _constraint(exc) != "project_owner_name_ci_unique":
            raise
        existing = Project.objects.filter(owner_id=owner_id, name__iexact=name).first()
        raise Conflict(
            f"A project named {name!r} exists already" + (f" (project {existing.pk})." if existing else "."),
            conflicting_project={"id": existing.pk, "name": existing.name} if existing else None,
        ) from exc


@transaction.atomic
def project_create(*, owner_id: str, name: str, billable: bool = True, archived: bool = False) -> Project:
    project = Project(owner_id=owner_id, name=name, billable=billable, archived=archived)
    with _project_rules(owner_id=owner_id, name=name):
        project.save()
    return project


@transaction.atomic
def project_update(
    *, owner_id: str, project_id: int, data: dict[str, Any], precondition: Precondition | None = None
) -> Project:
    project = _checked(project_get(caller_id=owner_id, project_id=project_id, for_update=True), precondition)
    fields = [field for field in ("name", "billable", "archived") if field in data]
    for field in fields:
        setattr(project, field, data[field])
    if fields:
        with _project_rules(owner_id=project.owner_id, name=project.name):
            project.save(update_fields=[*fields, "updated_at"])
    return project


@transaction.atomic
def project_delete(*, owner_id: str, project_id: int, precondition: Precondition | None = None) -> None:
    project = _checked(project_get(caller_id=owner_id, project_id=project_id, for_update=True), precondition)
    try:
        project.delete()
    except ProtectedError as exc:
        raise Conflict(
            f"Project {project.pk} has entries; archive it instead of deleting it.",
            project={"id": project.pk, "name": project.name},
        ) from exc


# -- entries -------------------------------------------------------------------------------


@transaction.atomic
def entry_create(
    *,
    user_id: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    project_id: int | None = None,
    description: str = "",
    billable: bool | None = None,
    tags: Sequence[str] = (),
) -> Entry:
    _check_times(started_at=started_at, ended_at=ended_at)
    project = _usable_project(user_id=user_id, project_id=project_id) if project_id is not None else None
    entry = Entry(
        user_id=user_id,
        project=project,
        description=description,
        started_at=started_at,
        ended_at=ended_at,
        billable=billable if billable is not None else (project.billable if project else True),
        tags=list(tags),
    )
    _entry_save(entry)
    return entry


@transaction.atomic
def entry_update(
    *, user_id: str, entry_id: int, data: dict[str, Any], precondition: Precondition | None = None
) -> Entry:
    """Change the given fields (``project`` is a project id or ``None``) of the user's entry."""
    entry = _checked(entry_get(caller_id=user_id, entry_id=entry_id, for_update=True), precondition)
    return _entry_change(entry=entry, data=data)


def _entry_change(*, entry: Entry, data: dict[str, Any]) -> Entry:
    """:func:`entry_update` of an entry already locked."""
    started_at = data.get("started_at", entry.started_at)
    ended_at = data.get("ended_at", entry.ended_at)
    _check_times(
        started_at=started_at,
        ended_at=ended_at,
        check_start="started_at" in data,
        check_running="started_at" in data or "ended_at" in data,
    )
    fields = [
        field for field in ("description", "started_at", "ended_at", "billable", "tags") if field in data
    ]
    for field in fields:
        setattr(entry, field, data[field])
    if "project" in data and data["project"] != entry.project_id:
        entry.project = (
            _usable_project(user_id=entry.user_id, project_id=data["project"]) if data["project"] else None
        )
        fields.append("project")
    if fields:
        _entry_save(entry, update_fields=[*fields, "updated_at"])
    return entry


@transaction.atomic
def entry_delete(*, user_id: str, entry_id: int, precondition: Precondition | None = None) -> None:
    _checked(entry_get(caller_id=user_id, entry_id=entry_id, for_update=True), precondition).delete()


# -- the timer -----------------------------------------------------------------------------


@transaction.atomic
def timer_start(
    *,
    user_id: str,
    project_id: int | None = None,
    description: str = "",
    billable: bool | None = None,
    tags: Sequence[str] = (),
    stop_running: bool = False,
) -> Entry:
    """Start a running entry now; 409 while one runs, unless ``stop_running`` stops it first
    (never one overdue: it cannot end now)."""
    now = timezone.now()
    running = entry_running(user_id=user_id, for_update=True)
    if running is not None:
        if _overdue(running, now):
            raise TimerOverdue(running)
        if not stop_running:
            raise TimerRunning(running)
        _entry_change(entry=running, data={"ended_at": now})
    return entry_create(
        user_id=user_id,
        started_at=now,
        project_id=project_id,
        description=description,
        billable=billable,
        tags=tags,
    )


@transaction.atomic
def timer_stop(*, user_id: str, ended_at: datetime | None = None) -> Entry:
    """End the running entry at ``ended_at``, by default now: a timer that has run for more than
    24 hours cannot end now (409 :class:`TimerOverdue`) and needs the end it really had."""
    running = entry_running(user_id=user_id, for_update=True)
    if running is None:
        raise NoRunningTimer("No timer is running.")
    if ended_at is None:
        ended_at = timezone.now()
        if _overdue(running, ended_at):
            raise TimerOverdue(running)
    return _entry_change(entry=running, data={"ended_at": ended_at})
