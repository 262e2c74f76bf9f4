"""Per-site politeness in one process: a concurrency cap, a minimum gap between request starts, pauses after 429/503.

The distributed mode replaces this with a token bucket in Redis; the crawler only uses ``slot`` and ``penalize``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sightsearch.config import Settings


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    Exponential with full jitter: uniform in ``[0, min(cap, base * 2**(attempt-1))]``, so clients that failed
    together do not retry together. A server's Retry-After wins when it asks for longer.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    delay = random.uniform(0.0, ceiling)
    return max(delay, retry_after) if retry_after is not None else delay


@dataclass
class _SiteState:
    slots: asyncio.Semaphore
    next_start: float = 0.0
    paused_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait_turn(self) -> None:
        # Re-read both deadlines after each sleep: a 429 may pause the site meanwhile, and asyncio may wake a
        # timer one clock tick early, while a politeness gap must never be shorter than promised.
        while (remaining := max(self.next_start, self.paused_until) - time.monotonic()) > 0:
            await asyncio.sleep(remaining)


class DomainThrottle:
    """Limits requests per site: at most ``per_domain_concurrency`` in flight, starts spaced by the delay; and at most
    ``concurrency`` in flight across all sites (the crawler keeps more pages than that in progress: the others are
    being parsed or loaded)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sites: dict[str, _SiteState] = {}
        self._fetches = asyncio.Semaphore(settings.concurrency)

    def _state(self, site: str) -> _SiteState:
        if site not in self._sites:
            self._sites[site] = _SiteState(slots=asyncio.Semaphore(self._settings.per_domain_concurrency))
        return self._sites[site]

    @asynccontextmanager
    async def slot(self, site: str, *, min_delay: float | None = None) -> AsyncIterator[None]:
        """Wait for a free slot on ``site`` and for its next allowed start time, then hold the slot.

        The gap between two starts is the larger of ``per_domain_delay`` and ``min_delay`` (robots Crawl-delay).
        """
        state = self._state(site)
        gap = max(self._settings.per_domain_delay, min_delay or 0.0)
        # The slot is taken before the start time is reserved: reserving first would let a request that waited
        # long for a slot start right after another one and break the gap.
        async with state.slots:
            async with state.lock:
                await state.wait_turn()
                # The global slot is taken only when the site's turn has come (a request waiting for a slow site
                # holds none), and before the start is reserved (waiting for it must not eat into the gap).
                await self._fetches.acquire()
                try:
                    await state.wait_turn()  # a 429 may have paused the site meanwhile
                except BaseException:
                    self._fetches.release()
                    raise
                # Measured after the wait, when this request really starts: the next one keeps the full gap.
                state.next_start = time.monotonic() + gap
            try:
                yield
            finally:
                self._fetches.release()

    def penalize(self, site: str, retry_after: float | None = None) -> float:
        """Pause every request to ``site`` after a 429/503; returns the pause in seconds.

        The pause is the server's Retry-After (capped at ``max_retry_after``), else ``backoff_base``.
        """
        pause = self._settings.backoff_base if retry_after is None else min(retry_after, self._settings.max_retry_after)
        state = self._state(site)
        state.paused_until = max(state.paused_until, time.monotonic() + pause)
        return pause

    def paused_for(self, site: str) -> float:
        """Seconds until ``site`` may be requested again (0 when it is not paused)."""
        state = self._sites.get(site)
        return max(0.0, state.paused_until - time.monotonic()) if state else 0.0
