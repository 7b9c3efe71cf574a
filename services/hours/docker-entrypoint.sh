#!/bin/sh
# Before serving, prepare the database: wait for it, then migrate. Idempotent, and safe
# with several replicas (they take turns on an advisory lock). Set SKIP_PRESTART=1 where
# a one-shot job has already run it. Any command other than gunicorn (a shell,
# `python -m hours_service showmigrations`) runs as is.
set -eu
if [ "${1:-}" = "gunicorn" ] && [ "${SKIP_PRESTART:-0}" != "1" ]; then
    python3 -m hours_service prestart
fi
exec "$@"
