"""Shared helpers of the event tests: synthetic events at fixed times, metric totals, demo crawls."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.demo import running_demo_site
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import Event, PageFailed, PageFetched, RecordLoaded, RecordRejected
from sightsearch.metrics.compute import Sample
from sightsearch.metrics.store import read_samples
from sightsearch.runner import EmbeddedRun, RunSummary

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fetched(run: str, site: str, seconds: float, latency: float = 10.0, status: int = 200) -> PageFetched:
    return PageFetched(run_id=run, url=f"http://{site}/{seconds}", site=site, status=status, bytes=100,
                       latency_ms=latency, at=at(seconds))


def failed(run: str, site: str, seconds: float, status: int | None = 500) -> PageFailed:
    return PageFailed(run_id=run, url=f"http://{site}/f{seconds}", site=site, error="boom", transient=False,
                      status=status, at=at(seconds))


def record_events(run: str, site: str, seconds: float, loaded: int, rejected: int) -> list[Event]:
    events: list[Event] = [RecordLoaded(run_id=run, site=site, product_key=f"k{i}", change="inserted", at=at(seconds))
                           for i in range(loaded)]
    return events + [RecordRejected(run_id=run, stage="validate", site=site, url=f"http://{site}/r{i}",
                                    reason="missing price", at=at(seconds)) for i in range(rejected)]


def totals(samples: list[Sample]) -> Counter[str]:
    """Sum of every counter series over all buckets and labels."""
    counters = {"pages_fetched", "pages_failed", "records_loaded", "records_rejected", "dead_letters"}
    total: Counter[str] = Counter()
    for sample in samples:
        if sample.name in counters:
            total[sample.name] += int(sample.value)
    return total


def snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    """The stored samples as comparable tuples."""
    return [(s.name, s.bucket, s.labels_key, s.value) for s in read_samples(engine)]


def crawl_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, backoff_base=0.05, backoff_max=0.5, max_retry_after=2, **overrides)


async def demo_crawl(settings: Settings, engine: Engine, bus: EventBus, max_pages: int, **hooks: Any) -> RunSummary:
    """Crawl the demo shop (plus one 404 page, for a page.failed event) with ``bus``."""
    with running_demo_site() as base_url:
        run = EmbeddedRun(settings, engine=engine, bus=bus, max_pages=max_pages, **hooks)
        return await run.execute([base_url + "/", base_url + "/status/404"])


def expected_totals(summary: RunSummary) -> Counter[str]:
    """What the metrics must count for a run, from the run's own counts."""
    counts = summary.counts
    return Counter(pages_fetched=counts["pages_fetched"], pages_failed=counts["pages_failed"],
                   records_loaded=counts["loaded"], records_rejected=counts["rejected"],
                   dead_letters=counts["pages_failed"] + counts["rejected"])


def event_settings(bootstrap: str | None, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: its own topic prefix (tests share a broker), spool under ``data_dir``, fast crawl."""
    return Settings(_env_file=None, kafka_bootstrap=bootstrap, kafka_topic_prefix=f"t{uuid.uuid4().hex[:10]}",
                    data_dir=data_dir, backoff_base=0.05, backoff_max=0.5, max_retry_after=2, **overrides)


class Webhook:
    """A real HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
