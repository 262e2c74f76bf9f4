"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sightsearch.storage.db import create_db_engine, upgrade_schema
from tests.services.postgres import create_database, throwaway_postgres


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """SIGHTSEARCH_TEST_POSTGRES_URL when set, else a throwaway server started for this session."""
    given = os.environ.get("SIGHTSEARCH_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with throwaway_postgres() as server:
        yield server.url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> str:
    """A fresh, empty database on the test PostgreSQL server."""
    return create_database(postgres_admin_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty store, once per backend: the store's contract holds on both."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A migrated, empty store (SQLite, then PostgreSQL)."""
    engine = create_db_engine(store_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite store, for tests about the embedded mode only."""
    engine = create_db_engine(sqlite_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()
