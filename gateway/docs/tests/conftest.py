"""Fixtures of the docs service's tests: settings pointing at the stub upstreams."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from docs_service import create_app
from docs_service.config import Settings
from flask import Flask
from flask.testing import FlaskClient
from stubs import StubUpstream, spec_settings


@pytest.fixture
def settings(users_stub: StubUpstream, hours_stub: StubUpstream) -> Settings:
    return spec_settings(users_stub.url, hours_stub.url)


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client_for(settings: Settings) -> Callable[..., FlaskClient]:
    """A client of an app with other settings: ``client_for(users_openapi_url=...)``."""
    return lambda **changes: create_app(settings.model_copy(update=changes)).test_client()
