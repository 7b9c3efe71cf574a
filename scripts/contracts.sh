#!/usr/bin/env bash
# make contracts: regenerate contracts/users.openapi.json and contracts/hours.openapi.json
# from the services' code (no server, no database), canonical and validated (OpenAPI 3.1),
# and copy contracts/introspection.schema.json into the hours package, which validates
# every introspection answer against it (package data: an image has no contracts/).
#   scripts/contracts.sh            rewrite the committed specs and the copy; commit the result
#   scripts/contracts.sh --check    write nothing; exit 1 when the code's spec or the copy differs
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$PWD/.venv/bin/python}"
[[ -x $PY ]] || { echo "contracts: $PY is missing; run \`make bootstrap\` first" >&2; exit 2; }

schema=contracts/introspection.schema.json
copy=services/hours/hours_service/introspection.schema.json
status=0
if [[ ${1:-} == --check ]]; then
    cmp -s "$schema" "$copy" || { echo "contracts: $copy is not a copy of $schema (run \`make contracts\`)" >&2; status=1; }
else
    cp "$schema" "$copy"
fi

cd contracts
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m contract_tools.export "$@" || status=$?
exit "$status"
