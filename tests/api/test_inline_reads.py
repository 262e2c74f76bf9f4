"""Reads of a SQLite store on the event loop (``api.inline``): the same answers as in a thread, and a read that is
slow, blocked by a lock or writing moves to a database thread instead of stalling the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from sightsearch.api import create_app
from sightsearch.api.state import ApiState
from tests.api.conftest import api_settings, client_for

SORTS = ("id", "-price", "title")


async def every_answer(api: httpx.AsyncClient) -> list[bytes]:
    """Every listing page of a few orders (cursors followed to the end), then the detail of every product."""
    bodies: list[bytes] = []
    ids: set[int] = set()
    for sort in SORTS:
        cursor = None
        while True:
            params = {"limit": 7, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await api.get("/api/v1/products", params=params)).raise_for_status()
            bodies.append(page.content)
            ids |= {item["id"] for item in page.json()["items"]}
            if not (cursor := page.json()["next_cursor"]):
                break
    for product_id in sorted(ids):
        bodies.append((await api.get(f"/api/v1/products/{product_id}")).raise_for_status().content)
    bodies.append((await api.get("/api/v1/products/99999999")).content)  # the 404 inline too
    return bodies


def inline_counts(metrics: str) -> dict[str, float]:
    prefix = "sightsearch_api_inline_reads_total{result="
    return {line[len(prefix) + 1:].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines() if line.startswith(prefix)}


async def test_inline_reads_answer_what_thread_reads_answer(crawled_sqlite: Engine) -> None:
    answers, counts = {}, {}
    for budget in (0.0, 2.0):
        app = create_app(api_settings(api_response_cache_mb=0, api_inline_read_ms=budget), engine=crawled_sqlite)
        async with client_for(app) as api:
            answers[budget] = await every_answer(api)
            counts[budget] = inline_counts((await api.get("/metrics")).text)
    assert answers[2.0] == answers[0.0]
    assert len(answers[0.0]) > 200  # the whole shop: listing pages of three orders and every product's detail
    assert counts[0.0] == {"done": 0.0, "moved": 0.0}
    assert counts[2.0]["done"] > counts[2.0]["moved"]  # most of them on the loop (a starved machine moves a few)
    assert counts[2.0]["moved"] >= 1  # at least the first detail: its image catalog had never been built


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    """A SQLite file in rollback-journal mode (so that a writer's lock blocks readers) with a 3-row table."""
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}", connect_args={"timeout": 30})
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1), (2), (3)"))
    yield engine
    engine.dispose()


def count_rows(engine: Engine) -> tuple[int, str]:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM t")).scalar_one(), threading.current_thread().name


def count_slowly(engine: Engine) -> tuple[int, str]:
    """Counts to 3 million in SQL (hundreds of milliseconds), far past a 1 ms budget."""
    sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c"
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one(), threading.current_thread().name


def add_row(engine: Engine) -> str:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (4)"))
    return threading.current_thread().name


async def read(store: Engine, function: Any, budget_ms: float = 1.0) -> tuple[Any, dict[str, float]]:
    state = ApiState(api_settings(api_inline_read_ms=budget_ms), engine=store)
    try:
        result = await state.run_read(function)
        moved = state.http_metrics.inline_moved._value.get()  # noqa: SLF001 - the counter's own value
        done = state.http_metrics.inline_done._value.get()  # noqa: SLF001
        return result, {"done": done, "moved": moved}
    finally:
        await state.close()


async def test_a_quick_read_runs_on_the_loop(store: Engine) -> None:
    (count, thread), counts = await read(store, count_rows)
    assert count == 3 and thread == threading.current_thread().name
    assert counts == {"done": 1, "moved": 0}


async def test_a_read_past_the_budget_is_stopped_and_run_in_a_thread(store: Engine) -> None:
    (count, thread), counts = await read(store, count_slowly)
    assert count == 3_000_000 and thread.startswith("sightsearch-db")
    assert counts == {"done": 0, "moved": 1}


async def test_a_read_that_meets_a_lock_moves_to_a_thread_and_the_loop_runs_on(store: Engine) -> None:
    writer = sqlite3.connect(store.url.database, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO t VALUES (9)")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(tick())
    try:
        reading = asyncio.create_task(read(store, count_rows))
        # The loop must tick on while the read waits for the writer. Ten ticks take 0.1 s; a loaded machine may stall
        # the whole process for a moment (CI once saw 2 ticks in 0.3 s), so they get up to 5 s, still far below the
        # 30 s the blocked read would wait: a read that blocked the loop would end (failing) before the ticks came.
        for _ in range(500):
            if ticks >= 10:
                break
            await asyncio.sleep(0.01)
        assert not reading.done()  # waiting for the writer, in the thread...
        assert ticks >= 10  # ...while the loop kept running
        writer.execute("COMMIT")
        (count, thread), counts = await reading
    finally:
        ticking.cancel()
        writer.close()
    assert count == 4 and thread.startswith("sightsearch-db")
    assert counts == {"done": 0, "moved": 1}


async def test_a_write_never_runs_on_the_loop(store: Engine) -> None:
    thread, counts = await read(store, add_row)
    assert thread.startswith("sightsearch-db")
    assert counts == {"done": 0, "moved": 1}
    assert count_rows(store)[0] == 4  # written once, by the thread


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"])
async def test_inline_reads_only_on_a_sqlite_file(url: str) -> None:
    memory = create_engine(url)
    state = ApiState(api_settings(), engine=memory)
    try:
        assert await state._inline_reads() is None  # noqa: SLF001 - a second engine would open another, empty database
    finally:
        await state.close()
        memory.dispose()
