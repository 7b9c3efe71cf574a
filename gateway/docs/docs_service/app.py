"""Assembles the app: config -> logging/request id -> errors -> health -> routes."""

from __future__ import annotations

from flask import Flask

from docs_service import errors, explorer, health, observability
from docs_service.config import SETTINGS_EXTENSION, Settings, load


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load()  # a ConfigError: gunicorn_conf has said it in one line first
    observability.configure_logging(settings)

    app = Flask(__name__, static_folder=None)
    app.extensions[SETTINGS_EXTENSION] = settings
    app.json.sort_keys = False

    observability.init_app(app)
    errors.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(explorer.bp)
    return app
