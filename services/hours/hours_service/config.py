"""The service's one typed settings object, read from the environment only (see .env.example).

Development defaults exist so that a first local run works out of the box;
``APP_ENV=production`` refuses every one of them that is a secret. :func:`load` reads it the
way every Timekeeper service does (``timekeeper_service.config``: ``<NAME>_FILE`` for each
secret, every wrong variable named in one :class:`ConfigError`), which each entry point turns
into one line and exit status 2 (:func:`report_and_exit`). ``settings.py`` builds Django's
settings from it and ``gunicorn_conf`` its server settings; nothing else reads the
environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, NoReturn
from urllib.parse import unquote, urlsplit

from pydantic import AfterValidator, Field, SecretStr, field_validator
from pydantic_settings import NoDecode
from timekeeper_service import config as shared
from timekeeper_service.config import (
    ConfigError,
    DatabaseUrl,
    HttpUrl,
    Secret,
    ServiceSettings,
    SetInProduction,
    load_settings,
)

__all__ = ["ConfigError", "Settings", "load", "report_and_exit"]

DEV_DJANGO_SECRET_KEY = "dev-only-insecure-django-secret-key-change-me"  # noqa: S105 - refused in production
DEV_INTROSPECTION_CLIENT_ID = "hours"
DEV_INTROSPECTION_CLIENT_SECRET = "dev-introspection-secret"  # noqa: S105 - refused in production
DEV_DATABASE_URL = "postgresql://hours:hours@127.0.0.1:5432/hours"
DEV_USER_SERVICE_URL = "http://127.0.0.1:8001"
MIN_SECRET_KEY_CHARACTERS = 32
#: prestart's patience with a database it cannot reach (the user service has the same): a
#: minute covers a Postgres that is still starting, recovering or being restarted next to us
#: (Compose, a rolling deploy) even on a slow machine. It costs nothing on a misconfiguration,
#: since a server that refuses the role, the password or the database ends prestart at once;
#: an outage longer than that is for the orchestrator's restart policy, not for prestart.
PRESTART_DB_ATTEMPTS = 60
PRESTART_DB_DELAY_SECONDS = 1.0
SERVICE = "hours_service"


def report_and_exit(error: ConfigError) -> NoReturn:
    """One line, ``hours_service: configuration error: ...``, and exit status 2."""
    shared.report_and_exit(SERVICE, error)


@dataclass(frozen=True)
class DatabaseParts:
    """DATABASE_URL in the parts Django's DATABASES wants."""

    host: str
    port: int
    name: str
    user: str
    password: str = field(repr=False)

    @classmethod
    def parse(cls, url: str) -> DatabaseParts:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            name=unquote(parts.path.lstrip("/")),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


def _without_trailing_slash(url: str) -> str:
    return url.rstrip("/")


class Settings(ServiceSettings):
    """Every variable the hours service reads. Field names are the env names, lower-cased;
    ``ServiceSettings`` has those of every service (APP_ENV, LOG_*, PORT, WEB_CONCURRENCY,
    GUNICORN_THREADS)."""

    database_url: DatabaseUrl = DEV_DATABASE_URL
    django_secret_key: Annotated[SecretStr, Secret(min_length=MIN_SECRET_KEY_CHARACTERS)] = SecretStr(
        DEV_DJANGO_SECRET_KEY
    )
    #: Host headers Django accepts, comma-separated (the gateway is in front)
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ("*",)

    user_service_url: Annotated[HttpUrl, AfterValidator(_without_trailing_slash), SetInProduction()] = (
        DEV_USER_SERVICE_URL
    )
    introspection_client_id: Annotated[str, SetInProduction()] = DEV_INTROSPECTION_CLIENT_ID
    introspection_client_secret: Annotated[SecretStr, Secret()] = SecretStr(DEV_INTROSPECTION_CLIENT_SECRET)
    auth_cache_seconds: int = Field(default=30, ge=0)
    user_service_connect_timeout: float = Field(default=1.0, gt=0)
    user_service_read_timeout: float = Field(default=2.0, gt=0)

    prestart_db_attempts: int = Field(default=PRESTART_DB_ATTEMPTS, ge=1)
    prestart_db_delay_seconds: float = Field(default=PRESTART_DB_DELAY_SECONDS, ge=0)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(host.strip() for host in value.split(",") if host.strip()) or ("*",)
        return value

    @property
    def database(self) -> DatabaseParts:
        return DatabaseParts.parse(self.database_url)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment (``os.environ`` by default); raise :class:`ConfigError`
    naming every problem."""
    return load_settings(Settings, environ)
