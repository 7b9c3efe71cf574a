#!/bin/sh
# Before serving, prepare the database: wait for it, migrate, create the admin from env.
# Idempotent, and safe with several replicas (they take turns on an advisory lock).
# SKIP_PRESTART=1 skips it (Compose runs prestart once in a one-shot service instead).
# Any command other than gunicorn (a shell, `python -m user_service create-admin`) runs as is.
set -eu
if [ "${1:-}" = "gunicorn" ] && [ "${SKIP_PRESTART:-0}" != "1" ]; then
    python3 -m user_service prestart
fi
exec "$@"
