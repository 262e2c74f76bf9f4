"""What one app instance owns: its settings, a lazily created engine, caches, the run submitter and metrics."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine

from sightsearch.api.generation import StoreGeneration, store_generation
from sightsearch.api.inline import InlineReads
from sightsearch.api.similarity import ImageCatalogCache
from sightsearch.api.submit import RunSubmitter, make_submitter
from sightsearch.api.telemetry import build_registry
from sightsearch.config import Settings
from sightsearch.images.inspection import DecodeBudget
from sightsearch.storage.db import create_db_engine

T = TypeVar("T")
DECODE_THREADS = 2


class ApiState:
    """Shared by every request of one app. Nothing connects before the first request that needs the store."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self._engine, self._owns_engine = engine, engine is None
        self._submitter: RunSubmitter | None = None
        self._lock = threading.Lock()
        self.images = ImageCatalogCache(settings.near_duplicate_distance)
        self._db_pool: ThreadPoolExecutor | None = None
        self._decode_pool: ThreadPoolExecutor | None = None
        self._generation: StoreGeneration | None = None
        self._inline: InlineReads | None = None
        self.decode_budget = DecodeBudget(settings.api_image_decode_mb * 2**20)
        self.registry, self.http_metrics = build_registry(lambda: self.engine)

    @property
    def engine(self) -> Engine:
        """The store's engine, created on first use (an engine given to the app is used as is)."""
        with self._lock:
            if self._engine is None:
                self._engine = create_db_engine(self.settings.database_url)
            return self._engine

    async def run_db(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in the database threads: 2 on SQLite, 8 on PostgreSQL.

        Fewer threads than the 40 of FastAPI's pool: with one process and the GIL, a crowd of threads fighting for
        it costs more than the work on SQLite (a local file); PostgreSQL waits on the network, so more threads help.
        A plain executor: the hop costs ~0.15 ms less CPU than anyio's (measured on the product listing).
        """
        if self._db_pool is None:
            threads = 2 if self.engine.dialect.name == "sqlite" else 8
            self._db_pool = ThreadPoolExecutor(threads, thread_name_prefix="sightsearch-db")
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, function, *args)

    async def run_read(self, function: Callable[..., T], *args: Any) -> T:
        """``function(engine, *args)``, a read of the store: on the event loop within ``api_inline_read_ms`` on a
        SQLite store (``api.inline``), else, or when it ran past that budget, in the database threads."""
        inline = await self._inline_reads()
        if inline is not None:
            try:
                done, result = inline.run(function, *args)
            except Exception:
                self.http_metrics.inline_done.inc()  # answered on the loop all the same (a 404)
                raise
            (self.http_metrics.inline_done if done else self.http_metrics.inline_moved).inc()
            if done:
                return result  # type: ignore[return-value]
        return await self.run_db(function, self.engine, *args)

    async def _inline_reads(self) -> InlineReads | None:
        budget = self.settings.api_inline_read_ms / 1000
        if self._inline is None and budget > 0 and InlineReads.supports(self.engine):
            inline = InlineReads(self.engine, budget)
            await self.run_db(inline.warm)
            if self._inline is None:
                self._inline = inline
            else:  # another request made one meanwhile
                inline.close()
        return self._inline

    async def run_decode(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in one of ``DECODE_THREADS`` threads: image decoding is CPU and memory bound, more
        threads would only queue on the GIL and on the decode budget while holding their upload."""
        if self._decode_pool is None:
            self._decode_pool = ThreadPoolExecutor(DECODE_THREADS, thread_name_prefix="sightsearch-decode")
        return await asyncio.get_running_loop().run_in_executor(self._decode_pool, function, *args)

    def store_generation(self) -> StoreGeneration | None:
        """The reader of the store's generation (made on first use), or None for a store it cannot watch."""
        if self._generation is None:
            self._generation = store_generation(self.engine, self.run_db)
        return self._generation

    @property
    def submitter(self) -> RunSubmitter:
        """The run submitter, created on the first submission."""
        if self._submitter is None:
            self._submitter = make_submitter(self.settings, self.engine)
        return self._submitter

    def submitter_live_counts(self, run_id: str) -> Counter[str] | None:
        """Live counters of a run crawling in this process; None when unknown (never creates the submitter)."""
        return self._submitter.live_counts(run_id) if self._submitter is not None else None

    async def close(self) -> None:
        """Stop background runs and dispose of the engine if this app created it."""
        if self._submitter is not None:
            await self._submitter.close()
        if self._generation is not None:
            self._generation.close()
        for pool in (self._db_pool, self._decode_pool):
            if pool is not None:
                pool.shutdown(wait=False)
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._owns_engine and self._engine is not None:
            self._engine.dispose()
