#!/usr/bin/env bash
# make swarm-up: Timekeeper on Docker Swarm (deploy/swarm/stack.yml).
#
#   1. a single-node swarm, when this engine is in none (`docker swarm init`);
#   2. the service images, built as `make up` builds them (docker compose build);
#   3. the stack's secrets, each created once from a generated value that is never
#      written to disk (ADMIN_PASSWORD, if set, is the admin's; otherwise a generated one
#      is printed once, as nothing can read a Swarm secret back);
#   4. docker stack deploy; then wait until every service has all its replicas running
#      and healthy and the gateway answers for each, and print the URLs.
#
# Rerunning it updates the stack in place (a rolling update where something changed).
#
#   SWARM_STACK          the stack's name, prefix of its services and secrets (timekeeper)
#   REPLICAS             replicas of the user and hours services (2)
#   GATEWAY_PORT         the gateway's port on this node (8080)
#   SWARM_BUILD=0        use the images as they are
#   USER_IMAGE, HOURS_IMAGE, DOCS_IMAGE   the service images (timekeeper/<service>:dev, what
#                        docker compose build makes; another name gets a tag of that build)
#   SWARM_WAIT_TIMEOUT   seconds to wait for healthy (300)
# and what the stack file reads (image variables, APP_ENV, AUTH_CACHE_SECONDS, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/swarm-lib.sh
. scripts/swarm-lib.sh

started=$SECONDS
require_docker

# --- 1. the swarm ----------------------------------------------------------------------
case "$(swarm_state)" in
    active)
        [[ "$(docker info --format '{{.Swarm.ControlAvailable}}')" == true ]] \
            || die "this node is in a swarm but not a manager: run make swarm-up on a manager"
        ;;
    inactive)
        say "no swarm on this engine: making a single-node one (docker swarm init)"
        docker swarm init --advertise-addr "${SWARM_ADVERTISE_ADDR:-127.0.0.1}" >/dev/null
        # remembered on the node, so that `make swarm-down ARGS=--volumes` leaves the swarm
        # it made, and only that one
        docker node update --label-add "$INIT_LABEL=true" "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null
        ;;
    *) die "the engine's swarm state is '$(swarm_state)'; expected active or inactive" ;;
esac

# --- 2. images -------------------------------------------------------------------------
if [[ "${SWARM_BUILD:-1}" != 0 ]]; then
    say "building the images (docker compose build user hours docs)"
    docker compose build --quiet user hours docs >&2
fi
for service in user hours docs; do
    image="$(service_image "$service")"
    if [[ "${SWARM_BUILD:-1}" != 0 && "$image" != "timekeeper/$service:dev" ]]; then
        docker tag "timekeeper/$service:dev" "$image"
    fi
    docker image inspect "$image" >/dev/null 2>&1 || die "no image $image (run without SWARM_BUILD=0)"
done

# --- 3. secrets ------------------------------------------------------------------------
generated_admin=""
db_secrets=(postgres_password users_db_password hours_db_password users_database_url hours_database_url)
missing_db=()
for name in "${db_secrets[@]}"; do secret_exists "$name" || missing_db+=("$name"); done
if ((${#missing_db[@]})); then
    # The passwords are in the database volume once it is initialized: they cannot be
    # made anew for an existing one.
    if docker volume inspect "${STACK}_postgres-data" >/dev/null 2>&1; then
        die "secrets ${missing_db[*]} are missing but the database volume ${STACK}_postgres-data exists;" \
            "its passwords are in it. Remove both (make swarm-down ARGS=--volumes) or create them by hand."
    fi
    for name in "${db_secrets[@]}"; do secret_exists "$name" && docker secret rm "$(secret_name "$name")" >/dev/null; done
    users_pw="$(new_secret_value)"
    hours_pw="$(new_secret_value)"
    printf '%s' "$(new_secret_value)" | create_secret postgres_password
    printf '%s' "$users_pw" | create_secret users_db_password
    printf '%s' "$hours_pw" | create_secret hours_db_password
    printf '%s' "postgresql://users:$users_pw@postgres:5432/users" | create_secret users_database_url
    printf '%s' "postgresql://hours:$hours_pw@postgres:5432/hours" | create_secret hours_database_url
    unset users_pw hours_pw
    say "created the database secrets"
fi
for name in jwt_signing_key introspection_client_secret django_secret_key; do
    secret_exists "$name" || { new_secret_value | create_secret "$name"; say "created secret $(secret_name "$name")"; }
done
if ! secret_exists admin_password; then
    if [[ -n "${ADMIN_PASSWORD:-}" ]]; then
        printf '%s' "$ADMIN_PASSWORD" | create_secret admin_password
    else
        generated_admin="$(new_secret_value 18)"
        printf '%s' "$generated_admin" | create_secret admin_password
    fi
    say "created secret $(secret_name admin_password)"
fi

# --- 4. deploy -------------------------------------------------------------------------
# Configs cannot change in place: each is named by a hash of the files (stack.yml).
CONFIG_VERSION="$(cat deploy/swarm/traefik.yml gateway/traefik/dynamic.yml deploy/swarm/drain.sh \
    compose/postgres/initdb.d/10-service-databases.sh | sha256sum | cut -c1-12)"
DOCKER_SOCKET_GID="$(stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)"
export SWARM_STACK="$STACK" CONFIG_VERSION DOCKER_SOCKET_GID
say "deploying stack $STACK (docker stack deploy)"
# --resolve-image never: the images are local; there is no registry to ask for digests
docker stack deploy --resolve-image never -c deploy/swarm/stack.yml "$STACK" >&2

wait_converged "${SWARM_WAIT_TIMEOUT:-300}"
remove_unused_configs

base="http://localhost:${GATEWAY_PORT:-8080}"
wait_gateway "${base/localhost/127.0.0.1}" 60

replicas="$(docker service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}} {{.Replicas}}' \
    | sed "s/^${STACK}_//" | sort | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
cat <<EOF

Timekeeper is up on Docker Swarm, stack $STACK ($((SECONDS - started))s): $replicas
  API explorer    $base/docs
  merged spec     $base/docs/openapi.json
  user API        $base/api/users/v1/   (spec: $base/api/users/openapi.json)
  hours API       $base/api/hours/v1/   (spec: $base/api/hours/openapi.json)
  health          $base/api/users/health/ready  $base/api/hours/health/ready
EOF
if [[ -n "$generated_admin" ]]; then
    cat <<EOF

  admin login     ${ADMIN_USERNAME:-admin} / $generated_admin
                  (shown this once: Swarm keeps it as secret $(secret_name admin_password))
EOF
fi
cat <<EOF

  make swarm-roll SERVICE=hours   roll one service     make swarm-down   remove the stack
EOF
