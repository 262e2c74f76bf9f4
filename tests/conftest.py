"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sightsearch.storage.db import create_db_engine, upgrade_schema


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite store in a temporary folder."""
    engine = create_db_engine(sqlite_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()
