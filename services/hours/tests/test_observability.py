from __future__ import annotations

import json
import logging

import pytest
from hours_service.observability import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_request_id_is_taken_returned_and_sent_on(api, user_service):
    response = api.get("/api/hours/v1/timer/current", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-Id"] == "abc-123"
    assert user_service.introspections()[0].headers["X-Request-Id"] == "abc-123"


def test_request_id_is_made_when_missing_or_unsafe(client):
    made = client.get("/api/hours/health/live")["X-Request-Id"]
    assert len(made) == 32
    unsafe = client.get("/api/hours/health/live", HTTP_X_REQUEST_ID="a b\nc")["X-Request-Id"]
    assert unsafe != "a b\nc"


def test_one_json_line_per_request(api, user, caplog):
    caplog.set_level(logging.INFO, logger="hours_service.request")
    api.get("/api/hours/v1/entries", HTTP_X_REQUEST_ID="req-1")
    (record,) = [r for r in caplog.records if r.name == "hours_service.request"]
    line = json.loads(JsonFormatter().format(record))
    assert {"ts", "level", "logger", "msg", "request_id", "method", "path", "status", "duration_ms"} <= set(
        line
    )
    assert (line["request_id"], line["method"], line["path"], line["status"]) == (
        "req-1",
        "GET",
        "/api/hours/v1/entries",
        200,
    )
    assert line["user"] == user.id


def test_json_formatter_keeps_tracebacks():
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "failed here"
    assert "ValueError: bad" in line["exc_info"]
    assert line["request_id"] is None
