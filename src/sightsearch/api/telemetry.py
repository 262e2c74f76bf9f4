"""Prometheus metrics of the API process: its own HTTP traffic, and store gauges read at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from sightsearch.storage.db import session_scope
from sightsearch.storage.models import CrawlRun, DeadLetter, ImageRecord, Product

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """Request counts and latency by method, route template and status, in a registry owned by one app."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("sightsearch_api_requests_total", "HTTP requests handled by the API.",
                                ("method", "route", "status"), registry=registry)
        self.latency = Histogram("sightsearch_api_request_seconds", "HTTP request latency of the API, seconds.",
                                 ("method", "route"), buckets=LATENCY_BUCKETS, registry=registry)
        self.kept_answers = Counter("sightsearch_api_kept_answers_total",
                                    "Cacheable GETs answered from a kept answer (hit) or computed (miss).",
                                    ("result",), registry=registry)
        self.hits, self.misses = self.kept_answers.labels("hit"), self.kept_answers.labels("miss")
        self.inline_reads = Counter("sightsearch_api_inline_reads_total",
                                    "Reads of a SQLite store tried on the event loop: done there, or moved to a "
                                    "database thread (past the budget, a lock, a look at the store).",
                                    ("result",), registry=registry)
        self.inline_done, self.inline_moved = self.inline_reads.labels("done"), self.inline_reads.labels("moved")

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class StoreCollector(Collector):
    """Products, images, runs by status and the dead-letter backlog by stage, counted when scraped."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        with session_scope(self.engine()) as session:
            products = session.scalar(select(func.count()).select_from(Product)) or 0
            images = session.scalar(select(func.count()).select_from(ImageRecord)) or 0
            runs = session.execute(select(CrawlRun.status, func.count()).group_by(CrawlRun.status)).all()
            backlog = session.execute(select(DeadLetter.stage, func.count()).where(DeadLetter.status == "open")
                                      .group_by(DeadLetter.stage)).all()
        yield GaugeMetricFamily("sightsearch_products", "Products in the store.", value=products)
        yield GaugeMetricFamily("sightsearch_images", "Images in the store.", value=images)
        by_status = GaugeMetricFamily("sightsearch_runs", "Crawl runs by status.", labels=["status"])
        for status, count in runs:
            by_status.add_metric([status], count)
        yield by_status
        dead = GaugeMetricFamily("sightsearch_dead_letters_open", "Open dead letters by stage.", labels=["stage"])
        for stage, count in backlog:
            dead.add_metric([stage], count)
        yield dead


def build_registry(engine: Callable[[], Engine]) -> tuple[CollectorRegistry, HttpMetrics]:
    """A registry of its own per app (tests build many apps; the global one would refuse duplicates)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(engine))
    return registry, HttpMetrics(registry)


def render(registry: CollectorRegistry) -> bytes:
    """The registry in the Prometheus text exposition format."""
    return generate_latest(registry)
