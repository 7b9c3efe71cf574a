"""One wrk run: its figures, parsed from the JSON line bench/report.lua prints."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("report.lua")
THREADS = 2
TIMEOUT = "10s"


@dataclass(frozen=True)
class WrkResult:
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int
    busy: int = 0  # 503 answers (counted with the status errors too), with BENCH_ITEMS only

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "errors": self.errors}


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    items: Path | None = None,
    item_kind: str = "body",
) -> WrkResult:
    """Drive ``url`` with wrk for ``seconds`` over ``connections`` keep-alive connections.

    With ``items`` (a file, one a line), each request sends the next one: as its bearer token
    (``item_kind="token"``, a GET) or as its form-encoded body (``"body"``, a POST)."""
    threads = min(THREADS, connections)
    env = dict(os.environ)
    if items is not None:
        env.update(
            BENCH_ITEMS=str(items), BENCH_ITEM_KIND=item_kind, BENCH_METHOD="POST", BENCH_THREADS=str(threads)
        )
    argv = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds:g}s",
        f"--timeout={TIMEOUT}",
        "--latency",
        f"--script={SCRIPT}",
    ]
    for name, value in (headers or {}).items():
        argv += ["--header", f"{name}: {value}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True, env=env).stdout
    line = next((line for line in out.splitlines() if line.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    secs = raw["duration_us"] / 1e6
    return WrkResult(
        connections=connections,
        requests=raw["requests"],
        seconds=round(secs, 2),
        rps=round(raw["requests"] / secs, 1),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        status_errors=raw["status_errors"],
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        busy=raw["busy"],
    )


def combine(results: list[WrkResult]) -> dict[str, float | int]:
    """One figure from several runs of one scenario: requests and errors add up, req/s is
    all requests over all the time, latency percentiles are the median over the runs (wrk
    gives percentiles, not its histogram), the max is the max."""
    seconds = sum(r.seconds for r in results)
    requests = sum(r.requests for r in results)
    status_errors = sum(r.status_errors for r in results)
    socket_errors = sum(r.socket_errors for r in results)
    return {
        "connections": results[0].connections,
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        **{
            name: round(statistics.median(getattr(r, name) for r in results), 1)
            for name in ("p50_ms", "p90_ms", "p95_ms", "p99_ms")
        },
        "max_ms": max(r.max_ms for r in results),
        "status_errors": status_errors,
        "socket_errors": socket_errors,
        "errors": status_errors + socket_errors,
        "busy": sum(r.busy for r in results),
    }


def wrk_version() -> str:
    # wrk -v prints "wrk <version> [epoll] Copyright ..." and its usage, and exits 1
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (out.stdout + out.stderr).split()
    return first[1] if len(first) > 1 else "unknown"
