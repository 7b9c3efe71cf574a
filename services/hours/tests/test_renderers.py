"""The JSON renderer writes the bytes DRF's own would, faster."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hours_service.renderers import JSONRenderer
from rest_framework import renderers

BODIES = [
    {"items": [{"id": 1, "started_at": "2024-05-06T08:00:00Z", "tags": ["a", "b"], "ok": True}], "total": 1},
    {"text": 'Grüße, 日本, emoji 🎉, quote " and backslash \\', "none": None, "float": 1.5},
    {"separators": "line\u2028paragraph\u2029end"},
    {"instant": datetime(2024, 5, 6, 8, 0, 0, 123456, tzinfo=UTC), "day": date(2024, 5, 6)},
    {"time": time(8, 30, 15, 250000), "length": timedelta(hours=1, seconds=5)},
    {"amount": Decimal("12.50"), "id": uuid.UUID(int=7), 3: "int key"},
    [],
    {},
]


@pytest.mark.parametrize("body", BODIES)
def test_it_writes_what_drfs_renderer_writes(body):
    assert JSONRenderer().render(body, "application/json", {}) == renderers.JSONRenderer().render(
        body, "application/json", {}
    )


def test_an_indent_asked_for_and_no_data_are_drfs_too():
    body = {"a": [1, 2]}
    pretty = "application/json; indent=4"
    assert JSONRenderer().render(body, pretty, {}) == renderers.JSONRenderer().render(body, pretty, {})
    assert JSONRenderer().render(None) == b""


def test_the_service_renders_with_it():
    from rest_framework.settings import api_settings

    (renderer,) = api_settings.DEFAULT_RENDERER_CLASSES
    assert renderer is JSONRenderer
