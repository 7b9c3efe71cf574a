#!/usr/bin/env bash
# Build (or reuse) the pinned Traefik binary and print its path on stdout
# (scripts/build-go-tool.sh does the work; it says how).
#
#   TRAEFIK_VERSION   the pinned v3.6 release (default below; keep docker-compose.yml in step)
#   TRAEFIK_BIN       use this binary instead of building one (must be Traefik v3)
#   TIMEKEEPER_CACHE  where built binaries are cached (default ~/.cache/timekeeper)
#
# `go install` cannot build Traefik (its go.mod has replace directives); the shared script
# builds inside a copy of the module, which can. The first build takes several minutes.
set -euo pipefail

TOOL_NAME=Traefik
TOOL_CMD=traefik
TOOL_MODULE=github.com/traefik/traefik/v3
TOOL_VERSION="${TRAEFIK_VERSION:-v3.6.12}"
TOOL_PACKAGE=./cmd/traefik
TOOL_LDFLAGS="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TOOL_VERSION#v} -X github.com/traefik/traefik/v3/pkg/version.Codename=timekeeper-build"
TOOL_BIN_VAR=TRAEFIK_BIN
TOOL_ACCEPT='3.*'
TOOL_ACCEPT_NAME=v3

tool_version() {  # "Version:      3.6.12"
    "$1" version 2>/dev/null | awk '/^Version:/ {print $2; exit}'
}

# shellcheck source=scripts/build-go-tool.sh
. "$(dirname "$0")/build-go-tool.sh"
