"""Configuration, read the same way by every Timekeeper service.

A service declares its variables on a subclass of :class:`ServiceSettings` (field names are
the variable names in lower case) and reads them with :func:`load_settings`, which checks
every variable at once and raises one :class:`ConfigError` naming each wrong one; each
entry point turns that into one line on stderr and exit status 2 (:func:`report_and_exit`).

The variables come from the environment only (:class:`EnvironmentSource`):

- an empty variable counts as unset;
- a field marked :class:`Secret` is never quoted in a message, and may instead be read from
  the file that ``<NAME>_FILE`` names, the convention of the official images (Docker and
  Swarm secrets are mounted as files): the file's content, less one trailing newline, is
  the value. Setting both, or naming a file that cannot be read, is a configuration error
  (naming the variable, never the content);
- in production (``APP_ENV=production``) a :class:`Secret` with ``real_in_production`` is
  refused when it is unset, its development default or a placeholder, and a field marked
  :class:`SetInProduction` must be set.
"""

from __future__ import annotations

import os
import sys
import typing
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NoReturn, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

#: The exit status of every entry point on a configuration error: 2, the conventional
#: status of a usage error (as argparse's). Status 1 is for a failure at run time.
EXIT_STATUS = 2
#: Marks of a placeholder (as in the .env.example files): a secret holding one is refused
#: in production.
PLACEHOLDER_MARKS = ("dev-only", "change-me", "changeme", "changethis")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: the suffix of the variable that names a secret's file
FILE_SUFFIX = "_FILE"


class ConfigError(ValueError):
    """The environment does not describe a service that may start. ``problems`` has one
    sentence per wrong variable, each naming it (and never a secret's value)."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(self.problems))


def report_and_exit(service: str, error: ConfigError) -> NoReturn:
    """End the process the way every entry point ends on a configuration error: one plain
    line on stderr, ``<service>: configuration error: ...`` (logging is not configured yet:
    its settings are part of what failed), no traceback, and :data:`EXIT_STATUS`."""
    sys.stderr.write(f"{service}: configuration error: {error}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_STATUS)


# -- what a field is -------------------------------------------------------------------------
@dataclass(frozen=True)
class Secret:
    """Marks a secret field (``Annotated[SecretStr, Secret()]``): never quoted in a message,
    and also read from ``<NAME>_FILE``. With ``real_in_production``, production refuses it
    unset, at its development default (the field's default) or holding a placeholder, and
    shorter than ``min_length`` ``unit``."""

    real_in_production: bool = True
    min_length: int = 0
    unit: Literal["bytes", "characters"] = "characters"


@dataclass(frozen=True)
class SetInProduction:
    """Marks a field whose default is for development only: production wants it set."""


def _marker(field: FieldInfo, kind: type[Any]) -> Any:
    return next((item for item in field.metadata if isinstance(item, kind)), None)


def is_placeholder(value: SecretStr | str | None, *dev_defaults: object) -> bool:
    """Unset, a development default, or a value that says it is a placeholder."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else (value or "")
    defaults = {d.get_secret_value() if isinstance(d, SecretStr) else d for d in dev_defaults}
    return raw == "" or raw in defaults or any(mark in raw.lower() for mark in PLACEHOLDER_MARKS)


def database_url_problem(url: str) -> str | None:
    """What is wrong with ``DATABASE_URL``, or ``None``. Never quotes the URL: it may hold a
    password."""
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


def http_url_problem(name: str, url: str) -> str | None:
    """What is wrong with an http(s) URL in variable ``name``, or ``None``. Not quoted
    either: a URL may carry credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"{name} is not a valid URL (its host or port cannot be read)"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"{name} must be an http:// or https:// URL with a host"
    return None


def _check_database_url(value: str) -> str:
    if problem := database_url_problem(value):
        raise ConfigError(problem)
    return value


def _check_http_url(value: str, info: ValidationInfo) -> str:
    if problem := http_url_problem(str(info.field_name).upper(), value):
        raise ConfigError(problem)
    return value


#: ``DATABASE_URL``: a postgresql:// URL naming a database; a secret (it holds the password)
#: that production wants set, though not refused as a placeholder.
DatabaseUrl = Annotated[
    str, AfterValidator(_check_database_url), Secret(real_in_production=False), SetInProduction()
]
#: an http:// or https:// URL with a host
HttpUrl = Annotated[str, AfterValidator(_check_http_url)]


# -- where values come from ------------------------------------------------------------------
@dataclass(frozen=True)
class SourceProblem:
    """A value the environment could not give (both ``NAME`` and ``NAME_FILE`` set, a file
    that cannot be read, nothing where production wants a value): :class:`ServiceSettings`
    reports it as that field's problem, with every other one."""

    problem: str


class EnvironmentSource(PydanticBaseSettingsSource):
    """Every field from the variable of its name in upper case; a :class:`Secret` field
    also from the file ``<NAME>_FILE`` names. An empty variable (or secret file) counts as
    unset, so ``NAME=`` in a Compose file or .env means the default."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = {name: value for name, value in environ.items() if value != ""}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.environ.get(field_name.upper()), field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            variable = name.upper()
            path = self.environ.get(variable + FILE_SUFFIX) if _marker(field, Secret) else None
            if path is None:
                if variable in self.environ:
                    values[name] = self.environ[variable]
            elif variable in self.environ:
                values[name] = SourceProblem(
                    f"{variable} and {variable}{FILE_SUFFIX} are both set (set one of them)"
                )
            elif (content := _read_secret_file(variable + FILE_SUFFIX, path)) != "":
                values[name] = content
        return values


def _read_secret_file(variable: str, path: str) -> str | SourceProblem:
    """The file's text less one trailing newline; the problem names the variable and the
    path, never the content."""
    try:
        with open(path, encoding="utf-8") as file:
            return file.read().removesuffix("\n")
    except UnicodeDecodeError:
        return SourceProblem(f"{variable} names a file that is not UTF-8 text ({path})")
    except OSError as exc:
        return SourceProblem(f"{variable} names a file that cannot be read ({path}: {exc.strerror})")


#: the environment :func:`load_settings` was given (``None``: ``os.environ``)
_environ: ContextVar[Mapping[str, str] | None] = ContextVar("timekeeper_environ", default=None)


@contextmanager
def _reading(environ: Mapping[str, str] | None) -> Iterator[None]:
    token = _environ.set(environ)
    try:
        yield
    finally:
        _environ.reset(token)


# -- the settings every service has ---------------------------------------------------------
class ServiceSettings(BaseSettings):
    """What every Timekeeper service reads, and how. Subclass it; read with :func:`load_settings`."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, validate_default=True)

    app_env: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    #: gunicorn's (each gunicorn_conf reads them from here, so they are checked with the rest)
    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int = Field(default=2, ge=1)
    #: threads per worker (gthread): a request that waits (on another service, the database,
    #: a password hash) holds a thread, not the worker
    gunicorn_threads: int = Field(default=4, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments (tests), then the environment: no .env file, no secrets directory."""
        environ = _environ.get()
        return init_settings, EnvironmentSource(settings_cls, os.environ if environ is None else environ)

    @model_validator(mode="before")
    @classmethod
    def _set_in_production(cls, data: Any) -> Any:
        """A :class:`SetInProduction` field nothing set is a problem in production: said as
        that field's, with every other problem."""
        if isinstance(data, dict) and data.get("app_env") == "production":
            for name, field in cls.model_fields.items():
                if _marker(field, SetInProduction) and name not in data:
                    data[name] = SourceProblem(f"{name.upper()} must be set when APP_ENV=production")
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _source_problem(cls, value: object) -> object:
        if isinstance(value, SourceProblem):
            raise ConfigError(value.problem)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) and value.upper() in LOG_LEVELS else value

    @field_validator("*")
    @classmethod
    def _production_rules(cls, value: Any, info: ValidationInfo) -> Any:
        """The :class:`Secret` and :class:`SetInProduction` rules. ``app_env`` is the first
        field, so it is known here (unless it was wrong itself: then only that is said)."""
        if info.data.get("app_env") != "production" or info.field_name is None:
            return value
        field = cls.model_fields[info.field_name]
        name = info.field_name.upper()
        secret = _marker(field, Secret)
        if secret and secret.real_in_production:
            if is_placeholder(value, field.default):
                raise ConfigError(
                    f"{name} must be set to a real secret (no placeholder) when APP_ENV=production"
                )
            raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            length = len(raw.encode()) if secret.unit == "bytes" else len(raw)
            if length < secret.min_length:
                raise ConfigError(
                    f"{name} must be at least {secret.min_length} {secret.unit} when APP_ENV=production"
                )
        return value

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        """Fields never quoted in a message."""
        return frozenset(name for name, field in cls.model_fields.items() if _marker(field, Secret))


S = TypeVar("S", bound=ServiceSettings)


def load_settings(settings_cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Read ``settings_cls`` from ``environ`` (``os.environ`` by default) and check it; raise
    :class:`ConfigError` naming every wrong variable (pydantic checks them all at once)."""
    try:
        with _reading(environ):
            return settings_cls()
    except ValidationError as exc:
        # from None: pydantic's error quotes the input, a secret's too
        raise ConfigError([p for error in exc.errors() for p in _problems(settings_cls, error)]) from None


#: pydantic's bound errors: the context key with the limit, and the words for it
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "greater than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def _problems(settings_cls: type[ServiceSettings], error: Any) -> tuple[str, ...]:
    """pydantic's error in the words every service uses for the same mistake."""
    context = error.get("ctx", {})
    if isinstance(context.get("error"), ConfigError):  # ours, from a validator
        return context["error"].problems
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field.upper()
    kind = error["type"]
    if kind == "literal_error":
        choices = typing.get_args(settings_cls.model_fields[field].annotation)
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
    if field not in settings_cls.secret_fields() and isinstance(error.get("input"), str) and error["input"]:
        problem += f", not {error['input']!r}"
    return (problem,)
