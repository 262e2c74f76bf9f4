"""Alembic migrations go up and down on SQLite and PostgreSQL, and the models match the migrated schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sightsearch.storage.db import create_db_engine, current_revision, downgrade_schema, upgrade_schema
from sightsearch.storage.models import Base


def test_upgrade_downgrade_upgrade(store_url: str) -> None:
    engine = create_db_engine(store_url)
    upgrade_schema(engine)
    assert current_revision(engine) is not None
    assert {"products", "price_history", "images", "dead_letters", "crawl_runs", "events"} <= set(inspect(engine).get_table_names())
    downgrade_schema(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_schema(engine)
    assert "products" in inspect(engine).get_table_names()


def test_models_match_migrations(store_url: str) -> None:
    engine = create_db_engine(store_url)
    upgrade_schema(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    if engine.dialect.name == "sqlite":  # GIN indexes exist on PostgreSQL only
        diff = [d for d in diff if not (d[0] == "add_index" and d[1].dialect_options["postgresql"]["using"] == "gin")]
    assert diff == []
