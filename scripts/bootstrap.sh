#!/usr/bin/env bash
# make bootstrap: take a fresh machine to "everything runs". Idempotent; a second run
# only checks and takes seconds.
#   1. system packages: PostgreSQL server binaries (tests, local stack), Chromium (the
#      explorer's browser test), wrk (make bench), jq (make contracts-breaking)
#   2. .venv with the shared service package, both services and the docs service (editable)
#      and the dev/test tools, pinned
#   3. the pinned Go tools, built from the Go module proxy and cached by version: Traefik
#      (the gateway) and oasdiff (make contracts-breaking)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
say() { echo "bootstrap: $*"; }
die() { echo "bootstrap: error: $*" >&2; exit 1; }

# -- 1. system packages ----------------------------------------------------------------
need_pkgs=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || [[ -n "${PG_BINDIR:-}" ]] || need_pkgs+=(postgresql postgresql-contrib)
command -v chromium >/dev/null || need_pkgs+=(chromium)
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v jq >/dev/null || need_pkgs+=(jq)
if ((${#need_pkgs[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing Debian packages: ${need_pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
        # Debian's package starts a system cluster where it can; the tests make their own.
    else
        die "missing system packages: ${need_pkgs[*]} (Debian: sudo apt-get install ${need_pkgs[*]}; or set PG_BINDIR)"
    fi
fi
say "postgres: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1 || echo "$PG_BINDIR")"

# -- 2. virtualenv ---------------------------------------------------------------------
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$PYTHON is older than 3.11"
[[ -x $VENV/bin/python ]] || { say "creating $VENV"; "$PYTHON" -m venv "$VENV"; }

# Every file that decides what is installed; the venv is rebuilt only when one changes.
inputs=(pyproject.toml requirements/*.txt)
pip_args=(-r requirements/dev.txt -e .)
# The shared package first: the services require it, and pip takes it from here, never an index.
for pkg in libs/timekeeper_service services/user services/hours gateway/docs; do
    if [[ -f $pkg/pyproject.toml ]]; then
        inputs+=("$pkg/pyproject.toml" "$pkg"/requirements*.txt)
        pip_args+=(-r "$pkg/requirements.txt" -e "$pkg")
    fi
done
stamp="$(cat "${inputs[@]}" 2>/dev/null | sha256sum | cut -c1-16)"
if [[ "$(cat $VENV/.bootstrap-stamp 2>/dev/null)" != "$stamp" ]]; then
    say "installing Python packages into $VENV"
    $VENV/bin/python -m pip install -q "${pip_args[@]}"
    echo "$stamp" > $VENV/.bootstrap-stamp
else
    say "python packages up to date"
fi

# -- 3. Go tools -----------------------------------------------------------------------
traefik="$(scripts/build-traefik.sh)"
say "traefik: $traefik ($("$traefik" version | awk '/^Version:/ {print $2}'))"
oasdiff="$(scripts/build-oasdiff.sh)"
say "oasdiff: $oasdiff ($("$oasdiff" --version))"
say "ready"
