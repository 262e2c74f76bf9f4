"""The API on a real store: the demo shop crawled once into SQLite, copied into PostgreSQL, served in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, insert, select, text

from sightsearch.api import create_app
from sightsearch.api.keys import create_api_key
from sightsearch.config import Settings
from sightsearch.demo import DemoShop, running_demo_site
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import CrawlRun, DeadLetter, ImageRecord, PriceObservation, Product
from tests.services.postgres import create_database

COPIED = (Product, PriceObservation, ImageRecord, CrawlRun, DeadLetter)
# A fifth smaller than the default shop (faster to crawl); from 230 products on it still has near-duplicate groups.
SHOP = {"products": 240}


def api_settings(**overrides: Any) -> Settings:
    """Fast back-off for crawls the tests start; everything else at its secure default."""
    return Settings(backoff_base=0.05, backoff_max=0.5, max_retry_after=2, **overrides)


@pytest.fixture(scope="session")
def truth() -> dict[str, Any]:
    return DemoShop(**SHOP).truth()


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    with running_demo_site(port=0, transient_failures=False, **SHOP) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def crawled_sqlite(demo_site: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The whole demo shop crawled once (images included) into SQLite."""
    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('api') / 'crawled.db'}")
    upgrade_schema(engine)
    run = EmbeddedRun(api_settings(), engine=engine, max_pages=300)
    asyncio.run(run.execute([demo_site + "/"]))
    yield engine
    engine.dispose()


def copy_store(source: Engine, target: Engine) -> None:
    """Copy the crawled rows into another migrated store, ids included (and PostgreSQL sequences moved past them)."""
    with source.connect() as reader, session_scope(target) as session:
        for model in COPIED:
            rows = [dict(row) for row in reader.execute(select(model.__table__)).mappings()]
            if rows:
                session.execute(insert(model.__table__), rows)
        for model in COPIED:
            if model is not CrawlRun:
                table = model.__tablename__
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT coalesce(max(id), 1) FROM {table}))"))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def crawled(request: pytest.FixtureRequest, crawled_sqlite: Engine) -> Iterator[Engine]:
    """The crawled store, once per backend."""
    if request.param == "sqlite":
        yield crawled_sqlite
        return
    engine = create_db_engine(create_database(request.getfixturevalue("postgres_admin_url")))
    upgrade_schema(engine)
    copy_store(crawled_sqlite, engine)
    yield engine
    engine.dispose()


def client_for(app: FastAPI) -> httpx.AsyncClient:
    """An HTTP client calling ``app`` in-process; server errors come back as responses, as a real client sees them."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://localhost")


@pytest.fixture
async def api(crawled: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API over the crawled store (default settings: reads open, writes need a key)."""
    async with client_for(create_app(api_settings(), engine=crawled)) as client:
        yield client


def new_key(engine: Engine, name: str = "test") -> str:
    """A fresh API key stored in ``engine``'s store."""
    with session_scope(engine) as session:
        return create_api_key(session, name)[1]
