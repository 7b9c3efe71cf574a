"""The migrations build exactly what the models describe, and go down and up again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from user_service import db
from user_service.config import Settings
from user_service.models import Base


@pytest.fixture
def engine(empty_database_url) -> Iterator[Engine]:
    """An engine on an empty database, migrated to head."""
    engine = db.make_engine(Settings(database_url=empty_database_url))
    db.migrate(engine)
    yield engine
    engine.dispose()


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_and_upgrade_again(engine):
    with engine.begin() as connection:
        config = db.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    db.migrate(engine)
    assert "users" in inspect(engine).get_table_names()


def test_migrate_is_idempotent(engine):
    db.migrate(engine)
    assert "users" in inspect(engine).get_table_names()
