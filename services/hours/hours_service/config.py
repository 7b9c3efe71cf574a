"""The service's one typed settings object, read from the environment.

``settings.py`` builds Django settings from :func:`load`; nothing else reads
``os.environ``. The variable names are the ones fixed in CONTRIBUTING.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

AppEnv = Literal["development", "test", "production"]

DEV_SECRET_KEY = "dev-only-insecure-django-secret-key-change-me"  # noqa: S105 - refused in production
DEV_INTROSPECTION_CLIENT_ID = "hours"
DEV_INTROSPECTION_CLIENT_SECRET = "dev-introspection-secret"  # noqa: S105 - refused in production
DEV_DATABASE_URL = "postgresql://hours:hours@127.0.0.1:5432/hours"
#: prestart's patience with a database it cannot reach (the user service has the same): a
#: minute covers a Postgres that is still starting, recovering or being restarted next to us
#: (Compose, a rolling deploy) even on a slow machine. It costs nothing on a misconfiguration,
#: since a server that refuses the role, the password or the database ends prestart at once;
#: an outage longer than that is for the orchestrator's restart policy, not for prestart.
PRESTART_DB_ATTEMPTS = 60
PRESTART_DB_DELAY_SECONDS = 1.0


class ConfigError(ValueError):
    """The environment does not describe a service that may start."""


@dataclass(frozen=True)
class DatabaseUrl:
    host: str
    port: int
    name: str
    user: str
    password: str = field(repr=False)

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
            raise ConfigError(f"DATABASE_URL must be a postgresql:// URL, not {parts.scheme}://")
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError("DATABASE_URL names no database")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


@dataclass(frozen=True)
class Config:
    app_env: AppEnv
    secret_key: str = field(repr=False)
    database: DatabaseUrl
    log_level: str
    log_format: Literal["json", "console"]
    user_service_url: str
    introspection_client_id: str
    introspection_client_secret: str = field(repr=False)
    auth_cache_seconds: int
    user_service_connect_timeout: float
    user_service_read_timeout: float
    allowed_hosts: tuple[str, ...]
    prestart_db_attempts: int
    prestart_db_delay_seconds: float

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, default).strip() or default
    if value.upper() in choices:
        value = value.upper()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a {kind.__name__}, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


# Marks of a placeholder: a secret holding one is refused in production.
PLACEHOLDER_MARKS = ("dev-only", "change-me", "changeme", "changethis")


def _secret(env: Mapping[str, str], name: str, dev_default: str, app_env: str) -> str:
    value = env.get(name, "")
    if app_env == "production":
        if not value or value == dev_default or any(mark in value.lower() for mark in PLACEHOLDER_MARKS):
            raise ConfigError(f"{name} must be set to a real secret when APP_ENV=production")
        return value
    return value or dev_default


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read and check the environment; raise :class:`ConfigError` on anything wrong."""
    env = os.environ if env is None else env
    app_env = _choice(env, "APP_ENV", "development", ("development", "test", "production"))
    secret_key = _secret(env, "DJANGO_SECRET_KEY", DEV_SECRET_KEY, app_env)
    if app_env == "production" and len(secret_key) < 32:
        raise ConfigError("DJANGO_SECRET_KEY must be at least 32 characters when APP_ENV=production")
    database_url = env.get("DATABASE_URL", "")
    if not database_url:
        if app_env == "production":
            raise ConfigError("DATABASE_URL must be set when APP_ENV=production")
        database_url = DEV_DATABASE_URL
    user_service_url = env.get("USER_SERVICE_URL", "").strip().rstrip("/")
    if not user_service_url:
        if app_env == "production":
            raise ConfigError("USER_SERVICE_URL must be set when APP_ENV=production")
        user_service_url = "http://127.0.0.1:8001"
    client_id = env.get("INTROSPECTION_CLIENT_ID", "").strip()
    if not client_id and app_env == "production":
        raise ConfigError("INTROSPECTION_CLIENT_ID must be set when APP_ENV=production")
    hosts = tuple(h.strip() for h in env.get("ALLOWED_HOSTS", "*").split(",") if h.strip())
    prestart_db_attempts = int(_number(env, "PRESTART_DB_ATTEMPTS", PRESTART_DB_ATTEMPTS, int))
    if prestart_db_attempts < 1:
        raise ConfigError("PRESTART_DB_ATTEMPTS must be at least 1")
    return Config(
        app_env=app_env,  # type: ignore[arg-type]
        secret_key=secret_key,
        database=DatabaseUrl.parse(database_url),
        log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
        log_format=_choice(env, "LOG_FORMAT", "json", ("json", "console")),  # type: ignore[arg-type]
        user_service_url=user_service_url,
        introspection_client_id=client_id or DEV_INTROSPECTION_CLIENT_ID,
        introspection_client_secret=_secret(
            env, "INTROSPECTION_CLIENT_SECRET", DEV_INTROSPECTION_CLIENT_SECRET, app_env
        ),
        auth_cache_seconds=int(_number(env, "AUTH_CACHE_SECONDS", 30, int)),
        user_service_connect_timeout=_number(env, "USER_SERVICE_CONNECT_TIMEOUT", 1.0, float),
        user_service_read_timeout=_number(env, "USER_SERVICE_READ_TIMEOUT", 2.0, float),
        allowed_hosts=hosts or ("*",),
        prestart_db_attempts=prestart_db_attempts,
        prestart_db_delay_seconds=_number(env, "PRESTART_DB_DELAY_SECONDS", PRESTART_DB_DELAY_SECONDS, float),
    )
