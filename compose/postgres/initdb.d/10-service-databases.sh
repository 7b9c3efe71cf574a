#!/usr/bin/env bash
# One database and one login role per service, each database owned by its role and closed
# to everyone else. Run once, by the postgres image's entrypoint, on an empty data
# volume (official image or the CI stand-in). Passwords come from the environment that
# docker-compose.yml gives the postgres service:
#
#   USERS_DB_PASSWORD   role `users`, database `users` (the user service)
#   HOURS_DB_PASSWORD   role `hours`, database `hours` (the hours service)
#
# Changing a password in .env later does not change it here: the volume keeps the first
# one (`make down` then `docker volume rm <project>_postgres-data`, or ALTER ROLE).
set -euo pipefail

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

create_service_database users "${USERS_DB_PASSWORD:?USERS_DB_PASSWORD is not set}"
# btree_gist: the hours service's exclusion constraint (no overlapping entries per user).
create_service_database hours "${HOURS_DB_PASSWORD:?HOURS_DB_PASSWORD is not set}" btree_gist
