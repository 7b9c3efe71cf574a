"""One typed settings object, read from the environment only (see .env.example).

Development defaults exist so that `flask --app user_service spec` and a first local run
work out of the box; `APP_ENV=production` refuses every one of them that is a secret.
:func:`load` reads it, and turns whatever is wrong into one :class:`ConfigError` naming
every wrong variable, which each entry point turns into one line and exit status 2
(:func:`report_and_exit`).
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterable
from typing import Any, Literal, NoReturn
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_DATABASE_URL = "postgresql://users:users@localhost:5432/users"
DEV_JWT_SIGNING_KEY = "dev-only-signing-key-change-me-0123456789"
DEV_INTROSPECTION_CLIENT_SECRET = "dev-introspection-secret"  # noqa: S105 - refused (set it in production)
MIN_SIGNING_KEY_BYTES = 32
#: prestart's patience with a database it cannot reach (the hours service has the same): a
#: minute covers a Postgres that is still starting, recovering or being restarted next to us
#: (Compose, a rolling deploy) even on a slow machine. It costs nothing on a misconfiguration,
#: since a server that refuses the role, the password or the database ends prestart at once;
#: an outage longer than that is for the orchestrator's restart policy, not for prestart.
PRESTART_DB_ATTEMPTS = 60
PRESTART_DB_DELAY_SECONDS = 1.0
#: marks of a placeholder (as in .env.example): a secret holding one is refused in production
PLACEHOLDER_MARKS = ("dev-only", "change-me", "changeme", "changethis")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: The exit status of every entry point (prestart, create-admin, gunicorn) on a configuration
#: error: 2, the conventional status of a usage error (as argparse's).
EXIT_STATUS = 2
SERVICE = "user_service"


class ConfigError(ValueError):
    """The environment does not describe a service that may start. ``problems`` has one
    sentence per wrong variable, each naming it (and never a secret's value)."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(self.problems))


def report_and_exit(error: ConfigError) -> NoReturn:
    """End the process the way every entry point ends on a configuration error: one plain
    line on stderr, ``user_service: configuration error: ...`` (logging is not configured
    yet: its settings are part of what failed), no traceback, and :data:`EXIT_STATUS`."""
    sys.stderr.write(f"{SERVICE}: configuration error: {error}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_STATUS)


def database_url_problem(url: str) -> str | None:
    """What is wrong with ``DATABASE_URL``, or ``None``. Never quotes the URL: it may hold a
    password. (The hours service checks it in the same words.)"""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        return "DATABASE_URL is not a valid URL (its host or port cannot be read)"
    if parts.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        # the part before "://" is a scheme, never the password
        named = f", not {parts.scheme}://" if parts.scheme and url.startswith(f"{parts.scheme}://") else ""
        return f"DATABASE_URL must be a postgresql:// URL{named}"
    if not unquote(parts.path.lstrip("/")):
        return "DATABASE_URL names no database"
    return None


def _is_placeholder(secret: SecretStr | None) -> bool:
    """Unset, a development default, or a value that says it is a placeholder."""
    value = secret.get_secret_value() if secret else ""
    return value in ("", DEV_JWT_SIGNING_KEY, DEV_INTROSPECTION_CLIENT_SECRET) or any(
        mark in value.lower() for mark in PLACEHOLDER_MARKS
    )


class Settings(BaseSettings):
    """Every variable the user service reads. Field names are the env names, lower-cased."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = DEV_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    jwt_signing_key: SecretStr = SecretStr(DEV_JWT_SIGNING_KEY)
    jwt_issuer: str = "timekeeper-users"
    jwt_audience: str = "timekeeper"
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=1_209_600, gt=0)

    introspection_client_id: str = Field(default="hours", min_length=1)
    introspection_client_secret: SecretStr | None = SecretStr(DEV_INTROSPECTION_CLIENT_SECRET)

    prestart_db_attempts: int = Field(default=PRESTART_DB_ATTEMPTS, ge=1)
    prestart_db_delay_seconds: float = Field(default=PRESTART_DB_DELAY_SECONDS, ge=0)

    admin_username: str | None = None
    admin_email: str | None = None
    admin_password: SecretStr | None = None

    #: gunicorn's (gunicorn_conf reads them from here, so they are checked with the rest)
    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int = Field(default=2, ge=1)
    gunicorn_threads: int = Field(default=4, ge=1)
    #: argon2id hashes at once per worker: each takes ARGON2_MEMORY_COST (64 MiB) and its CPU
    #: for as long as it runs (security.HashSlots)
    password_hash_concurrency: int = Field(default=1, ge=1)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) and value.upper() in LOG_LEVELS else value

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, value: str) -> str:
        if problem := database_url_problem(value):
            raise ConfigError(problem)
        return value

    @field_validator(
        "admin_username", "admin_email", "admin_password", "introspection_client_secret", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _check_together(self) -> Settings:
        """What no single variable says: production refuses the development defaults, password
        hashes leave a gunicorn thread free, and the admin's variables go together. Every
        problem at once."""
        problems = []
        if self.app_env == "production":
            key = self.jwt_signing_key
            if _is_placeholder(key):
                problems.append(
                    "JWT_SIGNING_KEY must be set to a real secret (no placeholder) when APP_ENV=production"
                )
            elif len(key.get_secret_value().encode()) < MIN_SIGNING_KEY_BYTES:
                problems.append(
                    f"JWT_SIGNING_KEY must be at least {MIN_SIGNING_KEY_BYTES} bytes when APP_ENV=production"
                )
            if _is_placeholder(self.introspection_client_secret):
                problems.append(
                    "INTROSPECTION_CLIENT_SECRET must be set to a real secret (no placeholder) when APP_ENV=production"
                )
            if "database_url" not in self.model_fields_set:
                problems.append("DATABASE_URL must be set when APP_ENV=production")
        if self.password_hash_concurrency >= self.gunicorn_threads:
            problems.append(
                "PASSWORD_HASH_CONCURRENCY must be less than GUNICORN_THREADS, so that a thread "
                "is always free for introspection"
            )
        # ADMIN_PASSWORD alone is the `create-admin` command's password; a name or email asks for a seed
        if (self.admin_username or self.admin_email) and not (
            self.admin_username and self.admin_email and self.admin_password
        ):
            problems.append("ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD go together: set all or none")
        if problems:
            raise ConfigError(problems)
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
        scheme, sep, rest = self.database_url.partition("://")
        if scheme in ("postgres", "postgresql"):
            scheme = "postgresql+psycopg"
        return f"{scheme}{sep}{rest}"


#: never quoted in a message
SECRET_FIELDS = frozenset(
    {"database_url", "jwt_signing_key", "introspection_client_secret", "admin_password"}
)


def load() -> Settings:
    """Read and check the environment; raise :class:`ConfigError` naming every problem
    (pydantic checks every variable at once; the checks across variables run once those pass)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError([problem for error in exc.errors() for problem in _problems(error)]) from None


#: pydantic's bound errors: the context key with the limit, and the words for it
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "greater than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def _problems(error: Any) -> tuple[str, ...]:
    """pydantic's error in the words the hours service uses for the same mistake."""
    context = error.get("ctx", {})
    if isinstance(context.get("error"), ConfigError):  # ours, from a validator
        return context["error"].problems
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field.upper()
    kind = error["type"]
    if kind == "literal_error":
        choices = typing.get_args(Settings.model_fields[field].annotation)
        problem = f"{name} must be one of {', '.join(choices)}"
    elif kind in ("int_parsing", "int_from_float", "int_type"):
        problem = f"{name} must be a whole number"
    elif kind in ("float_parsing", "float_type"):
        problem = f"{name} must be a number"
    elif kind in _BOUNDS:
        limit = context[_BOUNDS[kind][0]]
        limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
        problem = f"{name} must be {_BOUNDS[kind][1]} {limit}"
    elif kind == "string_too_short":
        problem = f"{name} must not be empty"
    else:
        problem = f"{name} is not valid: {error['msg']}"
    if field not in SECRET_FIELDS and isinstance(error.get("input"), str) and error["input"]:
        problem += f", not {error['input']!r}"
    return (problem,)
