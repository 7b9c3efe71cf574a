#!/usr/bin/env bash
# make test: bootstrap when needed, ruff, then every test suite. Fails on any failure, on
# any skipped test (the timekeeper pytest plugin), and when a part's coverage falls below
# its floor (timekeeper_dev.coverage_floors). Writes under reports/ (git-ignored) what a CI
# server reads:
#   reports/junit-<suite>.xml   one JUnit XML per suite
#   reports/coverage.xml        Cobertura XML of all suites together, branches included
#   reports/htmlcov/index.html  the same as HTML
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .

echo "== contracts: breaking changes since the last landed commit"
scripts/contracts-breaking.sh

reports="$PWD/reports"
rm -rf "$reports"
mkdir -p "$reports"
# Every suite runs from its own directory: one configuration and one data file for all, and
# coverage's subprocess support carries both into the processes the suites start.
export COVERAGE_RCFILE="$PWD/pyproject.toml" COVERAGE_FILE="$reports/.coverage"

# Each suite runs in its own pytest process from its own directory (its own conftest,
# settings and rootdir). A listed directory that exists must hold tests.
suites=(tooling:tests service-lib:libs/timekeeper_service user:services/user hours:services/hours gateway:gateway contracts:contracts e2e:e2e)
failed=()
for entry in "${suites[@]}"; do
    name="${entry%%:*}" suite="${entry#*:}"
    [[ -d $suite ]] || continue
    echo "== pytest $suite"
    # make test runs the whole-stack suite with the local driver (no Docker needed);
    # `make e2e` lets the environment pick.
    if ! (cd "$suite" && E2E_DRIVER=local python -m coverage run -m pytest \
        --junitxml="$reports/junit-$name.xml" -o junit_suite_name="$name" ${PYTEST_ARGS:-}); then
        failed+=("$suite")
    fi
done

echo "== coverage (lines and branches; floors in pyproject.toml)"
if coverage combine -q; then
    coverage xml -q
    coverage html -q
    python -m timekeeper_dev.coverage_floors || failed+=(coverage)
else
    failed+=(coverage)
fi
echo "reports: reports/junit-*.xml, reports/coverage.xml, reports/htmlcov/index.html"

if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "all suites passed: ${suites[*]#*:}"
