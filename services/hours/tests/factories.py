"""Factories for every test: principals (what a token stands for), projects, entries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import factory
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
