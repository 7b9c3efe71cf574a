#!/bin/sh
# Before serving, prepare the database: wait for it, migrate, create the admin from env.
# Idempotent, and safe with several replicas (they take turns on an advisory lock).
# Any command other than gunicorn (a shell, `python -m user_service create-admin`) runs as is.
set -eu
if [ "${1:-}" = "gunicorn" ]; then
    python3 -m user_service prestart
fi
exec "$@"
