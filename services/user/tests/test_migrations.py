"""The migrations build exactly what the models describe, and go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from user_service import db
from user_service.config import Settings
from user_service.models import Base


def test_migrations_match_the_models(empty_database_url):
    engine = db.make_engine(Settings(database_url=empty_database_url))
    db.migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_downgrade_and_upgrade_again(empty_database_url):
    engine = db.make_engine(Settings(database_url=empty_database_url))
    db.migrate(engine)
    with engine.begin() as connection:
        config = db.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    db.migrate(engine)
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()


def test_migrate_is_idempotent(empty_database_url):
    engine = db.make_engine(Settings(database_url=empty_database_url))
    db.migrate(engine)
    db.migrate(engine)
    engine.dispose()
