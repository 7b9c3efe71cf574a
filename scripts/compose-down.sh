#!/usr/bin/env bash
# make down: stop and remove the stack's containers and networks. The database volume is
# kept; pass --volumes (make down ARGS=--volumes, or run this script) to delete it too.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker >/dev/null 2>&1 || { echo "down: error: Docker is not installed" >&2; exit 1; }
exec docker compose down --remove-orphans "$@"
