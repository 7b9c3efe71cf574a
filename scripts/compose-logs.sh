#!/usr/bin/env bash
# make logs: follow the stack's logs (the last 200 lines of each service first). Extra
# arguments go to `docker compose logs`, e.g. a service name: scripts/compose-logs.sh hours
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker >/dev/null 2>&1 || { echo "logs: error: Docker is not installed" >&2; exit 1; }
exec docker compose logs --follow --tail 200 "$@"
