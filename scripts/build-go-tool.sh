# Build (or reuse) a pinned Go tool from the Go module proxy, cached by version, and print
# its path on stdout. Sourced by scripts/build-<tool>.sh, which first sets:
#
#   TOOL_NAME      how messages name it ("Traefik")
#   TOOL_CMD       the binary's name, also its cache directory ("traefik")
#   TOOL_MODULE    the Go module ("github.com/traefik/traefik/v3")
#   TOOL_VERSION   the pinned version ("v3.6.12")
#   TOOL_PACKAGE   the main package inside the module ("./cmd/traefik")
#   TOOL_LDFLAGS   linker flags (strip, stamp the version)
#   TOOL_BIN_VAR   the variable that names an existing binary instead ("TRAEFIK_BIN")
#   TOOL_ACCEPT    a glob the version of that binary must match ("3.*") and TOOL_ACCEPT_NAME,
#                  how messages say it ("v3")
#
# and defines tool_version BINARY, which prints the binary's version ("3.6.12") when it
# runs, and nothing otherwise.
#
#   TIMEKEEPER_CACHE  where built binaries are cached (default ~/.cache/timekeeper)
#
# The module is downloaded and built inside a writable copy of it, which also works for
# modules that `go install` refuses (Traefik's go.mod has replace directives). The binary
# is written to a temporary name and moved into the cache only after it runs and reports
# the pinned version, so a failed build never leaves a binary that a rerun would trust.
# GOTOOLCHAIN=local: the installed Go builds it, or the build says which Go it needs;
# nothing downloads a toolchain behind the user's back.

CACHE_ROOT="${TIMEKEEPER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/timekeeper}"
OUT_DIR="$CACHE_ROOT/$TOOL_CMD/$TOOL_VERSION"
OUT="$OUT_DIR/$TOOL_CMD"
WANT="${TOOL_VERSION#v}"

say() { echo "$TOOL_CMD: $*" >&2; }
die() { echo "$TOOL_CMD: error: $*" >&2; exit 1; }

override="${!TOOL_BIN_VAR:-}"
if [[ -n "$override" ]]; then
    [[ -x "$override" ]] || die "$TOOL_BIN_VAR=$override is not an executable file"
    v="$(tool_version "$override")"
    [[ -n "$v" ]] || die "$TOOL_BIN_VAR=$override is not a working $TOOL_NAME binary (it reports no version)"
    # shellcheck disable=SC2053  # TOOL_ACCEPT is a glob on purpose
    [[ "$v" == $TOOL_ACCEPT ]] || die "$TOOL_BIN_VAR=$override is $TOOL_NAME $v; Timekeeper needs $TOOL_NAME $TOOL_ACCEPT_NAME (pinned $TOOL_VERSION)"
    echo "$override"
    exit 0
fi

cached() { [[ -x "$OUT" && "$(tool_version "$OUT")" == "$WANT" ]]; }
if cached; then
    echo "$OUT"
    exit 0
fi

# One build at a time per machine and tool: a second caller waits, then finds the binary.
mkdir -p "$CACHE_ROOT/$TOOL_CMD"
exec 9>"$CACHE_ROOT/$TOOL_CMD/.build.lock"
if ! flock -n 9; then
    say "another build of $TOOL_NAME is running; waiting for it"
    flock 9
fi
if cached; then
    echo "$OUT"
    exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed; install Go >= 1.26, or set $TOOL_BIN_VAR=/path/to/$TOOL_CMD (a $TOOL_NAME $TOOL_ACCEPT_NAME binary)"

say "building $TOOL_NAME $TOOL_VERSION from the Go module proxy (first time only)"
export GOFLAGS="-modcacherw" CGO_ENABLED=0 GOTOOLCHAIN=local

say "downloading $TOOL_MODULE@$TOOL_VERSION"
info="$(go mod download -json "$TOOL_MODULE@$TOOL_VERSION" 2>&1)" || true
src="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
if [[ -z "$src" || ! -d "$src" ]]; then
    err="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p')"
    die "cannot download $TOOL_NAME $TOOL_VERSION from the Go module proxy (${err:-$info}); set $TOOL_BIN_VAR=/path/to/$TOOL_CMD to use an existing $TOOL_NAME $TOOL_ACCEPT_NAME binary"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/$TOOL_CMD-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"

say "downloading dependencies (progress: modules fetched)"
go mod download -json all 2>&1 | awk -v tool="$TOOL_CMD" '
    /"Path":/ { n++; if (n % 50 == 0) { printf "%s:   %d modules\n", tool, n > "/dev/stderr"; fflush("/dev/stderr") } }
    /"Error":/ { err = err $0 "\n" }
    END { printf "%s:   %d modules in all\n", tool, n > "/dev/stderr"; if (err != "") { printf "%s", err > "/dev/stderr"; exit 1 } }
' || die "downloading the dependencies of $TOOL_NAME failed (is the Go module proxy reachable?); or set $TOOL_BIN_VAR"

say "compiling (progress: packages built)"
go build -v -trimpath -ldflags "$TOOL_LDFLAGS" -o "$work/$TOOL_CMD" "$TOOL_PACKAGE" 2>&1 | awk -v tool="$TOOL_CMD" '
    { n++; if (n % 100 == 0) { printf "%s:   %d packages\n", tool, n > "/dev/stderr"; fflush("/dev/stderr") } }
    /^#|^go: |\.go:[0-9]+/ { print > "/dev/stderr" }
    END { printf "%s:   %d packages in all\n", tool, n > "/dev/stderr" }
'
[[ "${PIPESTATUS[0]}" == 0 && -x "$work/$TOOL_CMD" ]] || die "go build failed for $TOOL_NAME $TOOL_VERSION; or set $TOOL_BIN_VAR"

v="$(tool_version "$work/$TOOL_CMD")"
[[ "$v" == "$WANT" ]] || die "the built binary reports version '$v', expected $WANT"

mkdir -p "$OUT_DIR"
mv "$work/$TOOL_CMD" "$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
say "built $OUT"
echo "$OUT"
