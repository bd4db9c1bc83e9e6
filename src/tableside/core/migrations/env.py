"""Alembic environment: runs on the connection handed over by ``tableside.core.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tableside.core.models import Base

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `tableside migrate`")
run_on(connection)
