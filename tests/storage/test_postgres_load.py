"""PostgreSQL-specific guarantees of the load: concurrent loaders, and a database outage in the middle of a run."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sightsearch.errors import StageFailed
from sightsearch.etl.pipeline import EtlPipeline
from sightsearch.events.bus import MemoryBus
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import PriceObservation, Product
from sightsearch.storage.pending import park_batch, pending_batches
from tests.services.postgres import PostgresServer, create_database, throwaway_postgres


def batch(price: str = "10.00", n: int = 150) -> list[dict[str, Any]]:
    return [{"url": f"http://shop.test/p/{i}", "title": f"Desk lamp {i}", "price": price, "currency": "EUR",
             "sku": f"L{i}", "availability": "InStock"} for i in range(n)]


def counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        return (session.scalar(select(func.count()).select_from(Product)) or 0,
                session.scalar(select(func.count()).select_from(PriceObservation)) or 0)


def load_in_threads(engine: Engine, batches: list[list[dict[str, Any]]]) -> None:
    barrier = threading.Barrier(len(batches))

    def load(records: list[dict[str, Any]]) -> None:
        barrier.wait()
        asyncio.run(EtlPipeline(engine, MemoryBus(), "run-c").process(records))

    threads = [threading.Thread(target=load, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_two_concurrent_loads_of_the_same_batch_leave_no_duplicate(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    upgrade_schema(engine)
    load_in_threads(engine, [batch(), batch()])
    assert counts(engine) == (150, 150)
    load_in_threads(engine, [batch("12.00"), batch("12.00")])
    assert counts(engine) == (150, 300)  # one new price row per product, not two
    with session_scope(engine) as session:
        open_rows = session.scalar(select(func.count()).select_from(PriceObservation)
                                   .where(PriceObservation.valid_to.is_(None)))
    assert open_rows == 150


@pytest.fixture
def outage_server() -> Any:
    with throwaway_postgres() as server:
        yield server


def test_an_outage_during_load_is_retried_not_dropped(outage_server: PostgresServer) -> None:
    engine = create_db_engine(create_database(outage_server.url))
    upgrade_schema(engine)
    pipeline = EtlPipeline(engine, MemoryBus(), "run-o", load_retries=30, load_backoff=(0.2, 0.5))
    asyncio.run(pipeline.process(batch(n=20)))
    outage_server.stop()
    threading.Timer(2.0, outage_server.start).start()  # the database comes back while the load retries
    outcome = asyncio.run(pipeline.process(batch("11.00", n=20)))
    assert outcome.counts["load_retries"] >= 1
    assert outcome.counts["updated"] == 20
    assert counts(engine) == (20, 40)


def test_an_outage_longer_than_the_retries_fails_clearly(outage_server: PostgresServer, tmp_path: Path) -> None:
    engine = create_db_engine(create_database(outage_server.url))
    upgrade_schema(engine)
    outage_server.stop()
    pipeline = EtlPipeline(engine, MemoryBus(), "run-o", load_retries=1, load_backoff=(0.05, 0.1))
    with pytest.raises(StageFailed, match="stage 'load' failed in run run-o"):
        asyncio.run(pipeline.process(batch(n=5)))
    path = park_batch(tmp_path, "run-o", "cleanse", batch(n=5))
    assert [(p, start, len(records)) for p, start, records in pending_batches(tmp_path)] == [(path, "cleanse", 5)]
