"""Querysets compiled once per shape, their values bound on each call.

Building a queryset and compiling it to SQL costs more CPU than anything else in a read of a
page of rows (bench/RESULTS.md has the list's profile), yet the SQL depends only on the
query's shape (which filters, which order, which page), not on the values it compares.
:class:`Compiled` wraps a function that builds a queryset from a shape and values; the first
call of a shape builds and compiles it with stand-ins for the values, and finds where each
value goes among the parameters. Every later call of that shape only binds its values.

Where a value goes is checked, not guessed: the shape is compiled twice, with two different
stand-ins for each value. Both SQL texts must be the same, and each parameter either the same
in both (a constant of the shape) or the two stand-ins of one value. A value that changes the
SQL text (a slice bound, written in as a number) or that the query computes with in Python
(``value - timedelta(days=1)``) fails that check on the shape's first call: it is refused with
ImproperlyConfigured, never bound in the wrong place. Booleans, ``None`` and lists cannot be
told from the constants around them: they are part of the shape. So is anything else the SQL
text depends on that is not a value: Django writes the active time zone into date lookups
(``__date``, ``__year``), which a query compiled here must not use unless its shape names the
zone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet

#: a queryset from a shape and its values (stand-ins while it is compiled)
Build = Callable[[Hashable, Mapping[str, Any]], QuerySet]

_STAND_IN_INSTANT = datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _kind(name: str, value: Any) -> type:
    """Which of the kinds a stand-in can take the place of ``value`` is."""
    if not isinstance(value, bool):  # bool is an int, and True == 1
        for kind in (datetime, int, str):
            if isinstance(value, kind):
                return kind
    raise ImproperlyConfigured(
        f"{name}={value!r} cannot be a compiled query's value: make it part of the shape"
    )


def _stand_in(kind: type, index: int, build: int) -> Any:
    """A value of ``kind`` that no query holds as a constant, one per value and build."""
    n = 2 * index + build
    if kind is datetime:
        return _STAND_IN_INSTANT - timedelta(microseconds=n + 1)
    if kind is int:
        return 987_654_321_000 + n
    return f"\x00stand-in {n}"


@dataclass(frozen=True)
class _Slot:
    """Where a call's value goes among the parameters."""

    name: str


def _slotted(first: Any, second: Any, slots: Mapping[tuple[type, Any], str]) -> Any:
    """The parameter seen as ``first`` and ``second`` in the two builds: a constant, a slot, or
    a list of those (an array parameter)."""
    if type(first) is type(second) and first == second:
        return first
    for build, value in enumerate((first, second)):
        name = slots.get((type(value), value))
        other = (second, first)[build]
        if name is not None and slots.get((type(other), other)) == name:
            return _Slot(name)
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [_slotted(a, b, slots) for a, b in zip(first, second, strict=True)]
    raise ImproperlyConfigured(
        f"a compiled query's value reaches its SQL changed ({first!r} for a stand-in): "
        "pass it as the query computes with it, or make it part of the shape"
    )


def _bind(param: Any, values: Mapping[str, Any]) -> Any:
    if type(param) is _Slot:
        return values[param.name]
    if type(param) is list:
        return [_bind(item, values) for item in param]
    return param


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]  # constants and slots

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        return [_bind(param, values) for param in self.params]


def shape_and_values(mapping: Mapping[str, Any]) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    """``mapping`` split into what is part of a shape (booleans, ``None``, lists as tuples),
    in name order, and the values a compiled query binds."""
    shape = []
    values = {}
    for name, value in mapping.items():
        if value is None or isinstance(value, bool):
            shape.append((name, value))
        elif isinstance(value, list | tuple):
            shape.append((name, tuple(value)))
        else:
            values[name] = value
    return tuple(sorted(shape)), values


class Compiled:
    """``build(shape, values)``'s rows: built and compiled once per shape and kind of values
    (at most ``maxsize`` kept, the least recently used let go), bound on each call."""

    def __init__(self, build: Build, *, maxsize: int = 256) -> None:
        self._build = build
        self._statement = functools.lru_cache(maxsize=maxsize)(self._compile)

    def _compile(self, shape: Hashable, kinds: tuple[tuple[str, type], ...]) -> Statement:
        compiled = []
        for build in (0, 1):
            values = {name: _stand_in(kind, index, build) for index, (name, kind) in enumerate(kinds)}
            compiled.append(self._build(shape, values).query.sql_with_params())
        (sql, first), (other_sql, second) = compiled
        if sql != other_sql or len(first) != len(second):
            raise ImproperlyConfigured(
                f"a value of {self._build.__qualname__} changes its SQL text: make it part of the shape"
            )
        slots = {}
        for index, (name, kind) in enumerate(kinds):
            for build in (0, 1):
                value = _stand_in(kind, index, build)
                slots[(type(value), value)] = name
        params = tuple(_slotted(a, b, slots) for a, b in zip(first, second, strict=True))
        return Statement(sql, params)

    def sql_with_params(self, shape: Hashable, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        kinds = tuple((name, _kind(name, value)) for name, value in values.items())
        statement = self._statement(shape, kinds)
        return statement.sql, statement.bind(values)

    def rows(self, shape: Hashable, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows, as tuples, as the database sends them (no field's ``from_db_value``)."""
        sql, params = self.sql_with_params(shape, values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
