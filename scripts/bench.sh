#!/usr/bin/env bash
# make bench: load the local stack with wrk and write bench/RESULTS.md from the run.
# Installs nothing: what it needs comes from `make bootstrap`. About 5 minutes.
#   BENCH_SECONDS=15 BENCH_WARMUP=3   length of each measured run and of its warm-up
#   scripts/bench.sh --save-baseline  also keep this run as the baseline later runs compare with
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
