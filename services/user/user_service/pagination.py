"""Page-number pagination, the same in every service (CONTRIBUTING.md, "Lists").

``?page=`` (from 1) and ``?per_page=`` (1 to 100, 50 by default) in; the page
``{items, page, per_page, total, pages}`` and an RFC 8288 ``Link`` header (``first``,
``prev``, ``next``, ``last``) out. A page past the last is an empty page, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from apiflask import Schema
from apiflask.fields import Integer
from apiflask.validators import Range

T = TypeVar("T")

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
LINK_DESCRIPTION = 'RFC 8288 links to the other pages: rel="first", "prev", "next", "last"'
#: far beyond any list here; it keeps the OFFSET a page implies a number Postgres takes
MAX_PAGE = 1_000_000


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


def link_header(path: str, query: Iterable[tuple[str, str]], *, page: int, per_page: int, pages: int) -> str:
    """RFC 8288 links to the first, previous, next and last pages, as path-absolute references
    (right behind the gateway too, which serves the same paths), the other parameters kept."""
    kept = [(name, value) for name, value in query if name not in ("page", "per_page")]

    def link(number: int, rel: str) -> str:
        return f'<{path}?{urlencode([*kept, ("page", number), ("per_page", per_page)])}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, max(pages, 1)), "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    if pages:
        links.append(link(pages, "last"))
    return ", ".join(links)
