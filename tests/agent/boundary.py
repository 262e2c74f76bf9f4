"""Helpers that look at a store from the admin side: a fingerprint of its content and schema, and the CLI env."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from sightsearch.config import get_settings
from tests.agent.store import READER_PASSWORD

WATCHED = ("products", "price_history", "images", "dead_letters", "crawl_runs", "api_keys", "alembic_version")


def fingerprint(engine: Engine) -> dict[str, Any]:
    """Row counts and a content digest of every watched table, the list of tables, and the reader role's config."""
    found: dict[str, Any] = {}
    with engine.connect() as connection:
        for table in WATCHED:
            found[table] = connection.execute(text(f"SELECT COUNT(*), MAX(id) FROM {table}")).one() \
                if table != "alembic_version" else connection.scalar(text("SELECT version_num FROM alembic_version"))
        found["prices"] = connection.scalar(text("SELECT SUM(price) FROM products"))
        if engine.dialect.name == "postgresql":
            found["tables"] = connection.scalars(text("SELECT tablename FROM pg_tables ORDER BY 1")).all()
            found["role"] = connection.execute(text("SELECT rolsuper, rolconfig FROM pg_roles "
                                                    "WHERE rolname = 'sightsearch_reader'")).one()
        else:
            found["tables"] = connection.scalars(text("SELECT name FROM sqlite_master ORDER BY 1")).all()
    return found


def use_store(monkeypatch: pytest.MonkeyPatch, engine: Engine, **env: str) -> None:
    """Point the CLI's settings at ``engine``'s store (with the reader's password)."""
    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SIGHTSEARCH_QUERY_ROLE_PASSWORD", READER_PASSWORD)
    monkeypatch.setenv("SIGHTSEARCH_QUERY_TIMEOUT", "2")
    for name, value in env.items():
        monkeypatch.setenv(f"SIGHTSEARCH_{name.upper()}", value)
    get_settings.cache_clear()
