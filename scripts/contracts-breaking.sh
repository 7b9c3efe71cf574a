#!/usr/bin/env bash
# make contracts-breaking: fail when the contracts in the working tree break a client of the
# ones at a base commit (removed paths or operations, removed or retyped response fields,
# new required request fields, removed enum values...; see contracts/README.md).
#   scripts/contracts-breaking.sh [BASE]    BASE: a git revision; default $CONTRACTS_BASE or HEAD~1
# Deliberate breaks are listed, with the reason, in contracts/accepted-breaking.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$PWD/.venv/bin/python}"
[[ -x $PY ]] || { echo "contracts-breaking: $PY is missing; run \`make bootstrap\` first" >&2; exit 2; }
base="${1:-${CONTRACTS_BASE:-HEAD~1}}"
cd contracts
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m contract_tools.breaking --base "$base"
