"""Where pages are parsed: in the caller's thread, or in parser processes fed in small batches.

Handing one page to a ``ProcessPoolExecutor`` costs the event loop ~130 us of CPU (the executor's manager thread,
its wake-up pipe, a pickle per call, and the GIL hand-offs between them), about as much as fetching the page. So
pages that arrive while every parser is busy wait in a list and travel together, in one call, when a parser frees
up: the cost is paid per batch (~20 us per page at 8 pages a batch), and a page never waits longer than one batch.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sightsearch.crawl.analysis import PageAnalysis, analyse_page, failed_analysis

log = logging.getLogger(__name__)

Arguments = tuple[Any, ...]  # analyse_page's arguments: (page, request, run_id, spec, selectors, keep_inferred)
BatchAnalyser = Callable[[list[Arguments]], list[PageAnalysis]]

_OWNER_CHECK = 1.0  # seconds between a parser process's checks that its owner is alive
_MAX_BATCH = 16  # pages per call: enough to amortise the hand-off, small enough to keep results flowing
_BATCHES_PER_PROCESS = 2  # one being parsed, one waiting in the pool's queue, so a parser never idles on IPC
DEFAULT_BACKLOG_BYTES = 64 * 1024 * 1024  # the ``parse_backlog_mb`` setting's default
_FIRST_PAGE_GUESS = 256 * 1024  # what a fetch counts for before any page told the site's size (body and text)


class PageParser(Protocol):
    async def __call__(self, *arguments: Any) -> PageAnalysis: ...

    def room(self) -> AbstractAsyncContextManager[None]:
        """Held around a page's fetch: entered when the pages waiting for this parser leave room for one more."""


class InlineParser:
    """Parse in the caller's thread (the Celery worker's mode: one process per slot already). Nothing waits."""

    async def __call__(self, *arguments: Any) -> PageAnalysis:
        return analyse_page(*arguments)

    def room(self) -> AbstractAsyncContextManager[None]:
        return nullcontext()


parse_inline = InlineParser()


def analyse_pages(batch: list[Arguments]) -> list[PageAnalysis]:
    """``analyse_page`` for each page of ``batch``, in one call to a parser process."""
    return [analyse_page(*arguments) for arguments in batch]


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()  # the pool may be made by ``warm_up`` in a thread while the loop asks for it
_warming: list[Future[None]] = []  # the warm-up calls of the current pool: done when its processes are up


def pool_size(processes: int) -> int:
    """Parser processes for the ``parse_processes`` setting: 0 means one per core beyond the first."""
    return processes if processes > 0 else (os.cpu_count() or 1) - 1


def parse_pool(processes: int) -> ProcessPoolExecutor | None:
    """The process-wide pool of parser processes (shared by every run of this process), or None for none."""
    global _pool
    wanted = pool_size(processes)
    if wanted <= 0:
        return None
    with _pool_lock:
        return _pool or _new_pool(wanted)


def _new_pool(wanted: int) -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # forkserver: children never inherit the parent's threads (event loop, database pool, Kafka sender). The
        # server imports the parsing code once, so a parser (the first, or one replacing a dead one) starts at once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        _pool = ProcessPoolExecutor(max_workers=wanted, mp_context=context, initializer=_exit_with,
                                    initargs=(os.getpid(),))
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


def _exit_with(owner: int) -> None:
    """In a parser process: exit when the process that owns the pool is gone. A parser waits on its queue forever
    otherwise (and keeps the fork server alive with it) when its owner is killed before it can shut the pool down."""

    def watch() -> None:
        while True:
            time.sleep(_OWNER_CHECK)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _ready() -> None:
    """Nothing: a call that makes the pool start its processes (they import the parsing code on the way)."""


def warm_up(processes: int) -> None:
    """Start the parser processes (blocking: run it in a thread). Until they are up, ``pool_ready`` is False and
    pages are parsed in the caller's thread, so the crawl's first pages never wait for the fork server to boot."""
    try:
        pool = parse_pool(processes)
        if pool is not None:
            _warming[:] = [pool.submit(_ready) for _ in range(pool_size(processes))]
    except (OSError, RuntimeError) as err:  # the pages will say it too: each one's parse fails with the reason
        log.warning("could not start the parser processes: %s", err)


def pool_ready() -> bool:
    """False while ``warm_up`` is starting the parser processes."""
    return all(future.done() for future in _warming)


def reset_parse_pool(broken: ProcessPoolExecutor | None = None) -> None:
    """Forget a broken pool (a parser process died, e.g. killed for memory): the next call gets a fresh one. With
    ``broken``, only when that pool is still the current one (its other callers may have replaced it already)."""
    global _pool
    if _pool is not None and (broken is None or broken is _pool):
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def page_parser(processes: int, backlog_bytes: int = DEFAULT_BACKLOG_BYTES) -> PageParser:
    """The embedded mode's parser: batched to a process pool, or inline when there is no core to spare."""
    if pool_size(processes) > 0:
        return BatchedPoolParser(processes, backlog_bytes=backlog_bytes)
    return parse_inline


def _page_bytes(page: Any) -> int:
    """What a fetched page holds in memory while it waits: its body, and its decoded text (up to 4 bytes a
    character; counted as its length, the common case of one)."""
    return len(page.body) + len(page.text)


class BatchedPoolParser:
    """Sends pages to the parser processes in batches; one per event loop (its futures belong to that loop).

    When a parser process dies, the pages it held become suspects: each is parsed again alone, with nothing else in
    the pool, so only a page that kills its parser by itself is lost (dead-lettered with the reason), never the
    pages that happened to share its batch or its pool.
    """

    def __init__(self, processes: int, *, analyse: BatchAnalyser = analyse_pages,
                 backlog_bytes: int = DEFAULT_BACKLOG_BYTES) -> None:
        self.processes = processes
        self.analyse = analyse  # a picklable top-level function of a batch, like ``analyse_pages``
        self.backlog_bytes = backlog_bytes
        self._backlog = 0  # bytes of the pages handed to this parser and not yet back
        self._fetching = 0  # fetches admitted by ``room`` whose page is not handed over yet
        self._page_estimate = float(_FIRST_PAGE_GUESS)  # bytes a page holds: a moving mean of the pages handed over
        self._sized = False  # True once a page has been handed over
        self._changed = asyncio.Event()
        self._waiting: list[tuple[Arguments, asyncio.Future[PageAnalysis]]] = []
        self._suspects: list[tuple[Arguments, asyncio.Future[PageAnalysis]]] = []
        self._in_flight = 0
        self._limit = _BATCHES_PER_PROCESS * pool_size(processes)

    async def __call__(self, *arguments: Any) -> PageAnalysis:
        size = _page_bytes(arguments[0])
        self._page_estimate = 0.875 * self._page_estimate + 0.125 * size if self._sized else float(size)
        self._sized = True
        if not pool_ready():  # the first pages of a run, while the parser processes boot
            return analyse_page(*arguments)
        self._backlog += size
        try:
            future = asyncio.get_running_loop().create_future()
            self._waiting.append((arguments, future))
            self._dispatch()
            return await future
        finally:
            self._backlog -= size
            self._changed.set()

    @asynccontextmanager
    async def room(self) -> AsyncIterator[None]:
        """Admit one fetch once the pages handed to the parsers, plus the pages of the fetches admitted before
        (each counted at the recent pages' mean size), leave room for it under ``backlog_bytes``; held until the
        fetched page is handed over (or the fetch fails). Entered before the politeness slot, so a fetch that waits
        here never holds a site's turn. With nothing waiting and nothing admitted a fetch always goes, so a page
        larger than the budget still gets through, alone. Before the first page a fetch counts as
        ``_FIRST_PAGE_GUESS`` bytes."""
        while not self._has_room():
            self._changed.clear()
            await self._changed.wait()
        self._fetching += 1
        try:
            yield
        finally:
            self._fetching -= 1  # the page, if any, is counted in the backlog from its hand-over on
            self._changed.set()

    def _has_room(self) -> bool:
        if not self._backlog and not self._fetching:
            return True
        return self._backlog + (self._fetching + 1) * self._page_estimate <= self.backlog_bytes

    def _dispatch(self) -> None:
        if self._suspects:  # alone in the pool, one at a time, once the batches in flight are back
            if self._in_flight == 0:
                self._submit([self._suspects.pop(0)], alone=True)
            return
        while self._waiting and self._in_flight < self._limit:
            batch, self._waiting = self._waiting[:_MAX_BATCH], self._waiting[_MAX_BATCH:]
            self._submit(batch, alone=False)

    def _submit(self, batch: list[tuple[Arguments, asyncio.Future[PageAnalysis]]], *, alone: bool) -> None:
        loop = asyncio.get_running_loop()
        pool = parse_pool(self.processes)
        assert pool is not None  # pool_size > 0 made this parser
        self._in_flight += 1
        try:
            submitted = pool.submit(self.analyse, [arguments for arguments, _ in batch])
        except (BrokenProcessPool, RuntimeError) as err:  # broken before this call: a fresh pool on the retry
            submitted = Future()
            submitted.set_exception(err if isinstance(err, BrokenProcessPool) else BrokenProcessPool(str(err)))
        submitted.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._finished, done, pool, batch, alone))

    def _finished(self, done: Future[list[PageAnalysis]], pool: ProcessPoolExecutor,
                  batch: list[tuple[Arguments, asyncio.Future[PageAnalysis]]], alone: bool) -> None:
        self._in_flight -= 1
        error = BrokenProcessPool("the pool was shut down") if done.cancelled() else done.exception()
        if error is None:
            for (_, future), analysis in zip(batch, done.result(), strict=True):
                if not future.done():
                    future.set_result(analysis)
        elif isinstance(error, BrokenProcessPool) and not alone:
            log.error("a parser process died; parsing its %d pages again one at a time", len(batch))
            reset_parse_pool(pool)
            self._suspects.extend(batch)
        else:
            if isinstance(error, BrokenProcessPool):
                log.error("the parser process died on %s; starting a new one", batch[0][0][0].url)
                reset_parse_pool(pool)
            else:
                log.error("parsing a batch of %d pages failed: %r", len(batch), error)
            for arguments, future in batch:
                if not future.done():
                    future.set_result(failed_analysis(arguments[0], error))
        self._dispatch()
