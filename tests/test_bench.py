"""bench/: the CPU accounting and what the report concludes from a run's figures."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time

import pytest

from bench import machine, report


def _scenario(title: str, rps: float, p99: float, cpu: dict[str, float] | None) -> dict:
    run = {
        "rps": rps,
        "requests": int(rps * 15),
        "p50_ms": p99 / 2,
        "p95_ms": p99 * 0.9,
        "p99_ms": p99,
        "errors": 0,
        "status_errors": 0,
        "socket_errors": 0,
        "introspections": 0,
        "introspections_per_request": 0.0,
        "others_pct": 0.0,
        "machine_busy_pct": 100.0,
    }
    if cpu is not None:
        run["cpu_ms_per_request"] = cpu
    return {"title": title, "via": "gateway", "path": "/x", "runs": {"8": run, "50": dict(run)}}


def _run(*, b_p99: float = 120.0, cpu: bool = True, with_e: bool = True) -> dict:
    def parts(hours: float) -> dict[str, float] | None:
        return {"hours": hours, "Postgres": 2.5, "Traefik": 1.0, "wrk": 0.5} if cpu else None

    scenarios = {
        "a": _scenario("(a) list, direct", 170, 110, parts(7)),
        "b": _scenario("(b) list via gateway", 150, b_p99, parts(6)),
        "naive": _scenario("naive DRF page via gateway", 90, 200, parts(15)),
        "naive-direct": _scenario("naive DRF page, direct", 95, 210, parts(15)),
        "d": _scenario("(d) health via gateway", 700, 40, parts(0.5)),
        "c": _scenario("(c) list via gateway, auth cache off", 70, 210, parts(12)),
    }
    if with_e:
        scenarios["e"] = _scenario("(e) one entry via gateway", 350, 60, parts(3))
    return {
        "started_at": "2026-11-28T00:00:00+00:00",
        "wall_seconds": 300,
        "code": {"commit": "abc1234", "hours_uncommitted": False},
        "machine": {"cores": 2, "cpu": "test CPU", "ram_gib": 1.0, "kernel": "test"},
        "loadavg_before": [0.1, 0, 0],
        "loadavg_after": [1.0, 0, 0],
        "versions": {"python": "3.11"},
        "settings": {
            "seconds": 15,
            "warmup": 1,
            "rounds": 3,
            "connections": [8, 50],
            "wrk_threads": 2,
            "workers": 2,
            "threads_per_worker": 4,
            "entries": 10000,
            "auth_cache_seconds": 30,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        },
        "profiles": {},
        "scenarios": scenarios,
    }


def test_cpu_floor_is_cores_over_the_cpu_each_request_costs() -> None:
    # (b): 6 + 2.5 + 1 + 0.5 = 10 ms of CPU per request; 2 cores -> 200 req/s at most;
    # 8 connections, each always waiting on one request -> 8 / 200 s = 40 ms mean at best.
    floor = report.cpu_floor(_run(), "b", 8)
    assert floor is not None
    assert floor["total_ms"] == pytest.approx(10.0)
    assert floor["ceiling_rps"] == pytest.approx(200.0)
    assert floor["mean_ms"] == pytest.approx(40.0)


def test_a_run_from_before_the_cpu_accounting_still_renders() -> None:
    data = _run(cpu=False, with_e=False)
    assert report.cpu_floor(data, "b", 8) is None
    text = report.render(data)
    assert "## Where the CPU goes" not in text
    assert "(b) p99 = 120.0 ms |" in text
    assert "(e)" not in text


@pytest.mark.parametrize(("p99", "verdict"), [(50.0, True), (50.1, False)])
def test_the_p99_target_is_met_at_50_ms_or_less(p99: float, verdict: bool) -> None:
    (row,) = [t for t in report.targets(_run(b_p99=p99)) if t[0].startswith("p99")]
    assert row[2] is verdict
    assert f"(b) p99 = {p99:.1f} ms" in row[1]
    assert "10.0 ms of CPU per (b) request" in row[1]
    assert "at most 200 req/s" in row[1]
    assert "(e) one entry, had p99 = 60.0 ms" in row[1]


def test_the_report_has_one_cpu_row_per_scenario() -> None:
    text = report.render(_run())
    table = text.split("## Where the CPU goes", 1)[1].split("## Targets", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| (") or line.startswith("| naive")]
    assert len(rows) == 7
    assert "| (b) list via gateway | 6.00 | 2.50 | 1.00 | 0.50 | 10.00 | 200 | 150.0 | 40.0 |" in rows


def test_the_report_does_not_mix_up_runs() -> None:
    data = _run()
    other = copy.deepcopy(data)
    other["scenarios"]["b"]["runs"]["8"]["cpu_ms_per_request"]["hours"] = 16.0
    assert report.cpu_floor(other, "b", 8)["ceiling_rps"] == pytest.approx(100.0)
    assert report.cpu_floor(data, "b", 8)["ceiling_rps"] == pytest.approx(200.0)


def test_cpu_meter_charges_a_busy_process_tree_to_its_part(tmp_path) -> None:
    # A parent whose child spins for 0.4 s of CPU once told to, then idles: that CPU belongs
    # to the part rooted at the parent, not to the driver nor to an idle part.
    go, done = tmp_path / "go", tmp_path / "done"
    spin = (
        "import pathlib, sys, time\n"
        "go, done = map(pathlib.Path, sys.argv[1:])\n"
        "while not go.exists(): time.sleep(0.01)\n"
        "end = time.process_time() + 0.4\n"
        "while time.process_time() < end: pass\n"
        "done.touch()\n"
        "time.sleep(60)\n"
    )
    parent = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', sys.argv[1], *sys.argv[2:]])\n"
        "time.sleep(60)\n"
    )
    busy = subprocess.Popen([sys.executable, "-c", parent, spin, str(go), str(done)], start_new_session=True)
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.5)  # the interpreters have started (their start-up is not measured)
        meter = machine.CpuMeter(parts=lambda: {"busy": busy.pid, "idle": idle.pid})
        started = time.monotonic()
        meter.start()
        go.touch()
        deadline = time.monotonic() + 20
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        cpu = meter.stop(time.monotonic() - started)  # the span's real length: a loaded machine is slow
    finally:
        os.killpg(busy.pid, signal.SIGKILL)  # the parent and its spinning child
        idle.kill()
        for process in (busy, idle):
            process.wait()
    assert done.exists(), "the spinning child never finished"
    seconds = cpu["cpu_seconds"]
    assert set(seconds) == {"busy", "idle", "wrk", "driver"}
    assert 0.35 <= seconds["busy"] <= 1.0, seconds
    assert seconds["idle"] < 0.05, seconds
    assert seconds["wrk"] == 0.0, seconds
    assert 0 <= cpu["others_pct"] <= 100
