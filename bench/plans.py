"""The query plans an endpoint really runs, caught by Postgres' ``auto_explain``.

On the bench's own throwaway cluster, the hours service's database role gets
``auto_explain`` with every statement logged as a JSON plan; the hours process is restarted
so that its connections load it, one request per scenario is sent, and the plans its
queries got are read back from the server's log. Then the role is reset and the process
restarted again, so the measured runs pay nothing for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

#: auto_explain's log message: "duration: 0.123 ms  plan:" then the plan (tab-indented lines)
PLAN_MARK = re.compile(r"duration: [0-9.]+ ms  plan:\n")
CURSOR_NAME = re.compile(r"_django_curs_[0-9]+_sync_[0-9]+")
#: the settings the role gets; session_preload_libraries is read when a connection opens
SETTINGS = {
    "session_preload_libraries": "auto_explain",
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_format": "json",
}


def configure(superuser_url: str, role: str, *, on: bool) -> None:
    """Give ``role`` auto_explain's settings (``on``) or take them away; new connections only."""
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        conn.execute("LOAD 'auto_explain'")  # so that its settings are known to ALTER ROLE
        for name, value in SETTINGS.items():
            if on:
                conn.execute(f"ALTER ROLE {role} SET {name} = '{value}'")
            else:
                conn.execute(f"ALTER ROLE {role} RESET {name}")


def read_plans(log_text: str) -> list[dict[str, Any]]:
    """Every auto_explain plan in ``log_text`` (a stretch of the server's stderr log)."""
    decoder = json.JSONDecoder()
    plans = []
    for match in PLAN_MARK.finditer(log_text):
        plan, _ = decoder.raw_decode(log_text[match.end() :].lstrip())
        plans.append(plan)
    return plans


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def scans(plan: dict[str, Any]) -> list[str]:
    """The plan's reads of tables, in plan order: "Index Scan on t (idx)", "Seq Scan on t"."""
    found = []
    for node in _nodes(plan["Plan"]):
        if "Relation Name" not in node and "Index Name" not in node:
            continue
        shape = node["Node Type"]
        if "Relation Name" in node:  # a bitmap index scan names only its index
            shape += f" on {node['Relation Name']}"
        if "Index Name" in node:
            shape += f" ({node['Index Name']})"
        if node["Node Type"] == "Seq Scan" and "Filter" in node:
            shape += f" [filter: {node['Filter']}]"
        found.append(shape)
    return found


def summary(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per query: its text, its scans, and whether it reads a table sequentially."""
    out = []
    for plan in plans:
        # one name for Django's server-side cursors (a new one per request)
        text = CURSOR_NAME.sub("_django_curs", " ".join(plan.get("Query Text", "").split()))
        found = scans(plan)
        if not found:
            continue  # SELECT 1 and the like: no table read
        out.append(
            {
                "query": text,
                "scans": found,
                "seq_scan": any(shape.startswith("Seq Scan") for shape in found),
                "rows": plan["Plan"].get("Actual Rows", plan["Plan"].get("Plan Rows")),
            }
        )
    return out


class LogTail:
    """What the server wrote to its log since the last ``read``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size

    def read(self) -> str:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read()
        self.offset += len(text)
        return text.decode(errors="replace")
