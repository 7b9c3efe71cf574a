"""CSV export of entries, written row by row so the response can stream, every text a user
wrote escaped so no spreadsheet runs it as a formula (:func:`csv_safe`)."""

from __future__ import annotations

import csv
import re
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


#: Where a spreadsheet may start a cell inside a value: at its start, or after a separator it
#: may assume (the file's ",", but Excel reads ";" in many locales, or a tab) or a line break,
#: behind any opening quotes; and what makes it read such a cell as a formula (OWASP's CSV
#: injection page: = + - @ tab CR; ASVS 1.2.10 adds NUL).
_FORMULA_START = re.compile(r'((?:^|[,;\t\r\n])"*)(?=[=+\-@\t\r\x00])')


def csv_safe(text: str) -> str:
    """``text`` with an apostrophe before every cell a spreadsheet could read as a formula
    (CSV injection): spreadsheets show the cell as text and hide the apostrophe. Checking the
    first character only is not enough: a value holding a separator, a quote or a line break
    can start a cell of its own in a reader that splits it there.

    (defusedcsv looks at the first character of a field only, and not at tabs or CRs.)
    """
    return _FORMULA_START.sub(r"\1'", text)


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
                ";".join(csv_safe(tag) for tag in entry.tags),  # each tag is a value of its own
            ]
        )
