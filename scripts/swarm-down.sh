#!/usr/bin/env bash
# make swarm-down: remove the Swarm stack (services, their tasks and containers, its
# network and configs) and wait until all of it is gone.
#
# Kept, and said so: the database volume <stack>_postgres-data and the stack's secrets
# (the volume's passwords are in them: a new stack on the old volume needs the same ones),
# the images, and the swarm itself.
#
#   --volumes   also remove the volume, the secrets and the images make swarm-roll
#               tagged (timekeeper/<service>:roll-*), and leave the swarm when make
#               swarm-up made it and nothing else runs on it: nothing is left but the
#               images docker compose build makes (as after make down)
#
#   SWARM_STACK   the stack's name (timekeeper)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/swarm-lib.sh
. scripts/swarm-lib.sh

everything=0
for arg in "$@"; do
    case "$arg" in
        --volumes) everything=1 ;;
        *) die "unknown option $arg (only --volumes)" ;;
    esac
done
require_docker
if [[ "$(swarm_state)" != active ]]; then
    say "no swarm on this engine: nothing to remove"
    exit 0
fi

if [[ -n "$(stack_services)" ]]; then
    docker stack rm "$STACK" >&2
fi
# `docker stack rm` returns at once; the tasks' containers stop and the network goes after.
deadline=$((SECONDS + 120))
until [[ -z "$(stack_services)" \
    && -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$STACK")" \
    && -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ]]; do
    ((SECONDS < deadline)) || die "the stack's containers or network were still there after 120 s"
    sleep 1
done
remove_unused_configs

secrets="$(docker secret ls -q --filter "label=$SECRET_LABEL=$STACK")"
volume="${STACK}_postgres-data"
if ((everything)); then
    # the volume is freed a moment after its container is removed
    for _ in $(seq 1 30); do
        docker volume inspect "$volume" >/dev/null 2>&1 || break
        docker volume rm "$volume" >/dev/null 2>&1 && break
        sleep 1
    done
    ! docker volume inspect "$volume" >/dev/null 2>&1 || die "could not remove volume $volume"
    [[ -z "$secrets" ]] || docker secret rm $secrets >/dev/null
    rolled="$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^timekeeper/(user|hours|docs):roll-' || true)"
    [[ -z "$rolled" ]] || docker rmi $rolled >/dev/null
    say "removed stack $STACK, volume $volume, its secrets${rolled:+ and the images make swarm-roll tagged}"
    if [[ "$(docker node inspect self --format "{{ index .Spec.Labels \"$INIT_LABEL\" }}")" == true ]]; then
        if [[ -z "$(docker service ls -q)" && -z "$(docker secret ls -q)" && -z "$(docker config ls -q)" ]]; then
            docker swarm leave --force >/dev/null
            say "left the single-node swarm make swarm-up made"
        else
            say "kept the swarm: other services, secrets or configs are on it"
        fi
    else
        say "kept the swarm: make swarm-up did not make it"
    fi
else
    kept=()
    docker volume inspect "$volume" >/dev/null 2>&1 && kept+=("volume $volume")
    [[ -n "$secrets" ]] && kept+=("$(wc -w <<<"$secrets") secrets ${STACK}_*")
    kept_list="$(IFS=,; echo "${kept[*]:-}" | sed "s/,/, /g")"
    say "removed stack $STACK; kept ${kept_list:-nothing of it}${kept:+ (the data and its passwords)}, the images and the swarm (ARGS=--volumes removes all but the images)"
fi
