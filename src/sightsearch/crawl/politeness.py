"""The politeness seam: how a page waits for its site's turn, and how a 429/503 slows the site down.

``LocalPoliteness`` keeps the state in this process (the embedded mode); ``FleetPoliteness`` keeps it in Redis so a
fleet of workers shares one rate per site. The page handler only calls ``slot`` and ``penalize``.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.crawl.redis_throttle import RedisTokenBucket, site_rate
from sightsearch.crawl.throttle import DomainThrottle
from sightsearch.errors import SightSearchError

log = logging.getLogger(__name__)

_STALE_AFTER = 0.1  # seconds late (or half the site's interval, if shorter) after which a fleet slot has gone stale
_STALE_RETRIES = 3  # new slots taken after a late wake-up before sending anyway (a machine that late every time)


class SiteBusy(SightSearchError):
    """The site's next slot is further away than a task should sleep: try the request again in ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"site busy for {wait:.1f}s")
        self.wait = wait


class Politeness(ABC):
    """Per-site pacing shared by every request of a run."""

    @abstractmethod
    def slot(self, site: str, crawl_delay: float | None) -> Any:
        """An async context manager held while the request is sent; may raise ``SiteBusy``."""

    @abstractmethod
    async def penalize(self, site: str, retry_after: float | None, *, status: int) -> None:
        """The site answered 429 (slow down) or 503 (pause): honour its Retry-After."""


class LocalPoliteness(Politeness):
    """Concurrency cap and start gap per site in this process (``DomainThrottle``)."""

    def __init__(self, settings: Settings, throttle: DomainThrottle | None = None) -> None:
        self.throttle = throttle or DomainThrottle(settings)

    @override
    def slot(self, site: str, crawl_delay: float | None) -> Any:
        return self.throttle.slot(site, min_delay=crawl_delay)

    @override
    async def penalize(self, site: str, retry_after: float | None, *, status: int) -> None:
        self.throttle.penalize(site, retry_after)


class FleetPoliteness(Politeness):
    """A Redis token bucket per site shared by every worker; a wait longer than ``max_throttle_wait`` raises
    ``SiteBusy`` so the task re-schedules itself instead of holding a worker."""

    def __init__(self, settings: Settings, bucket: RedisTokenBucket) -> None:
        self.settings = settings
        self.bucket = bucket

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    @override
    @asynccontextmanager
    async def slot(self, site: str, crawl_delay: float | None) -> AsyncIterator[None]:
        """Reserve the site's next slot and sleep until it. A worker that wakes up late (a starved CPU, a long
        pause) may now be at another worker's slot: its own has gone stale, so it reserves a new one rather than
        send two requests together."""
        rate, burst = site_rate(self.settings, crawl_delay)
        loop = asyncio.get_running_loop()
        for _ in range(_STALE_RETRIES + 1):
            asked = loop.time()  # the slot is due ``wait`` after Redis granted it; a stall in the round trip counts
            reservation = await self.bucket.reserve(site, rate, burst, max_wait=self.settings.max_throttle_wait)
            if not reservation.granted:
                raise SiteBusy(reservation.wait)
            due = asked + reservation.wait
            await self._sleep(reservation.wait)
            if loop.time() - due <= min(_STALE_AFTER, 0.5 / rate):
                break
            log.info("woke %.2fs after the slot of %s: taking a new one", loop.time() - due, site)
        yield

    @override
    async def penalize(self, site: str, retry_after: float | None, *, status: int) -> None:
        await self.bucket.penalize(site, retry_after, slow_down=status == 429)
