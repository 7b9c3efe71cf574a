"""CSV export of entries, written row by row so the response can stream."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from hours_service.timesheets.models import Entry

COLUMNS = [
    "id", "started_at", "ended_at", "duration_seconds", "project_id", "project",
    "description", "billable", "tags",
]  # fmt: skip


class _Echo:
    """A file-like whose write() hands back what it is given (csv.writer into a stream)."""

    def write(self, value: str) -> str:
        return value


def csv_safe(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(entries: Iterable[Entry], tz: ZoneInfo) -> Iterator[str]:
    """The header, then one line per entry, times written in ``tz``."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for entry in entries:
        yield writer.writerow(
            [
                entry.pk,
                entry.started_at.astimezone(tz).isoformat(),
                entry.ended_at.astimezone(tz).isoformat() if entry.ended_at else "",
                int(entry.duration().total_seconds()),
                entry.project_id or "",
                csv_safe(entry.project.name) if entry.project else "",
                csv_safe(entry.description),
                "true" if entry.billable else "false",
                csv_safe(";".join(entry.tags)),
            ]
        )
