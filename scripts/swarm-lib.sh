# What scripts/swarm-{up,down,roll}.sh share (sourced, not run).

STACK="${SWARM_STACK:-timekeeper}"
# on the node, when make swarm-up made the swarm: make swarm-down ARGS=--volumes leaves it
INIT_LABEL=org.timekeeper.swarm-init
# on every secret make swarm-up creates
SECRET_LABEL=org.timekeeper.stack

say() { echo "swarm: $*" >&2; }
die() { echo "swarm: error: $*" >&2; exit 1; }

require_docker() {
    command -v docker >/dev/null 2>&1 || die "Docker is not installed. Without Docker, 'make dev' runs the stack as local processes."
    docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running, and may this user use it?)"
}

swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}'; }

service_image() {  # SERVICE: the image the stack runs for it (stack.yml's default)
    local variable
    variable="$(tr '[:lower:]' '[:upper:]' <<<"$1")_IMAGE"
    echo "${!variable:-timekeeper/$1:dev}"
}

secret_name() { echo "${STACK}_$1"; }
secret_exists() { docker secret inspect "$(secret_name "$1")" >/dev/null 2>&1; }
create_secret() {  # NAME, value on stdin
    docker secret create --label "$SECRET_LABEL=$STACK" "$(secret_name "$1")" - >/dev/null
}
new_secret_value() {  # [BYTES]: URL-safe random text (fits in a database URL as is)
    head -c "${1:-36}" /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='
}

stack_services() { docker service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}'; }

# Every service of the stack has its desired replicas running (a task is `running` only
# once its healthcheck passes) and no update in progress; else the troubled services'
# tasks and logs, and exit.
wait_converged() {  # TIMEOUT_SECONDS
    local deadline=$((SECONDS + $1)) pending service running desired state
    while :; do
        pending=()
        for service in $(stack_services); do
            desired="$(docker service inspect --format '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{else}}1{{end}}' "$service")"
            running="$(docker service ps --filter desired-state=running --format '{{.CurrentState}}' "$service" | grep -c '^Running' || true)"
            state="$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$service")"
            if [[ "$running" != "$desired" || "$state" == updating || "$state" == rollback_started ]]; then
                pending+=("${service#"${STACK}_"} $running/$desired${state:+ $state}")
            elif [[ "$state" == rollback_completed || "$state" == paused ]]; then
                die "$service: update $state: $(docker service inspect --format '{{.UpdateStatus.Message}}' "$service")"
            fi
        done
        [[ -z "$(stack_services)" ]] && pending+=("no service yet")
        ((${#pending[@]} == 0)) && return 0
        if ((SECONDS > deadline)); then
            for service in $(stack_services); do
                echo "---- $service" >&2
                docker service ps --no-trunc --format '{{.Name}} {{.CurrentState}} {{.Error}}' "$service" | head -n 6 >&2
                docker service logs --no-task-ids --tail 15 "$service" >&2 2>&1 || true
            done
            die "not converged after $1 s: ${pending[*]}"
        fi
        sleep 1
    done
}

# Until the gateway answers 200 for every service (Traefik's swarm provider polls every
# second).
wait_gateway() {  # BASE_URL TIMEOUT_SECONDS
    python3 - "$1" "$2" <<'PY' || die "the gateway at $1 did not answer for every service within $2 s"
import sys, time, urllib.request
base, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
for path in ("/api/users/health/ready", "/api/hours/health/ready", "/docs/health/live"):
    while True:
        try:
            with urllib.request.urlopen(base + path, timeout=3) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"{path} did not answer 200")
        time.sleep(0.5)
PY
}

# Configs of this stack no service uses any more (older versions; `docker config rm`
# refuses those in use).
remove_unused_configs() {
    local config
    for config in $(docker config ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}'); do
        docker config rm "$config" >/dev/null 2>&1 || true
    done
}
