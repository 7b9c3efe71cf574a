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

Then, at 8 connections, token validation and logins (TOKEN_SCENARIOS), and the data-scale
curve (SCALE_SCENARIOS): the entries table grown size by size with other users' entries,
each size's query plans caught with auto_explain, then measured.

Each measured stretch follows a short warm-up at the same connection count; the user
service's introspection counter is read before and after it, and so is the CPU time of
every part of the stack (hours, user, docs, Traefik, Postgres), of wrk and of this driver.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import jwt
import psycopg
import requests
from timekeeper_dev.accounts import Account

from bench import load, machine, plans, profile, report, seed

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "bench" / "runs"
RESULTS = ROOT / "bench" / "RESULTS.md"

LIST_PATH = "/api/hours/v1/entries"
NAIVE_PATH = "/api/hours/bench/naive-entries"
HEALTH_PATH = "/api/hours/health/live"
ENTRY_PATH = "/api/hours/v1/entries/{entry}"
CONNECTIONS = (8, 50)
#: fresh tokens minted per measured second of the fresh-token scenario (above its req/s)
FRESH_TOKENS_PER_SECOND = 250
PROFILE_SECONDS = 10
# What a deployment runs with (CONTRIBUTING.md defaults): one JSON log line per request.
DEPLOYED_LOGGING = {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    via: str  # "direct" (the hours service's own port), "gateway" or "user" (the user service's port)
    path: str
    auth: bool
    hours: str  # the hours process it needs: "deployed" (auth cache on) or "cache-off"
    admin: bool = False  # the admin's token rather than the bench user's
    # each request sends the next line of a file: "fresh-tokens" as its bearer token (one
    # fresh token per request), any other name as its form body (see Bench.items)
    items: str = ""
    connections: int = 0  # when not 0: this many connections, whatever the others run at


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

MONTH_QUERY = "from={month_from}&to={month_to}"
# The data-scale curve: the same requests at every table size, through the gateway, cached auth.
SCALE_SCENARIOS = (
    Scenario("list", "list page 1", "gateway", LIST_PATH, True, "deployed"),
    Scenario("month", "list, one month", "gateway", f"{LIST_PATH}?{MONTH_QUERY}", True, "deployed"),
    Scenario("entry", "one entry by id", "gateway", ENTRY_PATH, True, "deployed"),
    Scenario(
        "report",
        "month report by day",
        "gateway",
        "/api/hours/v1/reports?group_by=day&start_date={month_start}&end_date={month_end}",
        True,
        "deployed",
    ),
    Scenario(
        "export",
        "month CSV export",
        "gateway",
        f"/api/hours/v1/entries/export?{MONTH_QUERY}",
        True,
        "deployed",
    ),
    # The API has no list of every user's entries: an admin reads one user's with ?user=.
    Scenario(
        "admin",
        "admin's list (?user=)",
        "gateway",
        f"{LIST_PATH}?user={{user}}",
        True,
        "deployed",
        admin=True,
    ),
)
#: the five whose work is the caller's rows only: their req/s should not fall with the table
PER_USER = ("list", "month", "entry", "report", "export")
SIZES = (10_000, 100_000, 1_000_000)

INTROSPECT_PATH = "/internal/v1/introspect"
LOGIN_CONNECTIONS = 1
TOKEN_PATH = "/api/users/v1/token"
# Token validation and logins: the user service's own port (as the hours service calls it).
TOKEN_SCENARIOS = (
    Scenario("user-health", "user health, direct", "user", "/api/users/health/live", False, "deployed"),
    Scenario(
        "introspect-valid",
        "introspection, valid token",
        "user",
        INTROSPECT_PATH,
        False,
        "deployed",
        items="valid",
    ),
    Scenario(
        "introspect-revoked",
        "introspection, revoked token",
        "user",
        INTROSPECT_PATH,
        False,
        "deployed",
        items="revoked",
    ),
    Scenario(
        "introspect-expired",
        "introspection, expired token",
        "user",
        INTROSPECT_PATH,
        False,
        "deployed",
        items="expired",
    ),
    Scenario(
        "introspect-garbage",
        "introspection, garbage token",
        "user",
        INTROSPECT_PATH,
        False,
        "deployed",
        items="garbage",
    ),
    Scenario(
        "fresh",
        "list via gateway, a fresh token per request",
        "gateway",
        LIST_PATH,
        True,
        "deployed",
        items="fresh-tokens",
    ),
    # One login at a time: the user service hashes one password at a time per worker
    # (PASSWORD_HASH_CONCURRENCY) and answers 503 busy to a login that waits too long for it;
    # keep-alive connections stay on the worker that took them, so even two can queue on one.
    Scenario(
        "login",
        "login (password grant), direct",
        "user",
        TOKEN_PATH,
        False,
        "deployed",
        items="login",
        connections=LOGIN_CONNECTIONS,
    ),
)


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
        self.admin_token = ""
        self.variant = ""
        self.entry_id = 0  # the newest entry, read by (e)
        self.month = month_params(datetime.now(UTC))
        #: request files for Scenario.items: name -> one file per round
        self.items: dict[str, list[Path]] = {}

    def parts(self) -> dict[str, int]:
        """The stack's parts whose CPU the report splits out: name -> root process id."""
        names = {"hours": "hours", "user": "user", "traefik": "Traefik"}
        return {
            **{label: self.stack.processes[name].popen.pid for name, label in names.items()},
            "Postgres": postmaster_pid(self.stack),
        }

    def url(self, scenario: Scenario) -> str:
        base = {
            "gateway": self.stack.base_url,
            "direct": f"http://127.0.0.1:{self.hours.port}",
            "user": self.user_url,
        }[scenario.via]
        return base + scenario.path.format(entry=self.entry_id, user=self.user.id, **self.month)

    def headers(self, scenario: Scenario) -> dict[str, str]:
        if scenario.path == INTROSPECT_PATH:
            env = self.stack.processes["user"].env
            client = (env["INTROSPECTION_CLIENT_ID"], env["INTROSPECTION_CLIENT_SECRET"])
            return {"Authorization": "Basic " + base64.b64encode(":".join(client).encode()).decode()}
        if not scenario.auth:
            return {}
        return {"Authorization": f"Bearer {self.admin_token if scenario.admin else self.token}"}

    def items_for(self, scenario: Scenario, round_: int) -> tuple[Path | None, str]:
        if not scenario.items:
            return None, "body"
        files = self.items[scenario.items]
        return files[round_ % len(files)], ("token" if scenario.items == "fresh-tokens" else "body")

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
        self.admin_token = seed.login(self.user_url, self.stack.admin_username, self.stack.admin_password)[
            "access_token"
        ]
        self.variant = variant

    def measure_rounds(
        self, phase_connections: int, scenarios: tuple[Scenario, ...] = SCENARIOS
    ) -> dict[str, dict[str, object]]:
        """Measure every scenario in interleaved rounds, so that they all see the same
        background load on a shared machine: ``rounds`` times, each scenario gets a warm-up
        and then ``seconds / rounds`` of measured load; the hours process is restarted when
        the next scenario needs the other auth cache setting."""
        rounds: dict[str, list[tuple[load.WrkResult, float, dict[str, float]]]] = {
            s.key: [] for s in scenarios
        }
        for round_ in range(self.rounds):
            for scenario in scenarios:
                if scenario.hours != self.variant:
                    self.start_hours(scenario.hours)
                url, headers = self.url(scenario), self.headers(scenario)
                connections = scenario.connections or phase_connections
                items, kind = self.items_for(scenario, round_)
                if kind == "token":  # warm up with the cached token: the fresh ones are sent once each
                    cached = {"Authorization": f"Bearer {self.token}"}
                    load.wrk(url, connections=connections, seconds=self.warmup, headers=cached)
                else:
                    load.wrk(
                        url,
                        connections=connections,
                        seconds=self.warmup,
                        headers=headers,
                        items=items,
                        item_kind=kind,
                    )
                before = self.settled_introspections()
                self.cpu.start()
                result = load.wrk(
                    url,
                    connections=connections,
                    seconds=self.seconds / self.rounds,
                    headers=headers,
                    items=items,
                    item_kind=kind,
                )
                cpu = self.cpu.stop(result.seconds)
                rounds[scenario.key].append((result, self.introspections() - before, cpu))
        measured = {}
        for scenario in scenarios:
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
                f"{scenario.title} @ {combined['connections']}: {combined['rps']} req/s, "
                f"p99 {combined['p99_ms']} ms, {combined['busy']} busy (503), "
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

    def capture_plans(self, scenarios: tuple[Scenario, ...]) -> dict[str, list[dict[str, object]]]:
        """The query plans each scenario's request gets (bench.plans): auto_explain on for the
        hours role, one request per scenario, off again; the hours process restarted around it."""
        postgres = self.stack.postgres
        role = "hours"
        plans.configure(postgres.url(), role, on=True)
        captured: dict[str, list[dict[str, object]]] = {}
        try:
            self.start_hours("deployed")
            tail = plans.LogTail(postgres.logfile)
            for scenario in scenarios:
                tail.read()
                response = requests.get(self.url(scenario), headers=self.headers(scenario), timeout=30)
                response.raise_for_status()
                time.sleep(0.3)  # the server writes its log lines after answering
                captured[scenario.key] = plans.summary(plans.read_plans(tail.read()))
        finally:
            plans.configure(postgres.url(), role, on=False)
            self.start_hours("deployed")
        return captured

    def mint_fresh_tokens(self, count: int) -> list[str]:
        """``count`` access tokens, each new: refresh-token rotation (no argon2) on four chains."""
        chains = 4
        per_chain = -(-count // chains)
        # The chains' logins one after the other: the user service hashes one password at a
        # time per worker and answers 503 busy to logins that wait too long for it.
        starts = [
            seed.login(self.user_url, self.user.username, self.user.password)["refresh_token"]
            for _ in range(chains)
        ]

        def chain(refresh: str) -> list[str]:
            tokens = []
            with requests.Session() as session:
                for _ in range(per_chain):
                    response = session.post(
                        self.user_url + TOKEN_PATH,
                        data={"grant_type": "refresh_token", "refresh_token": refresh},
                        timeout=10,
                    )
                    response.raise_for_status()
                    pair = response.json()
                    tokens.append(pair["access_token"])
                    refresh = pair["refresh_token"]
            return tokens

        with ThreadPoolExecutor(chains) as pool:
            return [token for tokens in pool.map(chain, starts) for token in tokens][:count]

    def prepare_token_items(self) -> dict[str, object]:
        """The request files of TOKEN_SCENARIOS: introspection bodies (a valid token, a revoked
        one, an expired one, garbage), login bodies, and per round its own share of fresh tokens."""
        folder = self.stack.dir  # the stack's own temporary directory: tokens stay out of the tree
        revoked = seed.access_token(self.user_url, self.user)
        requests.post(
            self.user_url + TOKEN_PATH + "/revoke",
            data={"token": revoked, "token_type_hint": "access_token"},
            timeout=10,
        ).raise_for_status()
        bodies = {
            "valid": {"token": self.token},
            "revoked": {"token": revoked},
            "expired": {"token": self.expired_token()},
            "garbage": {"token": "not-a-token"},
            "login": {
                "grant_type": "password",
                "username": self.user.username,
                "password": self.user.password,
            },
        }
        for name, body in bodies.items():
            path = folder / f"items-{name}.txt"
            path.write_text(urlencode(body) + "\n")
            self.items[name] = [path]
        # Enough for each round at a few hundred requests per second; a share that runs out
        # starts again, and its introspections per request then fall below 1 (reported).
        per_round = max(500, int(FRESH_TOKENS_PER_SECOND * self.seconds / self.rounds))
        started = time.monotonic()
        tokens = self.mint_fresh_tokens(per_round * self.rounds)
        minted = time.monotonic() - started
        self.items["fresh-tokens"] = []
        for round_ in range(self.rounds):
            path = folder / f"items-fresh-{round_}.txt"
            path.write_text("\n".join(tokens[round_ * per_round : (round_ + 1) * per_round]) + "\n")
            self.items["fresh-tokens"].append(path)
        log(f"minted {len(tokens)} fresh tokens by refresh-token rotation in {minted:.0f} s")
        return {"fresh_tokens_per_round": per_round, "mint_seconds": round(minted, 1)}

    def expired_token(self) -> str:
        """The bench user's access token as it was an hour after it expired: its claims with
        ``iat``/``exp`` in the past, signed with the user service's key. The same claims with
        their own times must introspect as active, so that only the expiry makes it inactive."""
        key = self.stack.processes["user"].env["JWT_SIGNING_KEY"]
        claims = jwt.decode(self.token, options={"verify_signature": False})
        lifetime = claims["exp"] - claims["iat"]
        resigned = jwt.encode(claims, key, algorithm="HS256")
        past = int(time.time()) - 3600
        expired = jwt.encode({**claims, "iat": past - lifetime, "exp": past}, key, algorithm="HS256")
        for token, active in ((resigned, True), (expired, False)):
            answer = requests.post(
                self.user_url + INTROSPECT_PATH,
                data={"token": token},
                headers=self.headers(TOKEN_SCENARIOS[1]),
                timeout=10,
            ).json()
            if answer["active"] is not active:
                raise RuntimeError(f"the re-signed token introspects as {answer}, not active={active}")
        return expired

    def cleanup_items(self) -> None:
        for files in self.items.values():
            for path in files:
                path.unlink(missing_ok=True)

    def argon2_parameters(self) -> str:
        """The argon2 parameters of the bench user's stored hash (what a login really pays)."""
        with psycopg.connect(self.stack.processes["user"].env["DATABASE_URL"]) as conn:
            (stored,) = conn.execute(
                "SELECT password_hash FROM users WHERE username = %s", [self.user.username]
            ).fetchone()
        variant, version, params = stored.split("$")[1:4]
        return f"{variant} {version}, {params} (m: memory in KiB, t: passes, p: lanes)"

    def same_page(self) -> dict[str, object]:
        """The naive page and the service's page carry the same entries, field for field."""
        headers = {"Authorization": f"Bearer {self.token}"}
        base = f"http://127.0.0.1:{self.hours.port}"
        ours = requests.get(base + LIST_PATH, headers=headers, timeout=10).json()
        naive = requests.get(base + NAIVE_PATH, headers=headers, timeout=10).json()
        # the service's page is Timekeeper's envelope, the naive one DRF's
        same = ours["total"] == naive["count"] and ours["items"] == naive["results"]
        if not same:
            raise RuntimeError(
                "the naive page differs from the service's page; the baseline is not comparable"
            )
        self.entry_id = ours["items"][0]["id"]
        return {"count": ours["total"], "page_entries": len(ours["items"]), "identical": same}


def month_params(now: datetime) -> dict[str, str]:
    """The last whole calendar month before ``now`` (UTC): the bench user has entries in it."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (first - timedelta(days=1)).replace(day=1)
    return {
        "month_from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "month_to": first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "month_start": start.date().isoformat(),
        "month_end": (first - timedelta(days=1)).date().isoformat(),
    }


def postmaster_pid(stack) -> int:
    return int((stack.postgres.data / "postmaster.pid").read_text().split()[0])


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def code_state() -> dict[str, object]:
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "hours_uncommitted": bool(git("status", "--porcelain", "--", "services/hours")),
    }


def run(seconds: float, warmup: float, rounds: int, sizes: tuple[int, ...] = SIZES) -> dict[str, object]:
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
                "sizes": list(sizes),
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
        # Token validation and logins, at 8 connections (the table size does not matter to them).
        data["tokens"] = {
            "argon2": bench.argon2_parameters(),
            **bench.prepare_token_items(),
            "scenarios": {
                s.key: {"title": s.title, "via": s.via, "path": s.path, "runs": {}} for s in TOKEN_SCENARIOS
            },
        }
        try:
            for key, measured in bench.measure_rounds(8, TOKEN_SCENARIOS).items():
                data["tokens"]["scenarios"][key]["runs"]["8"] = measured
        finally:
            bench.cleanup_items()
        # The data-scale curve: the table grown between sizes, never reloaded.
        scale: dict[str, object] = {
            "titles": {s.key: s.title for s in SCALE_SCENARIOS},
            "paths": {s.key: s.path for s in SCALE_SCENARIOS},
            "month": bench.month,
            "sizes": {},
        }
        data["scale"] = scale
        for size in sizes:
            started_growth = time.monotonic()
            rows = seed.grow_entries(bench.hours.env["DATABASE_URL"], total=size)
            grown = time.monotonic() - started_growth
            log(f"entries table at {rows:,} rows ({grown:.0f} s to grow and VACUUM ANALYZE)")
            captured = bench.capture_plans(SCALE_SCENARIOS)
            scale["sizes"][str(size)] = {
                "rows": rows,
                "grow_seconds": round(grown, 1),
                "plans": captured,
                "scenarios": bench.measure_rounds(8, SCALE_SCENARIOS),
            }
        data["loadavg_after"] = os.getloadavg()
    finally:
        stack.stop()
    data["wall_seconds"] = round(time.monotonic() - started)
    return data


def parse_sizes(text: str) -> tuple[int, ...]:
    """``10000,100000`` -> (10000, 100000): rising, the first the bench user's own 10,000."""
    sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    limit = seed.ENTRIES + seed.OTHER_USERS * seed.OTHER_SLOTS
    if not sizes or sizes[0] != seed.ENTRIES or list(sizes) != sorted(set(sizes)) or sizes[-1] > limit:
        raise argparse.ArgumentTypeError(
            f"sizes must rise, start at {seed.ENTRIES} and stay at most {limit}: {text!r}"
        )
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "15")))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", "1")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(os.environ.get("BENCH_SIZES", ",".join(map(str, SIZES)))),
        help="entries table sizes of the data-scale curve, comma-separated, rising, from 10000",
    )
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
        data = run(args.seconds, args.warmup, args.rounds, args.sizes)
        (RUNS / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    if args.save_baseline:
        for name in ("latest.json", *(f"latest-profile-{p}.txt" for p in data["profiles"])):
            shutil.copyfile(RUNS / name, RUNS / name.replace("latest", "baseline"))
    baseline = RUNS / "baseline.json"
    RESULTS.write_text(report.render(data, json.loads(baseline.read_text()) if baseline.exists() else None))
    log(f"wrote {RESULTS.relative_to(ROOT)} from the run of {data['started_at']}")
    return 0
