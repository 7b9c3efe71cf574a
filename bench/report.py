"""bench/RESULTS.md, rendered from one run's figures (and the baseline run's, when kept)."""

from __future__ import annotations

from typing import Any

Run = dict[str, Any]

CACHED_AUTH = ("a", "b", "naive", "naive-direct")
TOP_FRAMES = 15
#: frames every request sample has (threads, gunicorn's dispatch): left out of the top lists
PLUMBING = ("threading.py", "concurrent/futures/thread.py", "gunicorn/workers/gthread.py")


def _run(data: Run, key: str, connections: int) -> dict[str, Any]:
    return data["scenarios"][key]["runs"][str(connections)]


def _rps(data: Run, key: str, connections: int) -> float:
    return _run(data, key, connections)["rps"]


def _ratio(data: Run, top: str, bottom: str, connections: int) -> float:
    below = _rps(data, bottom, connections)
    return round(_rps(data, top, connections) / below, 2) if below else 0.0


def cpu_floor(data: Run, key: str, connections: int) -> dict[str, Any] | None:
    """What the run's CPU accounting says about ``key`` at ``connections``: the CPU per request
    of the whole stack (wrk and the driver included), the most requests per second the
    machine's cores could serve at that cost, and the mean latency that leaves the
    connections (Little's law: each of them always has one request in flight)."""
    per_request = _run(data, key, connections).get("cpu_ms_per_request")
    if not per_request or None in per_request.values():
        return None
    total = sum(per_request.values())
    ceiling = data["machine"]["cores"] * 1000 / total
    return {
        "parts": per_request,
        "total_ms": total,
        "ceiling_rps": ceiling,
        "mean_ms": 1000 * connections / ceiling,
    }


def _met(ok: bool | None) -> str:
    if ok is None:
        return "reported"
    return "**met**" if ok else "**missed**"


#: the scale scenarios whose work is the caller's rows only, and the ratio they must keep
PER_USER = ("list", "month", "entry", "report", "export")
GROWTH_TARGET = 0.8
INTROSPECTION_TARGET = 0.5
LIST_CPU_TARGET = 2.5


def growth(data: Run, key: str) -> tuple[int, int, float] | None:
    """The scale scenario ``key``'s req/s at the largest size over its req/s at the smallest:
    (smallest, largest, ratio), or None without a curve of two sizes."""
    sizes = data.get("scale", {}).get("sizes", {})
    if len(sizes) < 2:
        return None
    first, last = sizes[min(sizes, key=int)], sizes[max(sizes, key=int)]
    below = first["scenarios"][key]["rps"]
    return first["rows"], last["rows"], last["scenarios"][key]["rps"] / below if below else 0.0


def _token_run(data: Run, key: str) -> dict[str, Any]:
    return data["tokens"]["scenarios"][key]["runs"]["8"]


def hours_cpu_ratio(data: Run) -> tuple[float, float, float] | None:
    """The hours process's CPU per (b) list request over its CPU per (d) health request."""
    list_cpu = _run(data, "b", 8).get("cpu_ms_per_request") or {}
    health_cpu = _run(data, "d", 8).get("cpu_ms_per_request") or {}
    if not list_cpu.get("hours") or not health_cpu.get("hours"):
        return None
    return list_cpu["hours"], health_cpu["hours"], list_cpu["hours"] / health_cpu["hours"]


def targets(data: Run) -> list[tuple[str, str, bool | None]]:
    """Each target: what it asks, this run's figure, met (True), missed (False) or only
    reported (None)."""
    rows: list[tuple[str, str, bool | None]] = []
    titles = data.get("scale", {}).get("titles", {})
    for key in PER_USER:
        found = growth(data, key) if key in titles else None
        if found is not None:
            first, last, ratio = found
            rows.append(
                (
                    f"Table growth: {titles[key]} keeps >= {GROWTH_TARGET} x its req/s",
                    f"{last:,} rows / {first:,} rows = {ratio:.2f}",
                    ratio >= GROWTH_TARGET,
                )
            )
    if "admin" in titles and growth(data, "admin") is not None:
        first, last, ratio = growth(data, "admin")
        rows.append(
            (
                f"Table growth: {titles['admin']} may grow (reported)",
                f"{last:,} rows / {first:,} rows = {ratio:.2f}; see the curve's notes",
                None,
            )
        )
    if "tokens" in data:
        valid, health = _token_run(data, "introspect-valid")["rps"], _token_run(data, "user-health")["rps"]
        ratio = valid / health if health else 0.0
        # The same check less its database read: how far the rest of the call leaves the target.
        expired = _token_run(data, "introspect-expired")["rps"]
        rows.append(
            (
                f"Introspection (valid token) >= {INTROSPECTION_TARGET} x the user service's health req/s, "
                "direct, 8 connections",
                f"{valid:.1f} / {health:.1f} req/s = {ratio:.2f}; an expired token, no database read: "
                f"{expired:.1f} = {expired / health if health else 0.0:.2f}",
                ratio >= INTROSPECTION_TARGET,
            )
        )
    cpu = hours_cpu_ratio(data)
    if cpu is not None:
        rows.append(
            (
                f"The list's hours CPU per request <= {LIST_CPU_TARGET} x the hours health endpoint's, "
                "both via gateway, 8 connections",
                f"(b) {cpu[0]:.2f} ms / (d) {cpu[1]:.2f} ms = {cpu[2]:.2f}",
                cpu[2] <= LIST_CPU_TARGET,
            )
        )
    per_request = [
        (key, c, _run(data, key, c)["introspections_per_request"]) for key in CACHED_AUTH for c in (8, 50)
    ]
    worst = max(per_request, key=lambda item: item[2] or 0.0)  # None: no request completed
    runs = [_run(data, key, c) for key in CACHED_AUTH for c in (8, 50)]
    pooled = sum(r["introspections"] for r in runs) / sum(r["requests"] for r in runs)
    errors_at_50 = {key: _run(data, key, 50)["errors"] for key in data["scenarios"]}
    b_over_a = _ratio(data, "b", "a", 8)
    b_over_naive = _ratio(data, "b", "naive", 8)
    rows += [
        (
            "With the cache: at most 0.01 introspection calls per request in steady state",
            f"{pooled:.4f} over every cached-auth run (a, b, naive, naive direct; 8 and 50 connections); "
            f"the most in one run: {worst[2] or 0.0:.4f} ({worst[0]} at {worst[1]} connections)",
            pooled <= 0.01,
        ),
        (
            "Gateway plus cached auth: (b) >= 0.85 x (a), 8 connections",
            f"(b)/(a) = {b_over_a}",
            b_over_a >= 0.85,
        ),
        (
            "List through the gateway >= 1.3 x the naive DRF page through the gateway, 8 connections",
            f"(b)/naive = {b_over_naive}",
            b_over_naive >= 1.3,
        ),
        (
            "No errors at 50 connections",
            ", ".join(f"{key}: {n}" for key, n in errors_at_50.items()),
            not any(errors_at_50.values()),
        ),
    ]
    return rows


def _cpu_cells(run: dict[str, Any], parts: list[str]) -> str:
    cpu = run.get("cpu_ms_per_request") or {}
    cells = [f"{cpu[part]:.2f}" if cpu.get(part) is not None else "" for part in parts]
    total = sum(value for value in cpu.values() if value is not None)
    return " | ".join([*cells, f"{total:.2f}"])


def _plan_cell(plans: list[dict[str, Any]]) -> str:
    """The scans of each query, ``;`` between queries; a sequential scan in bold."""
    shapes = []
    for plan in plans:
        scans = ", ".join(f"**{scan}**" if scan.startswith("Seq Scan") else scan for scan in plan["scans"])
        shapes.append(scans)
    return "; ".join(shapes).replace("|", "\\|") if shapes else "no table read"  # a filter may hold |


def _scale_section(data: Run) -> list[str]:
    scale = data["scale"]
    sizes = sorted(scale["sizes"], key=int)
    parts = ["hours", "user", "Traefik", "Postgres", "wrk", "driver"]
    month = scale["month"]
    lines = [
        f"The scenarios below at every size of the entries table ({', '.join(f'{int(n):,}' for n in sizes)} "
        "rows): the bench user keeps its 10,000 entries; the rows added belong to "
        "1,000 other users, spread over five years, copied in with `COPY` and `VACUUM ANALYZE`d "
        "before the size is measured (the table grows between sizes, nothing is reloaded). "
        f"All through the gateway with cached auth at 8 connections, in {data['settings']['rounds']} "
        f"interleaved rounds per size. The month is {month['month_start']} to {month['month_end']} "
        f"(`from={month['month_from']}&to={month['month_to']}`). The admin's list is the admin "
        "reading the bench user's entries with `?user=`: the API has no list of every user's "
        "entries.",
        "",
        "Plans: the queries each scenario's request ran, caught by `auto_explain` on the bench's "
        "own cluster (one request per scenario and size, before the measured runs), each query's "
        "table reads in plan order, `;` between queries; a sequential scan is in bold.",
        "",
        "| scenario | rows | req/s | / first size | p99 ms | errors | "
        + " | ".join(parts)
        + " | CPU ms total | other load | plan |",
        "|---|---:|---:|---:|---:|---:|" + "---:|" * (len(parts) + 2) + "---|",
    ]
    for key, title in scale["titles"].items():
        first_rps = scale["sizes"][sizes[0]]["scenarios"][key]["rps"]
        for size in sizes:
            at = scale["sizes"][size]
            run = at["scenarios"][key]
            ratio = run["rps"] / first_rps if first_rps else 0.0
            lines.append(
                f"| {title} | {at['rows']:,} | {run['rps']:.1f} | {ratio:.2f} | {run['p99_ms']:.1f} "
                f"| {run['errors']} | {_cpu_cells(run, parts)} | {run['others_pct']:.0f}% "
                f"| {_plan_cell(at['plans'].get(key, []))} |"
            )
    seq: dict[tuple[str, str], list[str]] = {}
    for size in sizes:
        for key, found in scale["sizes"][size]["plans"].items():
            for plan in found:
                if plan["seq_scan"]:
                    rows = f"{scale['sizes'][size]['rows']:,}"
                    seq.setdefault((scale["titles"][key], plan["query"][:200]), []).append(rows)
    lines += [
        "",
        "Rows grown per size (s, COPY and VACUUM ANALYZE): "
        + ", ".join(f"{scale['sizes'][n]['rows']:,}: {scale['sizes'][n]['grow_seconds']:g}" for n in sizes),
        "",
    ]
    if seq:
        lines += ["Queries read with a sequential scan:", ""]
        lines += [f"- {title} (at {', '.join(rows)} rows): `{query}`" for (title, query), rows in seq.items()]
        lines.append("")
    return lines


def _tokens_section(data: Run) -> list[str]:
    tokens = data["tokens"]
    parts = ["hours", "user", "Traefik", "Postgres", "wrk", "driver"]
    lines = [
        "Straight to the user service's port (as the hours service calls it) unless the path says "
        "the gateway, at the connection counts in the table, in interleaved rounds. Introspection: `POST "
        "/internal/v1/introspect` with the hours service's client credentials and a valid access "
        "token, one revoked by its `jti`, one expired (its claims re-signed an hour past their "
        "expiry), or garbage, sent by wrk with a Lua script "
        "(`bench/report.lua`). The fresh-token list: each request carries an access token never "
        f"sent before (minted by refresh-token rotation, {tokens['fresh_tokens_per_round']:,} per "
        f"round in {tokens['mint_seconds']:g} s; a round that runs out starts its share again), so "
        "each is a miss of the hours service's auth cache. Login: the token endpoint's password "
        f"grant; argon2 parameters of the stored hash: {tokens['argon2']}.",
        "",
        "| scenario | conn. | req/s | p50 ms | p99 ms | errors | of them 503 busy | introspections / request | "
        + " | ".join(parts)
        + " | CPU ms total | other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * (len(parts) + 2),
    ]
    for scenario in tokens["scenarios"].values():
        run = scenario["runs"]["8"]
        lines.append(
            f"| {scenario['title']} `{scenario['path']}` | {run['connections']} | {run['rps']:.1f} "
            f"| {run['p50_ms']:.1f} | {run['p99_ms']:.1f} | {run['errors']} | {run.get('busy', 0)} "
            f"| {run['introspections_per_request'] or 0.0:.4f} "
            f"| {_cpu_cells(run, parts)} | {run['others_pct']:.0f}% |"
        )
    lines.append("")
    login = logins(data)
    if login is not None:
        lines += [
            f"Logins: {login['per_second']:.1f} successful per second at {login['connections']} connections "
            "(one at a time: the user service hashes one password at a time per worker and "
            f"answers 503 busy to a login that waits too long), {login['busy']} answered 503 busy; "
            f"the user service's CPU per successful login: {login['user_cpu_ms']:.1f} ms.",
            "",
        ]
    return lines


def logins(data: Run) -> dict[str, Any] | None:
    """The password grant's successful logins per second and the user service's CPU for each
    (the CPU of any refused ones included: they are part of what a burst costs)."""
    run = data.get("tokens", {}).get("scenarios", {}).get("login", {}).get("runs", {}).get("8")
    if not run:
        return None
    ok = run["requests"] - run["errors"]
    user_ms = (run.get("cpu_ms_per_request") or {}).get("user")
    return {
        "connections": run["connections"],
        "per_second": ok / run["seconds"] if run["seconds"] else 0.0,
        "busy": run.get("busy", 0),
        "user_cpu_ms": user_ms * run["requests"] / ok if ok and user_ms is not None else 0.0,
    }


def _results_table(data: Run) -> list[str]:
    lines = [
        "| scenario | conn. | req/s | p50 ms | p95 ms | p99 ms | errors | introspections / request | other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in data["scenarios"].values():
        for connections, r in scenario["runs"].items():
            per_request = r["introspections_per_request"]
            per_request_text = "n/a" if per_request is None else f"{per_request:.4f}"  # no request done
            lines.append(
                f"| {scenario['title']} `{scenario['path']}` | {connections} | {r['rps']:.1f} "
                f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} "
                f"| {r['errors']} ({r['status_errors']} status, {r['socket_errors']} socket) "
                f"| {per_request_text} ({r['introspections']:g} calls / {r['requests']}) "
                f"| {r['others_pct']:.0f}% |"
            )
    return lines


def _ratios(data: Run) -> list[str]:
    rows = (
        ("(b) list via gateway / (a) list direct", "b", "a"),
        ("(b) list via gateway / naive DRF page via gateway", "b", "naive"),
        ("(a) list direct / naive DRF page direct", "a", "naive-direct"),
        ("(c) cache off / (b) cache on, both via gateway", "c", "b"),
        ("(b) list via gateway / (d) health via gateway", "b", "d"),
        ("(b) list via gateway / (e) one entry via gateway", "b", "e"),
    )
    lines = ["| ratio of req/s | 8 conn. | 50 conn. |", "|---|---:|---:|"]
    lines += [
        f"| {label} | {_ratio(data, t, b, 8)} | {_ratio(data, t, b, 50)} |"
        for label, t, b in rows
        if b in data["scenarios"]
    ]
    return lines


def _cpu_table(data: Run, connections: int = 8) -> list[str]:
    floors = {key: cpu_floor(data, key, connections) for key in data["scenarios"]}
    if None in floors.values():
        return []  # a run from before the CPU accounting
    parts = list(next(iter(floors.values()))["parts"])
    cores = data["machine"]["cores"]
    lines = [
        f"CPU time per request at {connections} connections, in ms, by part of the stack (each part's "
        "process tree; wrk once it has exited; the driver is this benchmark's own process). "
        f"Ceiling: the req/s {cores} cores could serve at that total if nothing else ran. "
        f"Mean latency floor: {connections} connections / ceiling (Little's law) — what a request "
        "waits on average even with perfect scheduling; the percentiles sit above it.",
        "",
        "| scenario | "
        + " | ".join(parts)
        + " | total | ceiling req/s | measured req/s | mean latency floor ms |",
        "|---|" + "---:|" * (len(parts) + 4),
    ]
    for key, floor in floors.items():
        lines.append(
            f"| {data['scenarios'][key]['title']} | "
            + " | ".join(f"{floor['parts'][part]:.2f}" for part in parts)
            + f" | {floor['total_ms']:.2f} | {floor['ceiling_rps']:.0f} | {_rps(data, key, connections):.1f} "
            f"| {floor['mean_ms']:.1f} |"
        )
    return lines


def _frames(frames: list[list[Any]], skip_plumbing: bool) -> list[str]:
    shown = [
        (name, share)
        for name, share in frames
        if not (skip_plumbing and any(name.endswith(f"({p})") for p in PLUMBING))
    ]
    return [f"  {share:5.1f}%  {name}" for name, share in shown[:TOP_FRAMES]]


def _profile(profile: dict[str, Any], text_file: str) -> list[str]:
    lines = [
        f"**{profile['title']}** ({profile['samples']} samples of threads inside a request; "
        f"full list in `{text_file}`)",
        "",
        "| where the time goes (inclusive, overlapping) | % of request samples |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {share:.1f} |" for label, share in profile["categories"]]
    lines += ["", "```", "top frames, own time"]
    lines += _frames(profile["own"], skip_plumbing=False)
    lines += ["", "top frames, inclusive (threads and gunicorn's dispatch left out)"]
    lines += _frames(profile["inclusive"], skip_plumbing=True)
    lines += ["```", ""]
    return lines


def _versus_baseline(data: Run, baseline: Run) -> list[str]:
    code = baseline["code"]
    lines = [
        f"Baseline: the run of {baseline['started_at']} on commit {code['commit']}"
        + (" (services/hours with uncommitted changes)" if code["hours_uncommitted"] else "")
        + ", kept in `bench/runs/baseline.json` (figures) and `bench/runs/baseline-profile-*.txt`. "
        "Two runs on a shared machine differ with its load too (the other-load columns): the ratios "
        "within each run, at the end, are the comparison that holds.",
        "",
        "| scenario | conn. | req/s baseline | req/s now | now / baseline | p99 ms baseline | p99 ms now "
        "| other load baseline | other load now |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, scenario in data["scenarios"].items():
        if key not in baseline["scenarios"]:
            continue
        for connections, r in scenario["runs"].items():
            b = baseline["scenarios"][key]["runs"][connections]
            change = round(r["rps"] / b["rps"], 2) if b["rps"] else 0.0
            lines.append(
                f"| {scenario['title']} | {connections} | {b['rps']:.1f} | {r['rps']:.1f} | {change} "
                f"| {b['p99_ms']:.1f} | {r['p99_ms']:.1f} | {b['others_pct']:.0f}% | {r['others_pct']:.0f}% |"
            )
    lines += ["", "| ratio (8 connections) | baseline | now |", "|---|---:|---:|"]
    for label, top, bottom in (("(b) / (a)", "b", "a"), ("(b) / naive via gateway", "b", "naive")):
        lines.append(f"| {label} | {_ratio(baseline, top, bottom, 8)} | {_ratio(data, top, bottom, 8)} |")
    lines.append("")
    if "list" in baseline.get("profiles", {}):
        lines += ["### Profile of the baseline run", ""]
        lines += _profile(baseline["profiles"]["list"], "bench/runs/baseline-profile-list.txt")
    return lines


def render(data: Run, baseline: Run | None = None) -> str:
    m, v, s, code = data["machine"], data["versions"], data["settings"], data["code"]
    is_baseline = baseline is not None and baseline["started_at"] == data["started_at"]
    keys = [key.replace("-", " ") for key in data["scenarios"]]
    order = ", ".join(keys)
    cpu_table = _cpu_table(data)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (bench/run.py) from the run of {data['started_at']} "
        f"({data['wall_seconds']} s in all). Every figure below comes from that run: do not edit by hand.",
        "",
        "## Machine and versions",
        "",
        f"- {m['cores']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM, Linux {m['kernel']}",
        f"- load average before / after the run: {data['loadavg_before'][0]:.2f} / "
        f'{data["loadavg_after"][0]:.2f} (1 min). The machine is shared: "other load" below is the '
        "CPU that processes outside the benchmark (not the stack, its Postgres, wrk) used during each "
        "measured run, as a share of all cores.",
        f"- code: commit {code['commit']}"
        + (", services/hours with uncommitted changes" if code["hours_uncommitted"] else ""),
        "- versions: " + ", ".join(f"{name} {value}" for name, value in v.items()),
        "",
        "## Method",
        "",
        f"- The local stack (`timekeeper_dev.stack.local.LocalStack`): a throwaway Postgres on loopback, "
        f"both services under gunicorn ({s['workers']} gthread workers x {s['threads_per_worker']} "
        f"threads), Traefik with the committed dynamic config, auth cache {s['auth_cache_seconds']} s. "
        f"Logging as deployed: LOG_FORMAT={s['LOG_FORMAT']}, LOG_LEVEL={s['LOG_LEVEL']}, one JSON line "
        "per request written to the stack's log file (a container writes it to its log the same way); "
        "Traefik's JSON access log on.",
        f"- Data: one user registered through the gateway, {s['entries']:,} entries copied into the "
        "hours database (three projects made through the API), then `VACUUM ANALYZE`. "
        "Every request reads page 1 (50 entries) with the count.",
        f"- Load: wrk, {s['wrk_threads']} threads, keep-alive, on the same machine. Per connection "
        f"count, the scenarios are measured in {s['rounds']} interleaved rounds ({order}; then "
        f"{', '.join(keys[:2])}, ...), so they share the machine's background load; each is a "
        f"{s['warmup']:g} s warm-up and {s['seconds'] / s['rounds']:g} s measured per round, "
        f"{s['seconds']:g} s per scenario in all. req/s: all requests over all measured time. "
        "p50/p95/p99: wrk's percentiles, the median over the rounds. Errors: responses with status "
        ">= 400 (what wrk counts) plus socket errors (connect, read, write, 10 s timeout).",
        "- Introspection calls: the change in `timekeeper_introspection_requests_total` on the user "
        "service's `/internal/v1/metrics` (summed over its workers) across the measured run, "
        "divided by the requests wrk completed.",
        "- The hours process runs under `bench.naive_hours.settings`: the service's own settings and "
        "URLs plus one route, the naive baseline: a DRF `ModelSerializer` + `ListAPIView` page of 50 "
        "with the same query (`select_related`, same ordering), so the list and its baseline are "
        "served by the same process and measured back to back. "
        + (
            f"Checked in this run: its page is identical to the service's "
            f"({data['naive_check']['page_entries']} entries, count {data['naive_check']['count']})."
            if data.get("naive_check", {}).get("identical")
            else ""
        ),
        "- (c) restarts the hours process on the same port with `AUTH_CACHE_SECONDS=0` (the gateway's "
        "route is unchanged), and the next round restarts it as deployed.",
        *(
            [
                "- (e) reads the newest entry by id: the simplest authenticated read the service has "
                "(one row by primary key, cached auth), so its latency is a floor under the list's."
            ]
            if "e" in data["scenarios"]
            else []
        ),
        "- CPU: the CPU time (user + system) of each part's process tree, read before and after "
        "every measured run; wrk's once it has exited."
        if cpu_table
        else "",
        "",
        "## Results",
        "",
        *_results_table(data),
        "",
        "## Ratios",
        "",
        *_ratios(data),
        "",
        *(["## Where the CPU goes", "", *cpu_table, ""] if cpu_table else []),
        *(["## Data-scale curve", "", *_scale_section(data)] if data.get("scale") else []),
        *(["## Token validation and logins", "", *_tokens_section(data)] if data.get("tokens") else []),
        "## Targets",
        "",
        "| target | this run | |",
        "|---|---|---|",
        *[f"| {target} | {figure} | {_met(ok)} |" for target, figure, ok in targets(data)],
        "",
        "Every target is a ratio of two figures from this run. At 50 connections latency is "
        "queueing (50 connections, 8 request threads); reported, not a target.",
        "",
        "## Profiles",
        "",
        "py-spy samples every thread of the hours workers while wrk drives the scenario; samples of "
        "threads idle between requests are dropped, waiting on Postgres stays in. Profiling slows "
        "the service, so these runs are separate from the measured ones. A frame that lets go of "
        "the GIL for a system call (psycopg sending a query or polling its socket, gunicorn writing "
        "the answer) is also charged the time its thread then waits to take the GIL back from the "
        "worker's other threads: a large own share on such a frame is mostly that wait, not CPU "
        "(`py-spy --gil`, which samples only the thread holding the GIL, hardly shows them).",
        "",
    ]
    for name, profile in data["profiles"].items():
        lines += _profile(profile, f"bench/runs/latest-profile-{name}.txt")
    if baseline is not None and not is_baseline:
        lines += ["## Compared with the baseline run", "", *_versus_baseline(data, baseline)]
    elif is_baseline:
        lines += ["This run is the kept baseline (`bench/runs/baseline.json`).", ""]
    return "\n".join(lines).rstrip() + "\n"
