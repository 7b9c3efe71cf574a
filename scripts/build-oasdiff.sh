#!/usr/bin/env bash
# Build (or reuse) the pinned oasdiff binary, the breaking-change check of
# `make contracts-breaking`, and print its path on stdout (scripts/build-go-tool.sh does
# the work; it says how).
#
#   OASDIFF_VERSION   the pinned release (default below)
#   OASDIFF_BIN       use this binary instead of building one (must be the pinned minor
#                     release: the texts accepted-breaking.txt matches are oasdiff's own)
#   TIMEKEEPER_CACHE  where built binaries are cached (default ~/.cache/timekeeper)
set -euo pipefail

TOOL_NAME=oasdiff
TOOL_CMD=oasdiff
TOOL_MODULE=github.com/oasdiff/oasdiff
TOOL_VERSION="${OASDIFF_VERSION:-v1.37.0}"
TOOL_PACKAGE=.
TOOL_LDFLAGS="-s -w -X github.com/oasdiff/oasdiff/build.Version=${TOOL_VERSION#v}"
TOOL_BIN_VAR=OASDIFF_BIN
minor="${TOOL_VERSION#v}"
minor="${minor%.*}"
TOOL_ACCEPT="$minor.*"
TOOL_ACCEPT_NAME="$minor"

tool_version() {  # "oasdiff version 1.37.0"
    "$1" --version 2>/dev/null | awk '/^oasdiff version / {print $3; exit}'
}

# shellcheck source=scripts/build-go-tool.sh
. "$(dirname "$0")/build-go-tool.sh"
