#!/bin/sh
# Swarm stack only: run the task's server (the arguments) and drain it on stop.
#
# Swarm marks a task for shutdown and sends it SIGTERM at the same moment; Traefik's swarm
# provider drops the task at its next poll (every second), not before. A server that
# stopped listening on SIGTERM would refuse the connections Traefik still sends it in
# that second. So on SIGTERM (or SIGINT) this keeps the server serving for
# STOP_DRAIN_SECONDS more (default 3), then passes the signal on and waits: gunicorn then
# stops listening and finishes the requests in flight (its graceful_timeout, 20 s). The
# stack's stop_grace_period covers both. Kubernetes does the same with a preStop sleep.
set -eu

"$@" &
child=$!
stopping=0

drain() {
    [ "$stopping" = 1 ] && return 0
    stopping=1
    echo "drain: stop requested; serving ${STOP_DRAIN_SECONDS:-3} s more before passing it on" >&2
    sleep "${STOP_DRAIN_SECONDS:-3}"
    kill -TERM "$child" 2>/dev/null || true
}
trap drain TERM INT

# `wait` returns early (status > 128) when a trapped signal arrives: wait again until the
# server has really exited, and exit with its status.
status=0
while kill -0 "$child" 2>/dev/null; do
    wait "$child" && status=0 || status=$?
done
exit "$status"
