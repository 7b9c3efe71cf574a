"""The docs service's one typed settings object, read from the environment only (see
.env.example). :func:`load` reads it the way every Timekeeper service does
(``timekeeper_service.config``: every wrong variable named in one :class:`ConfigError`), which
gunicorn's config turns into one line and exit status 2 (:func:`report_and_exit`). The docs
service takes no secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from flask import current_app
from pydantic import Field
from timekeeper_service import config as shared
from timekeeper_service.config import ConfigError, HttpUrl, ServiceSettings, load_settings

__all__ = ["ApiSpec", "ConfigError", "Settings", "current_settings", "load", "report_and_exit"]

SETTINGS_EXTENSION = "docs_service.settings"
SERVICE = "docs_service"


def report_and_exit(error: ConfigError) -> NoReturn:
    """One line, ``docs_service: configuration error: ...``, and exit status 2."""
    shared.report_and_exit(SERVICE, error)


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


class Settings(ServiceSettings):
    """Every variable the docs service reads. Field names are the env names, lower-cased;
    ``ServiceSettings`` has those of every service (APP_ENV, LOG_*, PORT, WEB_CONCURRENCY,
    GUNICORN_THREADS)."""

    users_openapi_url: HttpUrl = "http://user:8000/api/users/openapi.json"
    hours_openapi_url: HttpUrl = "http://hours:8000/api/hours/openapi.json"
    #: seconds to wait for each document
    spec_fetch_timeout: float = Field(default=3.0, gt=0)

    @property
    def specs(self) -> tuple[ApiSpec, ...]:
        return (
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


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment (``os.environ`` by default); raise :class:`ConfigError`
    naming every problem."""
    return load_settings(Settings, environ)


def current_settings() -> Settings:
    """The settings of the app handling the current request."""
    return current_app.extensions[SETTINGS_EXTENSION]
