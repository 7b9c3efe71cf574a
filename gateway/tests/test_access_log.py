"""Traefik's JSON access log keeps X-Request-Id and drops every other header."""

from __future__ import annotations

import time

from conftest import Gateway


def _entries_for(gateway: Gateway, request_id: str, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        entries = [
            e
            for e in gateway.access_entries()
            if request_id in (e.get("request_X-Request-Id"), e.get("downstream_X-Request-Id"))
        ]
        if entries or time.monotonic() > deadline:
            return entries
        time.sleep(0.05)


def test_access_log_is_json_with_the_request_id(gateway: Gateway) -> None:
    gateway.get(
        "/api/hours/v1/entries/9",
        headers={"X-Request-Id": "log-trace-42", "Authorization": "Bearer top-secret-token", "Cookie": "s=1"},
    )
    [entry] = _entries_for(gateway, "log-trace-42")
    assert entry["request_X-Request-Id"] == "log-trace-42"
    assert entry["downstream_X-Request-Id"] == "log-trace-42"
    assert entry["RequestPath"] == "/api/hours/v1/entries/9"
    assert entry["DownstreamStatus"] == 200
    assert entry["RouterName"] == "hours-read@file"  # a GET: the read router, no body limit
    assert "top-secret-token" not in str(entry)
    assert "request_Authorization" not in entry and "request_Cookie" not in entry


def test_a_request_id_made_by_the_service_is_logged_too(gateway: Gateway) -> None:
    # The docs service makes one when the request has none; it comes back downstream.
    response = gateway.get("/docs/health/live")
    made = response.headers["X-Request-Id"]
    [entry] = _entries_for(gateway, made)
    assert "request_X-Request-Id" not in entry
    assert entry["downstream_X-Request-Id"] == made
