"""What a worker process keeps between tasks: one event loop, and the clients bound to it, created on first use.

Celery's prefork pool forks its children before any task runs, and this context is built lazily inside a child, so no
connection, engine or event loop ever crosses a fork. The loop stays open for the life of the process so the HTTP
keep-alive pools and the Redis connections are reused from one task to the next.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Coroutine
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import Engine

from sightsearch.config import Settings, get_settings
from sightsearch.crawl.base import Fetcher
from sightsearch.crawl.redis_throttle import RedisTokenBucket
from sightsearch.crawl.robots import RobotsPolicy, robots_text_fetcher
from sightsearch.errors import ConfigurationError
from sightsearch.events.bus import EventBus

T = TypeVar("T")
_KEPT_RUNS = 8  # robots.txt answers are cached per run: a re-crawl reads the site's current file


def coordination_url(settings: Settings) -> str:
    """The Redis holding the fleet's shared state: ``redis_url``, else the broker."""
    url = settings.redis_url or settings.broker_url
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("the distributed mode needs SIGHTSEARCH_BROKER_URL=redis://host:port/db "
                                 "(or SIGHTSEARCH_REDIS_URL for its shared state)")
    return url


def event_bus(settings: Settings, engine: Engine) -> EventBus:
    """The configured event bus (Kafka when set up), else the local events table."""
    try:
        from sightsearch.events import create_event_bus  # type: ignore[attr-defined]
    except ImportError:
        from sightsearch.events.local import TableBus

        return TableBus(engine)
    return create_event_bus(settings, engine)


class WorkerContext:
    """The long-lived collaborators of one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self._robots: OrderedDict[str, RobotsPolicy] = OrderedDict()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` to completion on this process's loop (tasks are synchronous to Celery)."""
        return self.loop.run_until_complete(coroutine)

    @cached_property
    def redis(self) -> Any:
        import redis.asyncio as redis

        return redis.Redis.from_url(coordination_url(self.settings), health_check_interval=30)

    @cached_property
    def engine(self) -> Engine:
        from sightsearch.storage.db import get_engine

        return get_engine(self.settings.database_url)

    @cached_property
    def bus(self) -> EventBus:
        return event_bus(self.settings, self.engine)

    @cached_property
    def fetcher(self) -> Fetcher:
        """The fetch queue's fetcher: HTTP (through the proxy pool when configured), and in ``render`` auto/always
        mode the same per-page choice as the embedded run, except that a page needing JavaScript raises
        ``RenderDeferred`` so the fetch task hands it to the render queue instead of starting a browser here."""
        if self.settings.proxies:
            from sightsearch.crawl.proxied import ProxiedFetcher

            http: Fetcher = ProxiedFetcher.from_settings(self.settings)
        else:
            from sightsearch.crawl.http import HttpFetcher

            http = HttpFetcher(self.settings)
        if self.settings.render == "never":
            return http
        from sightsearch.crawl.browser.auto import AutoRenderFetcher
        from sightsearch.extract import extract_product

        def has_product(page: Any) -> bool:
            return bool(extract_product(page.body or page.text, page.url).is_product())

        return AutoRenderFetcher(http, None, self.settings.render, has_product=has_product,
                                 evidence_pages=self.settings.render_evidence_pages, defer_rendering=True)

    @cached_property
    def guarded_fetcher(self) -> Fetcher:
        """HTTP with the SSRF guard on every request, for runs submitted by API clients."""
        from sightsearch.api.ssrf import url_guard
        from sightsearch.crawl.http import HttpFetcher

        return HttpFetcher(self.settings, url_guard=url_guard(self.settings.ssrf_allow))

    @cached_property
    def guarded_images(self) -> Any:
        """The image downloader with the SSRF guard, for runs submitted by API clients."""
        from sightsearch.api.ssrf import url_guard
        from sightsearch.images import ImageDownloader

        return ImageDownloader(self.settings, url_guard=url_guard(self.settings.ssrf_allow))

    @cached_property
    def renderer(self) -> Fetcher:
        """The render queue's fetcher: headless Chromium (``sightsearch.crawl.browser``), started on first use."""
        from sightsearch.crawl.browser import BrowserFetcher

        return BrowserFetcher(self.settings)

    @cached_property
    def bucket(self) -> RedisTokenBucket:
        return RedisTokenBucket(self.redis, recovery_seconds=self.settings.rate_recovery_seconds)

    @cached_property
    def images(self) -> Any:
        from sightsearch.images import ImageDownloader

        return ImageDownloader(self.settings)

    def robots(self, run_id: str) -> RobotsPolicy | None:
        """The run's robots.txt policy in this process (each site's file read once per run and process)."""
        if not self.settings.respect_robots:
            return None
        if run_id not in self._robots:
            self._robots[run_id] = RobotsPolicy(robots_text_fetcher(self.fetcher), self.settings.user_agent)
            while len(self._robots) > _KEPT_RUNS:
                self._robots.popitem(last=False)
        return self._robots[run_id]

    def close(self) -> None:
        """Close the clients this process opened (at worker shutdown)."""
        for name in ("fetcher", "renderer", "images", "guarded_fetcher", "guarded_images"):
            if name in self.__dict__:
                self.run(self.__dict__[name].aclose())
        if "redis" in self.__dict__:
            self.run(self.redis.aclose())
        if "bus" in self.__dict__:
            self.bus.close()
        self.loop.close()


# One context per thread: with Celery's prefork pool that is one per process; with ``--pool threads`` each thread
# gets its own event loop and clients, since neither may be shared between threads.
_local = threading.local()


def worker_context() -> WorkerContext:
    """This process's (thread's) context, created on the first task, after the fork."""
    context: WorkerContext | None = getattr(_local, "context", None)
    if context is None:
        context = _local.context = WorkerContext(get_settings())
    return context


def close_worker_context() -> None:
    context: WorkerContext | None = getattr(_local, "context", None)
    if context is not None:
        _local.context = None
        context.close()
