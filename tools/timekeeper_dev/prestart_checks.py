"""What every service's prestart tests hold its log lines to: the lines come from
``timekeeper_service.prestart``, so each service's suite checks the same words and fields
with this one function instead of a copy of it."""

from __future__ import annotations

from typing import Any

RETRY_LINE = "database not reachable yet, retrying"


def assert_retry_line(line: dict[str, Any], *, logger: str, attempt: int, attempts: int) -> None:
    """The retry line, word for word and field for field, as ``logger`` writes it."""
    assert sorted(line) == ["attempt", "attempts", "level", "logger", "msg", "reason", "request_id", "ts"]
    assert line["msg"] == RETRY_LINE
    assert (line["level"], line["logger"], line["request_id"]) == ("WARNING", logger, None)
    assert (line["attempt"], line["attempts"]) == (attempt, attempts)
    assert "Connection refused" in line["reason"]
    assert "\n" not in line["reason"]
    assert "connection to server at" not in line["reason"]  # libpq's preamble is cut, as in the give-up line
