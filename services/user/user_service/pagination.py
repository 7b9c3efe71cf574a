"""Page-number pagination, the same in every service (CONTRIBUTING.md, "Lists").

``?page=`` (from 1) and ``?per_page=`` (1 to 100, 50 by default) in; the page
``{items, page, per_page, total, pages}`` and an RFC 8288 ``Link`` header (``first``,
``prev``, ``next``, ``last``) out. A page past the last is an empty page, not an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from apiflask import Schema
from apiflask.fields import Integer
from apiflask.validators import Range
from timekeeper_service.conventions import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
)

T = TypeVar("T")


class PageQuery(Schema):
    """The two query parameters of every list (list schemas inherit them)."""

    page = Integer(
        load_default=1,
        validate=Range(min=1, max=MAX_PAGE),
        metadata={"description": "the page, counted from 1; past the last, the page is empty"},
    )
    per_page = Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": "items on a page"},
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page
