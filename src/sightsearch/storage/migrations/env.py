"""Alembic environment: runs against the engine handed in by ``sightsearch.storage.db``, or the configured URL."""

from __future__ import annotations

from alembic import context

from sightsearch.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    from sightsearch.config import get_settings
    from sightsearch.storage.db import create_db_engine

    return create_db_engine(get_settings().database_url)


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
