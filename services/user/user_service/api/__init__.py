"""The HTTP API: one blueprint per resource."""

from __future__ import annotations

from apiflask import APIFlask

from user_service.api import introspection, metrics, tokens, users


def init_app(app: APIFlask) -> None:
    for module in (users, tokens, introspection, metrics):
        app.register_blueprint(module.bp)
