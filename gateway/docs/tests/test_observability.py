"""Request ids and one JSON log line per request (CONTRIBUTING.md)."""

from __future__ import annotations

import json
import logging

import pytest
from docs_service.observability import JsonFormatter
from flask.testing import FlaskClient


def test_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/docs/health/live", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "bad id with spaces", "nl\u2028"])
def test_request_id_is_made_when_missing_or_unusable(client: FlaskClient, incoming: str | None) -> None:
    headers = {"X-Request-Id": incoming} if incoming is not None else {}
    response = client.get("/docs/health/live", headers=headers)
    request_id = response.headers["X-Request-Id"]
    assert request_id != incoming
    assert len(request_id) == 32 and int(request_id, 16) >= 0


def test_one_json_line_per_request(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="docs_service.access"):
        client.get("/docs/nowhere", headers={"X-Request-Id": "log-me"})
    records = [r for r in caplog.records if r.name == "docs_service.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert set(line) == {
        "ts",
        "level",
        "logger",
        "msg",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert (line["request_id"], line["method"], line["path"], line["status"]) == (
        "log-me",
        "GET",
        "/docs/nowhere",
        404,
    )
