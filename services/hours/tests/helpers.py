"""Helpers for the tests that start the service as a process."""

from __future__ import annotations

import os
from pathlib import Path

from timekeeper_dev.introspection_stub import CLIENT_ID, CLIENT_SECRET

SERVICE_DIR = Path(__file__).resolve().parents[1]


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a service process: ours, less pytest's and Django's, plus config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        APP_ENV="test",
        DATABASE_URL=database_url,
        INTROSPECTION_CLIENT_ID=CLIENT_ID,
        INTROSPECTION_CLIENT_SECRET=CLIENT_SECRET,
        LOG_FORMAT="json",
        **extra,
    )
    return env


def url_of(postgresql_server, dbname: str) -> str:
    return f"postgresql://{postgresql_server.user}@{postgresql_server.host}:{postgresql_server.port}/{dbname}"
