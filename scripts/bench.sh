#!/usr/bin/env bash
# make bench: load the local stack with wrk and write bench/RESULTS.md from the run.
# Installs nothing: what it needs comes from `make bootstrap`. About 20 minutes.
#   BENCH_SECONDS=15 BENCH_ROUNDS=3 BENCH_WARMUP=1   measured seconds per scenario and
#                                    connection count, in how many rounds, warm-up per round
#   BENCH_SIZES=10000,100000,1000000  the entries table sizes of the data-scale curve
#   scripts/bench.sh --save-baseline  also keep this run as the baseline later runs compare with
#   scripts/bench.sh --render-only    write RESULTS.md again from bench/runs/latest.json
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[[ -x .venv/bin/python ]] || missing+=(".venv")
command -v wrk >/dev/null || missing+=("wrk (Debian package wrk)")
[[ -x .venv/bin/py-spy ]] || missing+=("py-spy (in .venv)")
if ((${#missing[@]})); then
    echo "bench: missing ${missing[*]}; run \`make bootstrap\` first" >&2
    exit 1
fi
exec .venv/bin/python -m bench "$@"
