"""Fixtures of the agent tests: the demo shop crawled twice into SQLite, copied into PostgreSQL with the role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from sightsearch.agent import QueryService
from sightsearch.config import Settings
from sightsearch.storage.db import create_db_engine, upgrade_schema
from sightsearch.storage.query_role import ensure_query_role
from tests.agent.store import agent_settings, crawl_demo_twice
from tests.api.conftest import copy_store
from tests.services.postgres import create_database


@pytest.fixture(scope="session")
def asked_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo shop crawled at epoch 0 then epoch 1 into SQLite."""
    engine = crawl_demo_twice(tmp_path_factory.mktemp("agent") / "asked.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def asked_postgres(asked_sqlite: Engine, postgres_admin_url: str) -> Iterator[Engine]:
    """The same rows in PostgreSQL, with the read-only role created as `sightsearch db upgrade` does."""
    engine = create_db_engine(create_database(postgres_admin_url))
    upgrade_schema(engine)
    copy_store(asked_sqlite, engine)
    assert ensure_query_role(engine, agent_settings().query_role, agent_settings().query_role_password)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def asked(request: pytest.FixtureRequest) -> Engine:
    """The crawled store, once per backend."""
    return request.getfixturevalue("asked_sqlite" if request.param == "sqlite" else "asked_postgres")


@pytest.fixture
def settings() -> Settings:
    return agent_settings()


@pytest.fixture
def service(asked: Engine, settings: Settings) -> Iterator[QueryService]:
    service = QueryService(asked, settings)
    yield service
    service.close()
