"""Where a run submitted through the API runs: in this process (embedded), or on the workers when a broker is set.

``submit_run`` is the seam. The embedded submitter starts an ``EmbeddedRun`` as an asyncio task of the server's
event loop and remembers it until it finishes, so run detail shows live counts; the distributed submitter is
looked up lazily in ``sightsearch.workers`` (Celery) when ``SIGHTSEARCH_BROKER_URL`` is set.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Protocol

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.errors import ConfigurationError, SightSearchError

log = logging.getLogger(__name__)


class TooManyRuns(SightSearchError):
    """The API process already crawls as many runs as it may."""


class RunSubmitter(Protocol):
    """Starts a crawl run and returns its id at once; the run goes on in the background."""

    async def submit(self, seeds: list[str], max_pages: int) -> str: ...

    def live_counts(self, run_id: str) -> Counter[str] | None: ...

    async def close(self) -> None: ...


class EmbeddedSubmitter:
    """Runs crawls as tasks of the API's event loop, at most ``settings.api_max_active_runs`` at once."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings, self.engine = settings, engine
        self._active: dict[str, tuple[asyncio.Task[object], Counter[str]]] = {}

    async def submit(self, seeds: list[str], max_pages: int) -> str:
        """Start the run; raises ``TooManyRuns`` when the process is at its limit."""
        from sightsearch.crawl.ssrf import url_guard
        from sightsearch.runner import EmbeddedRun

        if len(self._active) >= self.settings.api_max_active_runs:
            raise TooManyRuns(f"{len(self._active)} runs are already crawling in this API process; try again later")
        # Seeds were checked on submission; the guard keeps checking every request the run makes.
        run = EmbeddedRun(self.settings, engine=self.engine, max_pages=max_pages,
                          url_guard=url_guard(self.settings.ssrf_allow))
        task: asyncio.Task[object] = asyncio.create_task(run.execute(seeds), name=f"run-{run.run_id}")
        self._active[run.run_id] = (task, run.counts)
        task.add_done_callback(lambda done: self._finished(run.run_id, done))
        return run.run_id

    def live_counts(self, run_id: str) -> Counter[str] | None:
        """The counters of a run still crawling in this process, or None."""
        entry = self._active.get(run_id)
        return entry[1] if entry else None

    def _finished(self, run_id: str, task: asyncio.Task[object]) -> None:
        self._active.pop(run_id, None)
        if not task.cancelled() and task.exception() is not None:
            # EmbeddedRun already stored the run as failed with the error; the traceback belongs in the log.
            log.error("run %s failed", run_id, exc_info=task.exception())

    async def close(self) -> None:
        """Cancel runs still crawling (server shutdown); each records itself as failed."""
        tasks = [task for task, _ in self._active.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def make_submitter(settings: Settings, engine: Engine) -> RunSubmitter:
    """The embedded submitter, or the workers' one when a broker is configured."""
    if not settings.broker_url:
        return EmbeddedSubmitter(settings, engine)
    try:
        from sightsearch.workers.submit import DistributedSubmitter
    except ImportError as err:
        raise ConfigurationError("SIGHTSEARCH_BROKER_URL is set but sightsearch.workers.submit is not available; "
                                 "unset it to run submitted crawls inside the API process") from err
    submitter: RunSubmitter = DistributedSubmitter(settings, engine)
    return submitter


async def submit_run(submitter: RunSubmitter, seeds: list[str], max_pages: int) -> str:
    """Submit ``seeds`` for a run of at most ``max_pages`` pages; returns the run id."""
    return await submitter.submit(seeds, max_pages)
