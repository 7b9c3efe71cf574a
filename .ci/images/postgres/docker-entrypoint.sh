#!/usr/bin/env bash
# A small entrypoint with the official postgres image's contract: on an empty $PGDATA it
# runs initdb with POSTGRES_USER / POSTGRES_PASSWORD, creates POSTGRES_DB, runs
# /docker-entrypoint-initdb.d/* (*.sh executed or sourced, *.sql and *.sql.gz fed to
# psql) against a server listening only on its Unix socket, then starts the real server.
set -Eeuo pipefail

say() { echo "docker-entrypoint: $*" >&2; }

if [[ "${1:-postgres}" == -* ]]; then
    set -- postgres "$@"
fi
if [[ "${1:-}" != postgres ]]; then
    exec "$@"
fi

# Started as root (e.g. `user: root`): fix ownership and drop to postgres, like the official image.
if [[ "$(id -u)" == 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA"
    exec runuser -u postgres -- "$0" "$@"
fi

# As the official image: POSTGRES_PASSWORD (and POSTGRES_USER, POSTGRES_DB) may come from
# the file a *_FILE twin names, e.g. a Docker secret; setting both is an error.
file_env() {
    local var="$1" file_var="${1}_FILE"
    if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
        say "error: both $var and $file_var are set (but are exclusive)"
        exit 1
    fi
    if [[ -n "${!file_var:-}" ]]; then
        export "$var"="$(<"${!file_var}")"
    fi
    unset "$file_var"
}
file_env POSTGRES_USER
file_env POSTGRES_PASSWORD
file_env POSTGRES_DB

export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [[ -z "${POSTGRES_PASSWORD:-}" && "$auth" != trust ]]; then
        say "error: the database is uninitialized and POSTGRES_PASSWORD is not set"
        say "set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust, never in production)"
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 0700 "$PGDATA"

    say "initializing $PGDATA for user $POSTGRES_USER"
    pwfile="$(mktemp)"
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list, as in the official image
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 \
        --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-} >&2
    rm -f "$pwfile"
    {
        echo
        echo "# added by docker-entrypoint.sh"
        echo "host all all all $auth"
    } >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.auto.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >&2

    export PGPASSWORD="${PGPASSWORD:-${POSTGRES_PASSWORD:-}}"
    psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    if [[ "$POSTGRES_DB" != postgres ]]; then
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >&2
    fi

    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)
                if [[ -x "$f" ]]; then
                    say "running $f"; "$f"
                else
                    say "sourcing $f"; . "$f"
                fi
                ;;
            *.sql) say "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" >&2 ;;
            *.sql.gz) say "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" >&2 ;;
            *) say "ignoring $f" ;;
        esac
    done
    shopt -u nullglob
    unset PGPASSWORD

    pg_ctl -D "$PGDATA" -m fast -w stop >&2
    say "initialization complete; ready for start up"
fi

exec "$@"
