"""Factories for every test: principals (what a token stands for), projects, entries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import factory
from django.db import connection
from django.utils import timezone
from hours_service.auth import Principal
from hours_service.timesheets.models import Entry, Project

BASE = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)  # a Monday in the past


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class PrincipalFactory(factory.Factory):
    class Meta:
        model = Principal

    id = factory.Sequence(lambda n: f"user-{n}")
    username = factory.Sequence(lambda n: f"user{n}")
    roles = ("user",)
    exp = factory.LazyFunction(lambda: int(time.time()) + 900)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    owner_id = factory.Sequence(lambda n: f"user-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")
    billable = True


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    user_id = factory.Sequence(lambda n: f"user-{n}")
    started_at = factory.Sequence(lambda n: BASE + timedelta(hours=2 * n))
    ended_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=1))
    description = "work"
    billable = True
    tags = factory.LazyFunction(list)


def forgotten_timer(user_id: str, *, started_at: datetime | None = None, **fields) -> Entry:
    """A running entry started ``started_at`` (30 hours ago by default): a timer left running
    since. No write may start a running entry that long ago (``entry_running_at_most_24h``), so
    this one is written as a replica would apply it, with triggers off (the tests' role is a
    superuser), as if time had passed since."""
    started_at = started_at or timezone.now() - timedelta(hours=30)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            return EntryFactory(user_id=user_id, started_at=started_at, ended_at=None, **fields)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
