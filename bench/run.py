"""The benchmark: the local stack, 10,000 entries, wrk on every scenario, RESULTS.md.

The hours process runs under ``bench.naive_hours.settings``: the service's own settings and
URLs, plus one route for the naive DRF baseline, so the list endpoint and its baseline are
served by the same process. At 8, then at 50 connections, every scenario is measured in
interleaved rounds (a machine shared with other work drifts; interleaving spreads that
drift over all of them): (a) the list direct, (b) the list through the gateway, the naive
page through the gateway and direct, (d) health through the gateway, (e) one entry through
the gateway, then (c) the list through the gateway with the hours process restarted on the
same port with ``AUTH_CACHE_SECONDS=0`` (the gateway's route stays as it is), then the next
round with the deployed process again. After the 8-connection rounds py-spy profiles (b) and
the naive page.

Each measured stretch follows a short warm-up at the same connection count; the user
service's introspection counter is read before and after it, and so is the CPU time of
every part of the stack (hours, user, docs, Traefik, Postgres), of wrk and of this driver.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from timekeeper_dev.accounts import Account

from bench import load, machine, profile, report, seed

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "bench" / "runs"
RESULTS = ROOT / "bench" / "RESULTS.md"

LIST_PATH = "/api/hours/v1/entries"
NAIVE_PATH = "/api/hours/bench/naive-entries"
HEALTH_PATH = "/api/hours/health/live"
ENTRY_PATH = "/api/hours/v1/entries/{entry}"
CONNECTIONS = (8, 50)
PROFILE_SECONDS = 10
# What a deployment runs with (CONTRIBUTING.md defaults): one JSON log line per request.
DEPLOYED_LOGGING = {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    via: str  # "direct" (the hours service's own port) or "gateway"
    path: str
    auth: bool
    hours: str  # the hours process it needs: "deployed" (auth cache on) or "cache-off"


SCENARIOS = (
    Scenario("a", "(a) list, direct", "direct", LIST_PATH, True, "deployed"),
    Scenario("b", "(b) list via gateway", "gateway", LIST_PATH, True, "deployed"),
    Scenario("naive", "naive DRF page via gateway", "gateway", NAIVE_PATH, True, "deployed"),
    Scenario("naive-direct", "naive DRF page, direct", "direct", NAIVE_PATH, True, "deployed"),
    Scenario("d", "(d) health via gateway", "gateway", HEALTH_PATH, False, "deployed"),
    # Not in the issue: the simplest authenticated read (one row by primary key), the floor
    # under any endpoint of the service that reads the database.
    Scenario("e", "(e) one entry via gateway", "gateway", ENTRY_PATH, True, "deployed"),
    Scenario("c", "(c) list via gateway, auth cache off", "gateway", LIST_PATH, True, "cache-off"),
)
PROFILED = {"b": "list", "naive": "naive"}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, stack, user: Account, seconds: float, warmup: float, rounds: int) -> None:
        self.stack = stack
        self.user = user
        self.seconds = seconds
        self.warmup = warmup
        self.rounds = rounds
        self.hours = stack.processes["hours"]
        self.user_url = f"http://127.0.0.1:{stack.processes['user'].port}"
        self.cpu = machine.CpuMeter(parts=self.parts)
        self.token = ""
        self.variant = ""
        self.entry_id = 0  # the newest entry, read by (e)

    def parts(self) -> dict[str, int]:
        """The stack's parts whose CPU the report splits out: name -> root process id."""
        names = {"hours": "hours", "user": "user", "traefik": "Traefik"}
        return {
            **{label: self.stack.processes[name].popen.pid for name, label in names.items()},
            "Postgres": postmaster_pid(self.stack),
        }

    def url(self, scenario: Scenario) -> str:
        base = self.stack.base_url if scenario.via == "gateway" else f"http://127.0.0.1:{self.hours.port}"
        return base + scenario.path.format(entry=self.entry_id)

    def headers(self, scenario: Scenario) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if scenario.auth else {}

    def introspections(self) -> float:
        text = requests.get(f"{self.user_url}/internal/v1/metrics", timeout=10).text
        for line in text.splitlines():
            if line.startswith("timekeeper_introspection_requests_total "):
                return float(line.split()[1])
        raise RuntimeError(
            f"no timekeeper_introspection_requests_total in the user service's metrics:\n{text}"
        )

    def settled_introspections(self) -> float:
        """The counter once requests still queued from a warm-up have been served."""
        last = self.introspections()
        for _ in range(20):
            time.sleep(0.5)
            now = self.introspections()
            if now == last:
                return now
            last = now
        return last

    def start_hours(self, variant: str) -> None:
        """(Re)start the hours process on its port: the service plus the naive route, with the
        deployed auth cache or (``cache-off``) none; then a fresh token for the runs."""
        env = dict(self.hours.env)
        env["DJANGO_SETTINGS_MODULE"] = "bench.naive_hours.settings"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env["AUTH_CACHE_SECONDS"] = "0" if variant == "cache-off" else str(self.stack.auth_cache_seconds)
        self.hours.stop()
        self.hours.env = env
        self.hours.start()
        self.stack.wait_ready(paths=("/api/hours/health/ready",))
        self.token = seed.access_token(self.user_url, self.user)
        self.variant = variant

    def measure_rounds(self, connections: int) -> dict[str, dict[str, object]]:
        """Measure every scenario in interleaved rounds, so that they all see the same
        background load on a shared machine: ``rounds`` times, each scenario gets a warm-up
        and then ``seconds / rounds`` of measured load; the hours process is restarted when
        the next scenario needs the other auth cache setting."""
        rounds: dict[str, list[tuple[load.WrkResult, float, dict[str, float]]]] = {
            s.key: [] for s in SCENARIOS
        }
        for _ in range(self.rounds):
            for scenario in SCENARIOS:
                if scenario.hours != self.variant:
                    self.start_hours(scenario.hours)
                url, headers = self.url(scenario), self.headers(scenario)
                load.wrk(url, connections=connections, seconds=self.warmup, headers=headers)
                before = self.settled_introspections()
                self.cpu.start()
                result = load.wrk(
                    url, connections=connections, seconds=self.seconds / self.rounds, headers=headers
                )
                cpu = self.cpu.stop(result.seconds)
                rounds[scenario.key].append((result, self.introspections() - before, cpu))
        measured = {}
        for scenario in SCENARIOS:
            results = [r for r, _, _ in rounds[scenario.key]]
            calls = sum(c for _, c, _ in rounds[scenario.key])
            combined = load.combine(results)
            cpu_seconds: dict[str, float] = {}
            for _, _, cpu in rounds[scenario.key]:
                for part, value in cpu["cpu_seconds"].items():
                    cpu_seconds[part] = cpu_seconds.get(part, 0.0) + value
            measured[scenario.key] = {
                **combined,
                "introspections": calls,
                "introspections_per_request": calls / combined["requests"] if combined["requests"] else None,
                "cpu_ms_per_request": {
                    part: round(1000 * value / combined["requests"], 2) if combined["requests"] else None
                    for part, value in cpu_seconds.items()
                },
                **{
                    name: round(statistics.fmean(cpu[name] for _, _, cpu in rounds[scenario.key]), 1)
                    for name in ("machine_busy_pct", "others_pct")
                },
                "rounds": [r.as_dict() for r in results],
            }
            log(
                f"{scenario.title} @ {connections}: {combined['rps']} req/s, p99 {combined['p99_ms']} ms, "
                f"{combined['errors']} errors, {calls:g} introspections"
            )
        return measured

    def profile(self, scenario: Scenario, name: str) -> dict[str, object]:
        """py-spy on the hours workers while wrk drives ``scenario`` at 8 connections."""
        url, headers = self.url(scenario), self.headers(scenario)
        load.wrk(url, connections=8, seconds=self.warmup, headers=headers)
        raw = RUNS / f"latest-profile-{name}.raw"
        driver = threading.Thread(
            target=load.wrk,
            args=(url,),
            kwargs={"connections": 8, "seconds": PROFILE_SECONDS + 2, "headers": headers},
        )
        driver.start()
        time.sleep(1)
        profile.record(self.hours.popen.pid, PROFILE_SECONDS, raw)
        driver.join()
        result = profile.Profile.read(raw).as_dict()
        raw.unlink()
        title = f"py-spy: {scenario.title} at 8 connections, {PROFILE_SECONDS} s at {profile.RATE} Hz"
        (RUNS / f"latest-profile-{name}.txt").write_text(profile.as_text(title, result))
        log(f"profiled {scenario.title}: {result['samples']} samples")
        return {"scenario": scenario.key, "title": title, **result}

    def same_page(self) -> dict[str, object]:
        """The naive page and the service's page carry the same entries, field for field."""
        headers = {"Authorization": f"Bearer {self.token}"}
        base = f"http://127.0.0.1:{self.hours.port}"
        ours = requests.get(base + LIST_PATH, headers=headers, timeout=10).json()
        naive = requests.get(base + NAIVE_PATH, headers=headers, timeout=10).json()
        same = ours["count"] == naive["count"] and ours["results"] == naive["results"]
        if not same:
            raise RuntimeError(
                "the naive page differs from the service's page; the baseline is not comparable"
            )
        self.entry_id = ours["results"][0]["id"]
        return {"count": ours["count"], "page_entries": len(ours["results"]), "identical": same}


def postmaster_pid(stack) -> int:
    return int((stack.postgres.data / "postmaster.pid").read_text().split()[0])


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def code_state() -> dict[str, object]:
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "hours_uncommitted": bool(git("status", "--porcelain", "--", "services/hours")),
    }


def run(seconds: float, warmup: float, rounds: int) -> dict[str, object]:
    from timekeeper_dev.stack.local import LocalStack
    from timekeeper_dev.traefik import traefik_bin

    os.environ.update(DEPLOYED_LOGGING)
    started = time.monotonic()
    RUNS.mkdir(exist_ok=True)
    stack = LocalStack()
    log("starting the local stack (Postgres, user, hours, docs, Traefik)")
    try:
        stack.start()
        user = seed.register(stack.base_url)
        bench = Bench(stack, user, seconds, warmup, rounds)
        count = seed.seed_entries(
            gateway=stack.base_url,
            database_url=bench.hours.env["DATABASE_URL"],
            user=user,
            token=seed.access_token(bench.user_url, user),
        )
        log(f"seeded {count} entries for {user.username}")
        data: dict[str, object] = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "code": code_state(),
            "machine": machine.machine(),
            "loadavg_before": os.getloadavg(),
            "versions": machine.versions(
                traefik=traefik_bin(), database_url=bench.hours.env["DATABASE_URL"], wrk=load.wrk_version()
            ),
            "settings": {
                "seconds": seconds,
                "warmup": warmup,
                "rounds": rounds,
                "connections": list(CONNECTIONS),
                "wrk_threads": load.THREADS,
                "workers": stack.workers,
                "threads_per_worker": int(bench.hours.env.get("GUNICORN_THREADS", "4")),
                "entries": count,
                "auth_cache_seconds": stack.auth_cache_seconds,
                **DEPLOYED_LOGGING,
            },
            "profiles": {},
        }
        scenarios: dict[str, dict[str, object]] = {
            s.key: {"title": s.title, "via": s.via, "path": s.path, "runs": {}} for s in SCENARIOS
        }
        data["scenarios"] = scenarios
        bench.start_hours("deployed")
        data["naive_check"] = bench.same_page()
        for connections in CONNECTIONS:
            for key, measured in bench.measure_rounds(connections).items():
                scenarios[key]["runs"][str(connections)] = measured
            if connections == CONNECTIONS[0]:
                for scenario in SCENARIOS:
                    if scenario.key in PROFILED:
                        if scenario.hours != bench.variant:
                            bench.start_hours(scenario.hours)
                        data["profiles"][PROFILED[scenario.key]] = bench.profile(
                            scenario, PROFILED[scenario.key]
                        )
        data["loadavg_after"] = os.getloadavg()
    finally:
        stack.stop()
    data["wall_seconds"] = round(time.monotonic() - started)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "15")))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", "1")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument(
        "--save-baseline",
        action="store_true",
        help="keep this run as the baseline later runs are compared with (bench/runs/baseline.*)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="run nothing: write RESULTS.md again from bench/runs/latest.json",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        data = json.loads((RUNS / "latest.json").read_text())
    else:
        data = run(args.seconds, args.warmup, args.rounds)
        (RUNS / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    if args.save_baseline:
        for name in ("latest.json", *(f"latest-profile-{p}.txt" for p in data["profiles"])):
            shutil.copyfile(RUNS / name, RUNS / name.replace("latest", "baseline"))
    baseline = RUNS / "baseline.json"
    RESULTS.write_text(report.render(data, json.loads(baseline.read_text()) if baseline.exists() else None))
    log(f"wrote {RESULTS.relative_to(ROOT)} from the run of {data['started_at']}")
    return 0
