"""Test data in one place: registration payloads and users made through the services."""

from __future__ import annotations

from typing import Any

import factory
from flask import Flask

from user_service import db, services
from user_service.models import User

PASSWORD = "correct horse battery"


class UserPayloadFactory(factory.DictFactory):
    """A valid body for POST /api/users/v1/users."""

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = PASSWORD
    display_name = factory.LazyAttribute(lambda o: o.username.title())


def user_create(app: Flask, **overrides: Any) -> User:
    """A user straight through ``services.user_create`` (roles, e.g. ``roles=("user", "admin")``)."""
    payload = UserPayloadFactory(**overrides)
    with app.app_context():
        return services.user_create(session=db.get_session(), **payload)
