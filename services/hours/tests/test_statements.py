"""Querysets compiled once per shape (hours_service.db.statements): each call binds its own
values where the query holds them, and a value that cannot be bound safely is refused."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from hours_service.db.statements import Compiled, shape_and_values
from hours_service.timesheets.models import Entry

from tests.factories import BASE, EntryFactory

pytestmark = pytest.mark.django_db


class Counted:
    """A build function that counts its calls."""

    def __init__(self, build: Any) -> None:
        self.build = build
        self.calls = 0

    def __call__(self, shape: Hashable, values: Mapping[str, Any]) -> QuerySet:
        self.calls += 1
        return self.build(shape, values)


def _ids(rows: list[tuple[Any, ...]]) -> list[int]:
    return [row[0] for row in rows]


def test_a_shape_is_compiled_once_and_each_call_binds_its_own_values():
    ann = [EntryFactory(user_id="ann", started_at=BASE + timedelta(days=day)) for day in range(3)]
    bob = EntryFactory(user_id="bob", started_at=BASE)

    def build(shape: Hashable, values: Mapping[str, Any]) -> QuerySet:
        entries = Entry.objects.filter(user_id=values["user"], started_at__gte=values["since"])
        return entries.order_by(shape).values_list("id")

    counted = Counted(build)
    compiled = Compiled(counted)
    assert _ids(compiled.rows("started_at", {"user": "ann", "since": BASE})) == [e.id for e in ann]
    assert counted.calls == 2  # built twice, with two sets of stand-ins
    since = BASE + timedelta(days=1)
    assert _ids(compiled.rows("started_at", {"user": "ann", "since": since})) == [e.id for e in ann[1:]]
    assert _ids(compiled.rows("started_at", {"user": "bob", "since": BASE})) == [bob.id]
    assert counted.calls == 2
    # another shape is another statement
    assert _ids(compiled.rows("-started_at", {"user": "ann", "since": BASE})) == [e.id for e in reversed(ann)]
    assert counted.calls == 4


def test_what_it_binds_is_what_the_orm_would_send():
    def build(shape: Hashable, values: Mapping[str, Any]) -> QuerySet:
        return Entry.objects.filter(user_id=values["user"], tags__contains=[values["tag"]]).values_list("id")

    compiled = Compiled(build)
    values = {"user": "ann", "tag": "deep-work"}
    sql, params = build(None, values).query.sql_with_params()
    assert compiled.sql_with_params(None, values) == (sql, list(params))
    tagged = EntryFactory(user_id="ann", tags=["deep-work"])
    EntryFactory(user_id="ann", tags=["meeting"])
    assert _ids(compiled.rows(None, values)) == [tagged.id]  # a value inside an array parameter
    assert _ids(compiled.rows(None, {"user": "ann", "tag": "meeting"})) != [tagged.id]


def test_a_value_the_query_computes_with_is_refused():
    def build(shape: Hashable, values: Mapping[str, Any]) -> QuerySet:
        return Entry.objects.filter(started_at__gt=values["since"] - timedelta(days=1))

    with pytest.raises(ImproperlyConfigured, match="changed"):
        Compiled(build).rows(None, {"since": BASE})


def test_a_value_that_changes_the_sql_text_is_refused():
    def build(shape: Hashable, values: Mapping[str, Any]) -> QuerySet:
        return Entry.objects.all()[: values["limit"]]

    with pytest.raises(ImproperlyConfigured, match="SQL text"):
        Compiled(build).rows(None, {"limit": 50})


@pytest.mark.parametrize("value", [True, None, ["id"], 1.5])
def test_a_value_no_stand_in_can_take_the_place_of_is_refused(value: Any):
    compiled = Compiled(lambda shape, values: Entry.objects.all())
    with pytest.raises(ImproperlyConfigured, match="part of the shape"):
        compiled.rows(None, {"value": value})


def test_booleans_none_and_lists_go_to_the_shape():
    shape, values = shape_and_values(
        {"to": BASE, "billable": False, "ordering": ["-id"], "project": 7, "running": None}
    )
    assert shape == (("billable", False), ("ordering", ("-id",)), ("running", None))
    assert values == {"to": BASE, "project": 7}
