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
from sightsearch.crawl.page import PageHandler
from sightsearch.crawl.politeness import FleetPoliteness
from sightsearch.crawl.redis_throttle import RedisTokenBucket
from sightsearch.crawl.robots import RobotsPolicy, robots_text_fetcher
from sightsearch.errors import ConfigurationError
from sightsearch.events.bus import EventBus
from sightsearch.extract.spec import SiteSpec

T = TypeVar("T")
_KEPT_RUNS = 8  # page handlers (fetcher, robots.txt cache) kept per run in a worker process


def coordination_url(settings: Settings) -> str:
    """The Redis holding the fleet's shared state: ``redis_url``, else the broker."""
    url = settings.redis_url or settings.broker_url
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("the distributed mode needs SIGHTSEARCH_BROKER_URL=redis://host:port/db "
                                 "(or SIGHTSEARCH_REDIS_URL for its shared state)")
    return url


class WorkerContext:
    """The long-lived collaborators of one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self._handlers: OrderedDict[tuple[str, bool], PageHandler] = OrderedDict()
        self._images: Any = None
        self._guarded_images: Any = None

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
        from sightsearch.events import create_event_bus

        return create_event_bus(self.settings, self.engine)

    async def handler(self, run_id: str, meta: dict[str, Any], *, render: bool = False) -> PageHandler:
        """The page handler of run ``run_id`` in this process (fetch queue, or render queue when ``render``).

        Built from the run's options on its first page: its site spec, and for a run an API client submitted
        (``guarded``) the SSRF guard on every request, robots.txt included. robots.txt answers are cached per run,
        so a re-crawl reads the site's current file.
        """
        key = (run_id, render)
        if key not in self._handlers:
            self._handlers[key] = self._new_handler(run_id, meta, render)
            while len(self._handlers) > _KEPT_RUNS:
                await self._handlers.popitem(last=False)[1].fetcher.aclose()
        return self._handlers[key]

    def _new_handler(self, run_id: str, meta: dict[str, Any], render: bool) -> PageHandler:
        from sightsearch.crawl.fetchers import browser_fetcher, build_fetcher
        from sightsearch.crawl.ssrf import url_guard

        spec = SiteSpec.model_validate(meta["spec"]) if meta.get("spec") else None
        guard = url_guard(self.settings.ssrf_allow) if meta.get("guarded") else None
        if render and guard is None:
            fetcher = browser_fetcher(self.settings, spec)
            robots_over = self.robots_http  # robots.txt is read over HTTP, never rendered
        else:  # a guarded run stays on HTTP, even on the render queue
            fetcher = robots_over = build_fetcher(self.settings, spec=spec, url_guard=guard, defer_rendering=True)
        robots = RobotsPolicy(robots_text_fetcher(robots_over), self.settings.user_agent) \
            if self.settings.respect_robots else None
        seconds = float(meta.get("max_seconds") or 0)  # the submitting side's max_run_seconds
        deadline = float(meta["started_at"]) + seconds if seconds else None
        return PageHandler(self.settings, run_id, fetcher, FleetPoliteness(self.settings, self.bucket), self.bus,
                           robots=robots, spec=spec, deadline=deadline,
                           follow_sitemaps=bool(meta.get("follow_sitemaps")))  # the submitting side's setting

    @cached_property
    def robots_http(self) -> Any:
        from sightsearch.crawl.fetchers import http_fetcher

        return http_fetcher(self.settings)

    def images_for(self, meta: dict[str, Any]) -> Any:
        """The image downloader of a run: SSRF-guarded for runs submitted by API clients."""
        from sightsearch.crawl.ssrf import url_guard
        from sightsearch.images import ImageDownloader

        if meta.get("guarded"):
            if self._guarded_images is None:
                self._guarded_images = ImageDownloader(self.settings, url_guard=url_guard(self.settings.ssrf_allow))
            return self._guarded_images
        if self._images is None:
            self._images = ImageDownloader(self.settings)
        return self._images

    @cached_property
    def bucket(self) -> RedisTokenBucket:
        return RedisTokenBucket(self.redis, recovery_seconds=self.settings.rate_recovery_seconds)

    def close(self) -> None:
        """Close the clients this process opened (at worker shutdown)."""
        for handler in self._handlers.values():
            self.run(handler.fetcher.aclose())
        if "robots_http" in self.__dict__:
            self.run(self.robots_http.aclose())
        for images in (self._images, self._guarded_images):
            if images is not None:
                self.run(images.aclose())
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
