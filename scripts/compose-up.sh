#!/usr/bin/env bash
# make up: build the images, start the stack, wait until every healthcheck passes, print
# the URLs. Extra arguments go to `docker compose up` (e.g. a service name).
#
#   GATEWAY_PORT          the published gateway port (default 8080; also read from .env)
#   COMPOSE_WAIT_TIMEOUT  seconds to wait for healthy (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "up: $*" >&2; }
die() { echo "up: error: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "Docker is not installed. Without Docker, 'make dev' runs the same stack as local processes."
docker compose version >/dev/null 2>&1 || die "'docker compose' (Compose v2) is not available; install the Compose plugin."
docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running, and may this user use it?)."
[[ -f .env ]] || say "no .env: using the dev-only defaults (cp .env.example .env to set your own secrets)"

start=$SECONDS
if ! docker compose up --build --detach --wait --wait-timeout "${COMPOSE_WAIT_TIMEOUT:-300}" "$@"; then
    echo >&2
    docker compose ps --all >&2 || true
    # the logs of whatever is in trouble: running but not healthy, restarting, or exited non-zero
    for svc in $(docker compose ps --all --format '{{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}' 2>/dev/null \
        | awk -F'|' '($2 == "running" && $3 != "" && $3 != "healthy") || $2 == "restarting" || ($2 == "exited" && $4 != 0) {print $1}'); do
        echo "---- last logs of $svc" >&2
        docker compose logs --no-color --tail 40 "$svc" >&2 || true
    done
    die "the stack did not become healthy; 'make logs' follows every service"
fi

# The address Docker actually published (GATEWAY_PORT from the environment or .env).
published="$(docker compose port traefik 8080 2>/dev/null | head -n 1)"
port="${published##*:}"
host="${published%:*}"
[[ -z "$host" || "$host" == 0.0.0.0 || "$host" == "[::]" ]] && host=localhost
[[ "$host" == 127.0.0.1 ]] && host=localhost
base="http://$host:${port:-${GATEWAY_PORT:-8080}}"

cat <<EOF

Timekeeper is up ($((SECONDS - start))s):
  API explorer    $base/docs
  merged spec     $base/docs/openapi.json
  user API        $base/api/users/v1/   (spec: $base/api/users/openapi.json)
  hours API       $base/api/hours/v1/   (spec: $base/api/hours/openapi.json)
  health          $base/api/users/health/ready  $base/api/hours/health/ready

  make logs   follow the logs     make down   stop (data is kept in a volume)
EOF
