"""What the run ran on: the machine, the versions, and how busy the machine was."""

from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

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
        "python": sys.version.split()[0],
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
    """How much of the machine's CPU the bench (this process's tree, the Postgres cluster,
    wrk) used during a span, and how much everything else on the machine did."""

    roots: list[int]
    _start: tuple[int, dict[int, int], float] | None = None

    def _ours(self) -> dict[int, int]:
        tree = _children()
        pids, todo = set(), list(self.roots)
        while todo:
            pid = todo.pop()
            if pid not in pids:
                pids.add(pid)
                todo.extend(tree.get(pid, ()))
        return {pid: _cpu_ticks(pid) for pid in pids}

    @staticmethod
    def _reaped() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return usage.ru_utime + usage.ru_stime

    def start(self) -> None:
        self._start = (_busy_ticks(), self._ours(), self._reaped())

    def stop(self, seconds: float) -> dict[str, float]:
        assert self._start is not None
        busy0, ours0, reaped0 = self._start
        ours1 = self._ours()
        ours = sum(ticks - ours0.get(pid, 0) for pid, ticks in ours1.items()) / CLOCK_TICKS
        ours += self._reaped() - reaped0
        busy = (_busy_ticks() - busy0) / CLOCK_TICKS
        cores = os.cpu_count() or 1
        return {
            "machine_busy_pct": round(100 * busy / (seconds * cores), 1),
            "others_pct": round(max(busy - ours, 0.0) * 100 / (seconds * cores), 1),
        }
