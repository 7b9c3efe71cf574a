#!/usr/bin/env bash
# One database and one login role per service, each database owned by its role and closed
# to everyone else. Run once, by the postgres image's entrypoint, on an empty data
# volume (official image or the CI stand-in). Passwords come from the environment that
# docker-compose.yml gives the postgres service, or, as with the image's own
# POSTGRES_PASSWORD, from the file each one's _FILE twin names (the Swarm stack's secrets;
# one trailing newline is not part of the password). Setting both is an error.
#
#   USERS_DB_PASSWORD   role `users`, database `users` (the user service)
#   HOURS_DB_PASSWORD   role `hours`, database `hours` (the hours service)
#
# Changing a password in .env later does not change it here: the volume keeps the first
# one (`make down` then `docker volume rm <project>_postgres-data`, or ALTER ROLE).
set -euo pipefail

die() { echo "initdb.d: error: $*" >&2; exit 1; }

secret() {  # NAME: the value of $NAME, or the content of the file $NAME_FILE names
    local name="$1" file_name="${1}_FILE" value
    if [[ -n "${!name:-}" && -n "${!file_name:-}" ]]; then
        die "$name and $file_name are both set; set one"
    elif [[ -n "${!file_name:-}" ]]; then
        # the trailing x keeps every newline of the file; then exactly one is dropped
        value="$(cat -- "${!file_name}" 2>/dev/null && printf x)" || die "$file_name: cannot read ${!file_name}"
        value="${value%x}"
        printf '%s' "${value%$'\n'}"
    elif [[ -n "${!name:-}" ]]; then
        printf '%s' "${!name}"
    else
        die "$name (or $file_name) is not set"
    fi
}

create_service_database() {  # NAME PASSWORD [EXTENSION...]
    local name="$1" password="$2"
    shift 2
    echo "initdb.d: creating role and database '$name'" >&2
    # psql variables (:"name", :'password') quote identifiers and literals for us.
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-postgres}" \
        --set name="$name" --set password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name" ENCODING 'UTF8';
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT ALL ON DATABASE :"name" TO :"name";
SQL
    local extension
    for extension in "$@"; do
        psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$name" \
            --set extension="$extension" <<<'CREATE EXTENSION IF NOT EXISTS :"extension";'
    done
}

# both read (and checked) before anything is created
users_password="$(secret USERS_DB_PASSWORD)"
hours_password="$(secret HOURS_DB_PASSWORD)"
create_service_database users "$users_password"
# btree_gist: the hours service's exclusion constraint (no overlapping entries per user).
create_service_database hours "$hours_password" btree_gist
