"""Alembic environment. ``user_service.db.migrate`` hands in a connection (holding the
prestart lock); the ``alembic`` command line connects with DATABASE_URL itself."""

from alembic import context
from sqlalchemy import Connection

from user_service.config import load
from user_service.db import make_engine
from user_service.models import Base


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with make_engine(load(), bounded=False).connect() as own_connection:
        run(own_connection)
