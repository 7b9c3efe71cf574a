"""Timekeeper's user service: accounts, OAuth2 tokens, revocation and introspection.

``create_app`` reads like every Timekeeper service: config → logging and request ids →
errors → database → health → the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask

from user_service import api, db, errors, health, observability, openapi
from user_service.auth import BEARER_SCHEME_NAME
from user_service.config import Settings, load
from user_service.security import EXTENSION as SECURITY_EXTENSION
from user_service.security import Security

__all__ = ["create_app"]

#: RFC 9106's low-memory argon2id profile; tests lower these through ``create_app(config)``
ARGON2_DEFAULTS = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536, "ARGON2_PARALLELISM": 4}


def create_app(config: Mapping[str, Any] | None = None) -> APIFlask:
    """Build the app. ``config`` overrides Flask config keys; ``SETTINGS`` replaces the env
    (read by :func:`user_service.config.load`, which raises ``ConfigError`` on a wrong value).

    Example (tests): ``create_app({"SETTINGS": Settings(database_url=...), "ARGON2_TIME_COST": 1})``.
    """
    overrides = dict(config or {})
    settings: Settings = overrides.pop("SETTINGS", None) or load()

    app = APIFlask(
        __name__,
        title="Timekeeper user service",
        version="1.0.0",
        spec_path="/api/users/openapi.json",
        docs_path=None,
        docs_oauth2_redirect_path=None,
    )
    app.config.update(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=64 * 1024,
        SERVERS=[{"url": "/"}],  # the same paths at the gateway and on the service itself
        DESCRIPTION="Accounts and OAuth2 tokens. Log in with **Authorize** (password flow).",
        SECURITY_SCHEMES={
            BEARER_SCHEME_NAME: {
                "type": "oauth2",
                "description": "Log in with a username (or email) and password.",
                "flows": {"password": {"tokenUrl": "/api/users/v1/token", "scopes": {}}},
            }
        },
        HTTP_ERROR_SCHEMA=openapi.PROBLEM_SCHEMA,
        VALIDATION_ERROR_SCHEMA=openapi.PROBLEM_SCHEMA,
        VALIDATION_ERROR_STATUS_CODE=400,  # as the hours service (DRF) answers
        **ARGON2_DEFAULTS,
    )
    app.config.update(overrides)
    app.spec_processor(openapi.process)

    observability.configure_logging(settings)
    observability.init_app(app)
    errors.init_app(app)
    db.init_app(app, settings)
    app.extensions[SECURITY_EXTENSION] = Security.build(
        settings,
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    app.register_blueprint(health.bp)
    api.init_app(app)
    return app
