"""Fixtures of the docs service's tests: settings pointing at the stub upstreams."""

from __future__ import annotations

import pytest
from docs_service import create_app
from docs_service.config import Settings
from flask import Flask
from flask.testing import FlaskClient
from stubs import StubUpstream


@pytest.fixture
def settings(users_stub: StubUpstream, hours_stub: StubUpstream) -> Settings:
    return Settings(
        app_env="test",
        users_openapi_url=f"{users_stub.url}{users_stub.spec_path}",
        hours_openapi_url=f"{hours_stub.url}{hours_stub.spec_path}",
        spec_fetch_timeout=2.0,
    )


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
