"""Shared fixtures. One database per test session, migrated like production (prestart's
``db.migrate``); every test starts from empty tables. Password hashing is cheap here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient
from pytest_postgresql.executors.noop import NoopExecutor
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import text

from tests.factories import user_create
from tests.helpers import SERVICE_ID, SERVICE_SECRET, SIGNING_KEY, basic, bearer, login, make_app
from user_service import db
from user_service.config import Settings
from user_service.models import Base, User


def _database(server: NoopExecutor, dbname: str) -> Iterator[str]:
    with DatabaseJanitor(user=server.user, host=server.host, port=server.port, dbname=dbname):
        yield f"postgresql://{server.user}@{server.host}:{server.port}/{dbname}"


@pytest.fixture(scope="session")
def database_url(postgresql_server: NoopExecutor) -> Iterator[str]:
    """The suite's database, migrated once by the ``app`` fixture."""
    yield from _database(postgresql_server, "users_test")


@pytest.fixture
def empty_database_url(postgresql_server: NoopExecutor) -> Iterator[str]:
    """A database of its own, with no tables, for tests of migrations and prestart."""
    yield from _database(postgresql_server, f"users_empty_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        app_env="test",
        database_url=database_url,
        jwt_signing_key=SIGNING_KEY,
        introspection_client_id=SERVICE_ID,
        introspection_client_secret=SERVICE_SECRET,
        admin_username=None,
        admin_email=None,
        admin_password=None,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> APIFlask:
    app = make_app(settings)
    with app.app_context():
        db.migrate(db.get_engine())
    return app


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> None:
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with app.app_context(), db.get_engine().begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def client(app: APIFlask) -> FlaskClient:
    return app.test_client()


# -- users and tokens -------------------------------------------------------------------
@pytest.fixture
def user(app: APIFlask) -> User:
    return user_create(app, username="ada", email="ada@example.com")


@pytest.fixture
def tokens(client: FlaskClient, user: User) -> dict[str, Any]:
    return login(client, user.username)


@pytest.fixture
def auth_headers(tokens: dict[str, Any]) -> dict[str, str]:
    return bearer(tokens["access_token"])


@pytest.fixture
def admin(app: APIFlask) -> User:
    return user_create(app, username="root", email="root@example.com", roles=("user", "admin"))


@pytest.fixture
def admin_headers(client: FlaskClient, admin: User) -> dict[str, str]:
    return bearer(login(client, admin.username)["access_token"])


@pytest.fixture
def service_headers() -> dict[str, str]:
    return basic(SERVICE_ID, SERVICE_SECRET)
