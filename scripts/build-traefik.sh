#!/usr/bin/env bash
# Build (or reuse) the pinned Traefik binary and print its path on stdout.
#
#   TRAEFIK_VERSION   the pinned v3.6 release (default below; keep docker-compose.yml in step)
#   TRAEFIK_BIN       use this binary instead of building one (must be Traefik v3)
#   TIMEKEEPER_CACHE  where built binaries are cached (default ~/.cache/timekeeper)
#
# Traefik cannot be `go install`ed (its go.mod has replace directives), so the module
# is downloaded from the Go module proxy and built inside a writable copy of it.
# The binary is written to a temporary name and moved into the cache only after it
# runs and reports the expected version, so a failed build never leaves a binary
# that a rerun would trust.
set -euo pipefail

TRAEFIK_VERSION="${TRAEFIK_VERSION:-v3.6.12}"
CACHE_ROOT="${TIMEKEEPER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/timekeeper}"
OUT_DIR="$CACHE_ROOT/traefik/$TRAEFIK_VERSION"
OUT="$OUT_DIR/traefik"

say() { echo "traefik: $*" >&2; }
die() { echo "traefik: error: $*" >&2; exit 1; }

binary_version() {  # prints e.g. 3.6.12 for a working traefik binary, nothing otherwise
    "$1" version 2>/dev/null | awk '/^Version:/ {print $2; exit}'
}

if [[ -n "${TRAEFIK_BIN:-}" ]]; then
    [[ -x "$TRAEFIK_BIN" ]] || die "TRAEFIK_BIN=$TRAEFIK_BIN is not an executable file"
    v="$(binary_version "$TRAEFIK_BIN")"
    [[ -n "$v" ]] || die "TRAEFIK_BIN=$TRAEFIK_BIN does not answer 'traefik version'"
    [[ "$v" == 3.* ]] || die "TRAEFIK_BIN=$TRAEFIK_BIN is Traefik $v; Timekeeper needs Traefik v3 (pinned $TRAEFIK_VERSION)"
    echo "$TRAEFIK_BIN"
    exit 0
fi

if [[ -x "$OUT" && "$(binary_version "$OUT")" == "${TRAEFIK_VERSION#v}" ]]; then
    echo "$OUT"
    exit 0
fi

# One build at a time per machine: a second caller waits, then finds the cached binary.
mkdir -p "$CACHE_ROOT/traefik"
exec 9>"$CACHE_ROOT/traefik/.build.lock"
if ! flock -n 9; then
    say "another build of Traefik is running; waiting for it"
    flock 9
fi
if [[ -x "$OUT" && "$(binary_version "$OUT")" == "${TRAEFIK_VERSION#v}" ]]; then
    echo "$OUT"
    exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed; install Go >= 1.26, or set TRAEFIK_BIN=/path/to/traefik (a Traefik v3 binary)"

say "building Traefik $TRAEFIK_VERSION from the Go module proxy (first time only; several minutes)"
export GOFLAGS="-modcacherw"
export CGO_ENABLED=0

say "downloading github.com/traefik/traefik/v3@$TRAEFIK_VERSION"
info="$(go mod download -json "github.com/traefik/traefik/v3@$TRAEFIK_VERSION" 2>&1)" || true
src="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
if [[ -z "$src" || ! -d "$src" ]]; then
    err="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p')"
    die "cannot download Traefik ${TRAEFIK_VERSION} from the Go module proxy (${err:-$info}); set TRAEFIK_BIN=/path/to/traefik to use an existing Traefik v3 binary"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/traefik-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"

say "downloading dependencies (progress: modules fetched)"
go mod download -json all 2>&1 | awk '
    /"Path":/ { n++; if (n % 50 == 0) { printf "traefik:   %d modules\n", n > "/dev/stderr"; fflush("/dev/stderr") } }
    /"Error":/ { err = err $0 "\n" }
    END { printf "traefik:   %d modules in all\n", n > "/dev/stderr"; if (err != "") { printf "%s", err > "/dev/stderr"; exit 1 } }
' || die "downloading Traefik's dependencies failed (is the Go module proxy reachable?); or set TRAEFIK_BIN"

say "compiling (progress: packages built)"
ldflags="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION#v} -X github.com/traefik/traefik/v3/pkg/version.Codename=timekeeper-build"
go build -v -trimpath -ldflags "$ldflags" -o "$work/traefik" ./cmd/traefik 2>&1 | awk '
    { n++; if (n % 100 == 0) { printf "traefik:   %d packages\n", n > "/dev/stderr"; fflush("/dev/stderr") } }
    /^#|\.go:[0-9]+/ { print > "/dev/stderr" }
    END { printf "traefik:   %d packages in all\n", n > "/dev/stderr" }
'
[[ "${PIPESTATUS[0]}" == 0 && -x "$work/traefik" ]] || die "go build failed for Traefik $TRAEFIK_VERSION; or set TRAEFIK_BIN"

v="$(binary_version "$work/traefik")"
[[ "$v" == "${TRAEFIK_VERSION#v}" ]] || die "the built binary reports version '$v', expected ${TRAEFIK_VERSION#v}"

mkdir -p "$OUT_DIR"
mv "$work/traefik" "$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
say "built $OUT"
echo "$OUT"
