"""The docs service's settings: one typed object, read from the environment only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

SETTINGS_EXTENSION = "docs_service.settings"
APP_ENVS = ("development", "test", "production")
LOG_FORMATS = ("json", "console")


class ConfigError(ValueError):
    """A setting from the environment has a value the service cannot run with."""


@dataclass(frozen=True, kw_only=True)
class ApiSpec:
    """One service's OpenAPI document, as the browser and as this service reach it."""

    key: str  # "users": the prefix of its names in the merged document, in lower case
    title: str  # "Users API": its name in the explorer's dropdown
    browser_url: str  # fetched by the browser, through the gateway (DESIGN.md fixes these)
    fetch_url: str  # fetched by this service to build the merged document

    @property
    def prefix(self) -> str:
        return self.key.capitalize()


@dataclass(frozen=True, kw_only=True)
class Settings:
    app_env: str = "development"
    log_level: str = "INFO"
    log_format: str = "json"
    users_openapi_url: str = "http://user:8000/api/users/openapi.json"
    hours_openapi_url: str = "http://hours:8000/api/hours/openapi.json"
    spec_fetch_timeout: float = 3.0
    specs: tuple[ApiSpec, ...] = field(init=False)

    def __post_init__(self) -> None:
        if self.app_env not in APP_ENVS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(APP_ENVS)}, not {self.app_env!r}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {self.log_format!r}")
        if self.spec_fetch_timeout <= 0:
            raise ConfigError("SPEC_FETCH_TIMEOUT must be a positive number of seconds")
        for name, url in (
            ("USERS_OPENAPI_URL", self.users_openapi_url),
            ("HOURS_OPENAPI_URL", self.hours_openapi_url),
        ):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"{name} must be an absolute http(s) URL, not {url!r}")
        specs = (
            ApiSpec(
                key="users",
                title="Users API",
                browser_url="/api/users/openapi.json",
                fetch_url=self.users_openapi_url,
            ),
            ApiSpec(
                key="hours",
                title="Hours API",
                browser_url="/api/hours/openapi.json",
                fetch_url=self.hours_openapi_url,
            ),
        )
        object.__setattr__(self, "specs", specs)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        try:
            timeout = float(env.get("SPEC_FETCH_TIMEOUT", defaults.spec_fetch_timeout))
        except ValueError:
            raise ConfigError("SPEC_FETCH_TIMEOUT must be a number of seconds") from None
        return cls(
            app_env=env.get("APP_ENV", defaults.app_env),
            log_level=env.get("LOG_LEVEL", defaults.log_level).upper(),
            log_format=env.get("LOG_FORMAT", defaults.log_format),
            users_openapi_url=env.get("USERS_OPENAPI_URL", defaults.users_openapi_url),
            hours_openapi_url=env.get("HOURS_OPENAPI_URL", defaults.hours_openapi_url),
            spec_fetch_timeout=timeout,
        )


def current_settings() -> Settings:
    """The settings of the app handling the current request."""
    return current_app.extensions[SETTINGS_EXTENSION]
