"""What the run ran on: the machine, the versions, and how busy the machine was."""

from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, str | int]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
    return {
        "cores": os.cpu_count() or 0,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
    }


def versions(*, traefik: str, database_url: str, wrk: str) -> dict[str, str]:
    out = subprocess.run([traefik, "version"], capture_output=True, text=True, check=True).stdout
    traefik_version = re.search(r"^Version:\s*(\S+)", out, re.M)
    with psycopg.connect(database_url) as conn:
        (postgres,) = conn.execute("SHOW server_version").fetchone()
    return {
        "python": f"{sys.version.split()[0]} ({os.path.realpath(sys.executable)})",
        "django": version("django"),
        "djangorestframework": version("djangorestframework"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "traefik": traefik_version.group(1) if traefik_version else out.strip(),
        "postgres": postgres,
        "wrk": wrk,
    }


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _busy_ticks() -> int:
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(cpu[3]) + int(cpu[4])  # idle + iowait
    return sum(int(value) for value in cpu[:8]) - idle


@dataclass
class CpuMeter:
    """Where the CPU went during a span: each part of the stack (the process trees ``parts``
    names, read when the span starts, so a restarted process is followed), wrk (reaped
    children of this process), this driver itself, and everything else on the machine."""

    parts: Callable[[], dict[str, int]]
    _start: tuple[int, dict[int, tuple[str, int]], float, dict[str, int]] | None = None

    def _ours(self, roots: dict[str, int]) -> dict[int, tuple[str, int]]:
        """Every process of every part (and this process alone, as ``driver``): pid -> (part, ticks)."""
        tree = _children()
        owner: dict[int, str] = {os.getpid(): "driver"}
        for part, root in roots.items():
            todo = [root]
            while todo:
                pid = todo.pop()
                if pid not in owner or owner[pid] == "driver":
                    owner[pid] = part
                    todo.extend(tree.get(pid, ()))
        return {pid: (part, _cpu_ticks(pid)) for pid, part in owner.items()}

    @staticmethod
    def _reaped() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return usage.ru_utime + usage.ru_stime

    def start(self) -> None:
        roots = self.parts()
        self._start = (_busy_ticks(), self._ours(roots), self._reaped(), roots)

    def stop(self, seconds: float) -> dict[str, Any]:
        """The span's CPU: seconds per part (``wrk`` and ``driver`` included), the machine's busy
        share and the share other processes took, both in % of all cores."""
        assert self._start is not None
        busy0, ours0, reaped0, roots = self._start
        parts: dict[str, float] = dict.fromkeys([*roots, "wrk", "driver"], 0.0)
        for pid, (part, ticks) in self._ours(roots).items():
            before = ours0.get(pid, (part, 0))[1]
            parts[part] += (ticks - before) / CLOCK_TICKS
        parts["wrk"] = self._reaped() - reaped0
        busy = (_busy_ticks() - busy0) / CLOCK_TICKS
        cores = os.cpu_count() or 1
        return {
            "cpu_seconds": {part: round(value, 3) for part, value in parts.items()},
            "machine_busy_pct": round(100 * busy / (seconds * cores), 1),
            "others_pct": round(max(busy - sum(parts.values()), 0.0) * 100 / (seconds * cores), 1),
        }
