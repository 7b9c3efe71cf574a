#!/usr/bin/env bash
# make contracts: regenerate contracts/users.openapi.json and contracts/hours.openapi.json
# from the services' code (no server, no database), canonical and validated (OpenAPI 3.1).
#   scripts/contracts.sh            rewrite the committed specs; commit the result
#   scripts/contracts.sh --check    write nothing; exit 1 when the code's spec differs
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$PWD/.venv/bin/python}"
[[ -x $PY ]] || { echo "contracts: $PY is missing; run \`make bootstrap\` first" >&2; exit 2; }
cd contracts
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m contract_tools.export "$@"
