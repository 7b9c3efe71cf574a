"""The service's one typed settings object, read from the environment.

``settings.py`` builds Django settings from :func:`load`, ``gunicorn_conf`` its server
settings; nothing else reads ``os.environ``. The variable names are the ones fixed in
CONTRIBUTING.md. A wrong value is a :class:`ConfigError` naming every wrong variable, which
each entry point turns into one line and exit status 2 (:func:`report_and_exit`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NoReturn
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


#: The exit status of every entry point (prestart and the other commands, gunicorn) on a
#: configuration error: 2, the conventional status of a usage error (as argparse's).
EXIT_STATUS = 2
SERVICE = "hours_service"


class ConfigError(ValueError):
    """The environment does not describe a service that may start. ``problems`` has one
    sentence per wrong variable, each naming it (and never a secret's value)."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(self.problems))


def report_and_exit(error: ConfigError) -> NoReturn:
    """End the process the way every entry point ends on a configuration error: one plain
    line on stderr, ``hours_service: configuration error: ...`` (logging is not configured
    yet: its settings are part of what failed), no traceback, and :data:`EXIT_STATUS`."""
    sys.stderr.write(f"{SERVICE}: configuration error: {error}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_STATUS)


def database_url_problem(url: str) -> str | None:
    """What is wrong with ``DATABASE_URL``, or ``None``. Never quotes the URL: it may hold a
    password. (The user service checks it in the same words.)"""
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


@dataclass(frozen=True)
class DatabaseUrl:
    host: str
    port: int
    name: str
    user: str
    password: str = field(repr=False)

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        if problem := database_url_problem(url):
            raise ConfigError(problem)
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            name=unquote(parts.path.lstrip("/")),
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
    port: int
    web_concurrency: int
    gunicorn_threads: int

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


# Marks of a placeholder: a secret holding one is refused in production.
PLACEHOLDER_MARKS = ("dev-only", "change-me", "changeme", "changethis")
MIN_SECRET_KEY_CHARACTERS = 32


class _Reader:
    """Reads variables and notes every problem instead of stopping at the first one, so one
    run of the service names everything that is wrong (:meth:`check` raises them at once)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.env.get(name, default).strip() or default
        if value.upper() in choices:
            value = value.upper()
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}, not {value!r}")
            return default
        return value

    def number(
        self, name: str, default: float, kind: type[int] | type[float], *, minimum: float = 0
    ) -> float:
        raw = self.env.get(name, "").strip()
        if not raw:
            return kind(default)
        try:
            value = kind(raw)
        except ValueError:
            self.problems.append(f"{name} must be {_KIND_NAMES[kind]}, not {raw!r}")
            return kind(default)
        if value < minimum:
            self.problems.append(f"{name} must be at least {minimum}, not {raw!r}")
            return kind(default)
        return value

    def whole(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        value = int(self.number(name, default, int, minimum=minimum))
        if maximum is not None and value > maximum:
            self.problems.append(f"{name} must be at most {maximum}, not {self.env[name].strip()!r}")
            return default
        return value

    def secret(self, name: str, dev_default: str, *, production: bool) -> str:
        """Never quotes the value."""
        value = self.env.get(name, "")
        if not production:
            return value or dev_default
        if not value or value == dev_default or any(mark in value.lower() for mark in PLACEHOLDER_MARKS):
            self.problems.append(
                f"{name} must be set to a real secret (no placeholder) when APP_ENV=production"
            )
        return value

    def required_in_production(self, name: str, dev_default: str, *, production: bool) -> str:
        value = self.env.get(name, "").strip()
        if not value and production:
            self.problems.append(f"{name} must be set when APP_ENV=production")
        return value or dev_default

    def check(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


_KIND_NAMES = {int: "a whole number", float: "a number"}


def _http_url_problem(name: str, url: str) -> str | None:
    """Not quoted either: a URL may carry credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"{name} is not a valid URL (its host or port cannot be read)"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"{name} must be an http:// or https:// URL with a host"
    return None


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read and check the environment; raise :class:`ConfigError` naming every problem."""
    read = _Reader(os.environ if env is None else env)
    app_env = read.choice("APP_ENV", "development", ("development", "test", "production"))
    production = app_env == "production"
    secret_key = read.secret("DJANGO_SECRET_KEY", DEV_SECRET_KEY, production=production)
    if production and secret_key and len(secret_key) < MIN_SECRET_KEY_CHARACTERS:
        read.problems.append(
            f"DJANGO_SECRET_KEY must be at least {MIN_SECRET_KEY_CHARACTERS} characters when APP_ENV=production"
        )
    database_url = read.required_in_production("DATABASE_URL", DEV_DATABASE_URL, production=production)
    if problem := database_url_problem(database_url):
        read.problems.append(problem)
    user_service_url = read.required_in_production(
        "USER_SERVICE_URL", "http://127.0.0.1:8001", production=production
    ).rstrip("/")
    if problem := _http_url_problem("USER_SERVICE_URL", user_service_url):
        read.problems.append(problem)
    client_id = read.required_in_production(
        "INTROSPECTION_CLIENT_ID", DEV_INTROSPECTION_CLIENT_ID, production=production
    )
    hosts = tuple(h.strip() for h in read.env.get("ALLOWED_HOSTS", "*").split(",") if h.strip())
    values = {
        "log_level": read.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
        "log_format": read.choice("LOG_FORMAT", "json", ("json", "console")),
        "introspection_client_secret": read.secret(
            "INTROSPECTION_CLIENT_SECRET", DEV_INTROSPECTION_CLIENT_SECRET, production=production
        ),
        "auth_cache_seconds": read.whole("AUTH_CACHE_SECONDS", 30),
        "user_service_connect_timeout": read.number("USER_SERVICE_CONNECT_TIMEOUT", 1.0, float),
        "user_service_read_timeout": read.number("USER_SERVICE_READ_TIMEOUT", 2.0, float),
        "prestart_db_attempts": read.whole("PRESTART_DB_ATTEMPTS", PRESTART_DB_ATTEMPTS, minimum=1),
        "prestart_db_delay_seconds": read.number(
            "PRESTART_DB_DELAY_SECONDS", PRESTART_DB_DELAY_SECONDS, float
        ),
        "port": read.whole("PORT", 8000, minimum=1, maximum=65535),
        "web_concurrency": read.whole("WEB_CONCURRENCY", 2, minimum=1),
        "gunicorn_threads": read.whole("GUNICORN_THREADS", 4, minimum=1),
    }
    read.check()
    return Config(
        app_env=app_env,  # type: ignore[arg-type]
        secret_key=secret_key,
        database=DatabaseUrl.parse(database_url),
        user_service_url=user_service_url,
        introspection_client_id=client_id,
        allowed_hosts=hosts or ("*",),
        **values,  # type: ignore[arg-type]
    )
