"""One JSON log line per request, and X-Request-Id taken or made, and returned."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from user_service.config import Settings
from user_service.observability import JsonFormatter, RequestIdFilter, configure_logging

LIVE = "/api/users/health/live"


def request_records(caplog):
    return [r for r in caplog.records if r.name == "user_service.request"]


def test_request_id_is_taken_and_returned(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get(LIVE, headers={"X-Request-Id": "abc-123.def"})
    assert response.headers["X-Request-Id"] == "abc-123.def"
    assert request_records(caplog)[-1].request_id == "abc-123.def"


@pytest.mark.parametrize("offered", [None, "", "has spaces", "x" * 129, 'quote"s', "tab\there"])
def test_request_id_is_made_when_missing_or_odd(client, offered):
    headers = {"X-Request-Id": offered} if offered is not None else {}
    made = client.get(LIVE, headers=headers).headers["X-Request-Id"]
    assert len(made) == 32
    assert int(made, 16) >= 0


def test_errors_carry_the_request_id_too(client):
    response = client.get("/nowhere", headers={"X-Request-Id": "r1"})
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == "r1"


def test_one_json_line_per_request(client, caplog):
    caplog.set_level(logging.INFO)
    client.post("/api/users/v1/users?x=1", json={}, headers={"X-Request-Id": "req-7"})
    [record] = request_records(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert {
        "ts",
        "level",
        "logger",
        "msg",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    } <= line.keys()
    assert line["msg"] == "request"
    assert line["request_id"] == "req-7"
    assert line["method"] == "POST"
    assert line["path"] == "/api/users/v1/users"
    assert line["status"] == 400
    assert isinstance(line["duration_ms"], float)


def test_logs_inside_a_request_carry_its_id(app, client, caplog):
    caplog.set_level(logging.INFO)
    client.post(
        "/api/users/v1/users",
        json={"username": "ada", "email": "a@b.example", "password": "x" * 12},
        headers={"X-Request-Id": "req-8"},
    )
    created = [r for r in caplog.records if r.getMessage() == "user created"]
    assert created and created[0].request_id == "req-8"


def test_json_formatter_outside_requests_and_with_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("here",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "failed here"
    assert line["request_id"] is None
    assert "ValueError: boom" in line["exc_info"]


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_configure_logging(log_format):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(Settings(log_format=log_format, log_level="WARNING"))
        [handler] = [h for h in root.handlers if h.formatter and h not in saved[0]]
        assert isinstance(handler.formatter, JsonFormatter) is (log_format == "json")
        assert root.level == logging.WARNING
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def _forget_counter(observability) -> None:
    """A worker's state before its first introspection: no counter made or registered."""
    from prometheus_client import REGISTRY

    collector = REGISTRY._names_to_collectors.get("timekeeper_introspection_requests")
    if collector is not None:
        REGISTRY.unregister(collector)
    for name in ("introspection_requests", "_introspection_requests"):
        cache_clear = getattr(getattr(observability, name, None), "cache_clear", None)
        if cache_clear:
            cache_clear()


def test_the_introspection_counter_is_made_once_when_threads_ask_together(monkeypatch):
    # gthread workers: a worker's first requests may all ask for the counter at once, and a
    # second Counter of the same name is refused (DuplicateTimeseries: a 500)
    import prometheus_client

    from user_service import observability

    made: list[object] = []
    second_asked = threading.Event()

    class SlowCounter(prometheus_client.Counter):
        def __init__(self, *args, **kwargs):
            made.append(self)
            if len(made) == 1:
                # hold the first construction until another one starts (or a second has
                # passed: when they take turns, none will)
                second_asked.wait(timeout=1)
            else:
                second_asked.set()
            super().__init__(*args, **kwargs)

    _forget_counter(observability)
    monkeypatch.setattr(prometheus_client, "Counter", SlowCounter)
    got: list[object] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            got.append(observability.introspection_requests())
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(made) == 1
    assert got == [made[0], made[0]]
