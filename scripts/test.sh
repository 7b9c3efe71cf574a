#!/usr/bin/env bash
# make test: bootstrap when needed, ruff, then every test suite. Fails on any failure,
# and (through the timekeeper pytest plugin) on any skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .

echo "== contracts: breaking changes since the last landed commit"
scripts/contracts-breaking.sh

# Each suite runs in its own pytest process from its own directory (its own conftest,
# settings and rootdir). A listed directory that exists must hold tests.
suites=(tests libs/timekeeper_service services/user services/hours gateway contracts e2e)
failed=()
for suite in "${suites[@]}"; do
    [[ -d $suite ]] || continue
    echo "== pytest $suite"
    # make test runs the whole-stack suite with the local driver (no Docker needed);
    # `make e2e` lets the environment pick.
    if ! (cd "$suite" && E2E_DRIVER=local python -m pytest ${PYTEST_ARGS:-}); then
        failed+=("$suite")
    fi
done

if ((${#failed[@]})); then
    echo "FAILED suites: ${failed[*]}" >&2
    exit 1
fi
echo "all suites passed: ${suites[*]}"
