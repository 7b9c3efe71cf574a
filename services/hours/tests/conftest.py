"""Fixtures for the whole suite: Postgres from the timekeeper plugin, a stub user service,
principals with tokens, and API clients."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from hours_service.auth import Principal
from rest_framework.test import APIClient
from timekeeper_dev.introspection_stub import CLIENT_ID, CLIENT_SECRET, IntrospectionStub

from tests.factories import PrincipalFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgresql_server: Any) -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    db.update(
        HOST=postgresql_server.host,
        PORT=postgresql_server.port,
        USER=postgresql_server.user,
        PASSWORD="",
        NAME="hours",
        CONN_MAX_AGE=0,
    )


@pytest.fixture(scope="session")
def user_service() -> Iterator[IntrospectionStub]:
    with IntrospectionStub(CLIENT_ID, CLIENT_SECRET) as stub:
        yield stub


@pytest.fixture(autouse=True)
def _point_at_user_service(user_service: IntrospectionStub, settings: Any) -> Iterator[None]:
    settings.USER_SERVICE_URL = user_service.url
    settings.INTROSPECTION_CLIENT_ID = CLIENT_ID
    settings.INTROSPECTION_CLIENT_SECRET = CLIENT_SECRET
    # Generous: the machine may be busy. The timeout tests lower the read timeout.
    settings.USER_SERVICE_CONNECT_TIMEOUT = 2.0
    settings.USER_SERVICE_READ_TIMEOUT = 5.0
    settings.AUTH_CACHE_SECONDS = 30
    user_service.reset()
    cache.clear()
    yield
    cache.clear()


def active_answer(principal: Principal) -> dict[str, Any]:
    return {
        "active": True,
        "sub": principal.id,
        "username": principal.username,
        "roles": list(principal.roles),
        "exp": principal.exp,
        "iat": int(time.time()),
        "jti": secrets.token_hex(8),
    }


@pytest.fixture
def token_for(user_service: IntrospectionStub) -> Callable[[Principal], str]:
    """A fresh token that the stub user service says is ``principal``'s."""

    def make(principal: Principal) -> str:
        return user_service.token_for(active_answer(principal))

    return make


@pytest.fixture
def user() -> Principal:
    return PrincipalFactory(id="ada-id", username="ada")


@pytest.fixture
def other_user() -> Principal:
    return PrincipalFactory(id="bob-id", username="bob")


@pytest.fixture
def admin() -> Principal:
    return PrincipalFactory(id="root-id", username="root", roles=("user", "admin"))


@pytest.fixture
def auth_headers(user: Principal, token_for: Callable[[Principal], str]) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_for(user)}"}


@pytest.fixture
def admin_headers(admin: Principal, token_for: Callable[[Principal], str]) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}


@pytest.fixture
def client() -> APIClient:
    """An API client without credentials."""
    return APIClient()


@pytest.fixture
def client_for(token_for: Callable[[Principal], str]) -> Callable[[Principal], APIClient]:
    def make(principal: Principal) -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(principal)}")
        return api

    return make


@pytest.fixture
def api(client_for: Callable[[Principal], APIClient], user: Principal) -> APIClient:
    """An API client that calls as ``user``."""
    return client_for(user)
