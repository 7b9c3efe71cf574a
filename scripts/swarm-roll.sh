#!/usr/bin/env bash
# make swarm-roll SERVICE=hours: rebuild one service's image and roll it out, one replica
# at a time, new before old (deploy/swarm/stack.yml's update_config): each new task must
# pass its healthcheck before an old one is drained and stopped, and a task that fails
# rolls the service back. Nothing is dropped (deploy/swarm/README.md).
#
# The new build gets a tag of its own, timekeeper/<service>:roll-<UTC time>, and the
# service is updated to it: the service's definition names the image it runs, and a
# rollback returns to the previous one (with one tag for every build, it could not).
#
#   SERVICE         user, hours, docs (rolled the same way) or traefik (stop-first: its
#                   host port has room for one task)
#   SWARM_BUILD=0   roll the image as it is (a restart of every replica)
#   SWARM_STACK     the stack's name (timekeeper)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/swarm-lib.sh
. scripts/swarm-lib.sh

service="${1:-${SERVICE:-}}"
case "$service" in
    user | hours | docs | traefik) ;;
    *) die "SERVICE must be user, hours, docs or traefik (make swarm-roll SERVICE=hours)" ;;
esac
require_docker
docker service inspect "${STACK}_$service" >/dev/null 2>&1 || die "no service ${STACK}_$service (make swarm-up first)"

started=$SECONDS
image="$(docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "${STACK}_$service")"
if [[ "${SWARM_BUILD:-1}" != 0 && "$service" != traefik ]]; then
    say "building $service (docker compose build $service)"
    docker compose build --quiet "$service" >&2
    image="timekeeper/$service:roll-$(date -u +%Y%m%dT%H%M%SZ)"
    docker tag "timekeeper/$service:dev" "$image"
fi
say "rolling ${STACK}_$service to $image"
# --force: a new task for every replica even when the image tag is unchanged
docker service update --force --image "$image" "${STACK}_$service" >&2
# the command returns once the new tasks are stable; Swarm calls the update completed a
# moment later, when the last old task has stopped
for _ in $(seq 1 240); do
    status="$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${STACK}_$service")"
    [[ "$status" == updating || "$status" == rollback_started ]] || break
    sleep 0.5
done
[[ "$status" == completed ]] || die "${STACK}_$service: update $status: $(docker service inspect --format '{{.UpdateStatus.Message}}' "${STACK}_$service")"
say "rolled ${STACK}_$service in $((SECONDS - started)) s"
