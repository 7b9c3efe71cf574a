#!/bin/sh
# The official Traefik image's entrypoint, so `command:` behaves the same in the stand-in.
set -e

# first arg is `-f` or `--some-option`
if [ "${1#-}" != "$1" ]; then
    set -- traefik "$@"
fi

# if the command is a Traefik subcommand, run it through traefik
if traefik "$1" --help >/dev/null 2>&1; then
    set -- traefik "$@"
else
    echo "= '$1' is not a Traefik command: assuming shell execution." 1>&2
fi

exec "$@"
