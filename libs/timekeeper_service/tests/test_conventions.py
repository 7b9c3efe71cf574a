from __future__ import annotations

import re

import pytest

from timekeeper_service.conventions import KEY_PATTERN, etag, fingerprint, link_header

PATH = "/api/hours/v1/entries"


def _rels(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', header)}


def test_a_middle_page_links_every_way_and_keeps_the_other_parameters():
    header = link_header(PATH, [("billable", "true"), ("page", "2")], page=2, per_page=10, pages=3)
    assert _rels(header) == {
        "first": f"{PATH}?billable=true&page=1&per_page=10",
        "prev": f"{PATH}?billable=true&page=1&per_page=10",
        "next": f"{PATH}?billable=true&page=3&per_page=10",
        "last": f"{PATH}?billable=true&page=3&per_page=10",
    }


@pytest.mark.parametrize(
    ("page", "pages", "rels"),
    [
        (1, 1, {"first", "last"}),
        (1, 0, {"first"}),  # an empty list has no last page
        (9, 3, {"first", "prev", "last"}),  # past the end: prev leads back to the last page
    ],
)
def test_the_ends_link_only_where_a_page_is(page, pages, rels):
    links = _rels(link_header(PATH, [], page=page, per_page=50, pages=pages))
    assert set(links) == rels
    if "prev" in links:
        assert links["prev"].endswith(f"page={pages}&per_page=50")


def test_an_etag_is_strong_and_follows_what_a_client_sees():
    first = etag({"id": 1, "name": "a", "duration_seconds": 5}, exclude=("duration_seconds",))
    assert re.fullmatch(r'"[0-9a-f]{32}"', first)
    assert etag({"name": "a", "id": 1, "duration_seconds": 9}, exclude=("duration_seconds",)) == first
    assert etag({"id": 1, "name": "b"}) != first


def test_a_fingerprint_reads_the_body_not_its_spelling_and_hides_it():
    one = fingerprint("secret", "POST", PATH, {"a": 1, "b": "pw"})
    assert fingerprint("secret", "POST", PATH, {"b": "pw", "a": 1}) == one
    assert fingerprint("secret", "POST", f"{PATH}/x", {"a": 1, "b": "pw"}) != one
    assert fingerprint("other", "POST", PATH, {"a": 1, "b": "pw"}) != one
    assert "pw" not in one and len(one) == 64


@pytest.mark.parametrize(("key", "ok"), [("a" * 255, True), ("", False), ("a" * 256, False), ("a b", False)])
def test_a_key_is_1_to_255_visible_ascii_characters(key, ok):
    assert bool(re.fullmatch(KEY_PATTERN, key)) is ok
