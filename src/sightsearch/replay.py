"""What a person does with a dead letter: replay it from the stage that rejected it (after a spec or code fix),
or dismiss it. Both keep the dead letter as the trace and publish the new backlog.

A replay is a run of its own (mode ``replay``, through ``runs``); a page is fetched again through the same page
path as a crawl (``crawl.page.PageHandler``), with the SSRF guard when the replay comes from an API client.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Engine

from sightsearch.config import Settings, get_settings
from sightsearch.crawl import CrawlRequest
from sightsearch.crawl.fetchers import http_fetcher
from sightsearch.crawl.guard import UrlGuard
from sightsearch.crawl.page import PageHandler
from sightsearch.crawl.politeness import LocalPoliteness
from sightsearch.errors import ConfigurationError
from sightsearch.etl.contract import Record
from sightsearch.etl.pipeline import STAGE_ORDER, EtlPipeline, publish_backlog
from sightsearch.events import create_event_bus
from sightsearch.events.bus import EventBus
from sightsearch.runs import finish_run, start_run
from sightsearch.storage.db import session_scope
from sightsearch.storage.deadletters import mark_dead_letter
from sightsearch.storage.models import DeadLetter


async def _refetch(url: str, settings: Settings, run_id: str, bus: EventBus,
                   url_guard: UrlGuard | None) -> tuple[list[Record], str]:
    """The page's record again, or no record and the reason (the fetch error, or no product on the page)."""
    async with http_fetcher(settings, url_guard) as fetcher:
        handler = PageHandler(settings, run_id, fetcher, LocalPoliteness(settings), bus)
        outcome = await handler.handle(CrawlRequest(url=url, kind="product"))
    if outcome.record is not None:
        return [outcome.record], ""
    return [], str(outcome.error) if outcome.error is not None else "no product found"


async def replay_dead_letter(engine: Engine, dead_letter_id: int, settings: Settings | None = None, *,
                             url_guard: UrlGuard | None = None) -> str:
    """Re-run dead letter ``dead_letter_id``; on success mark it resolved. Returns what happened, in words.

    ETL rejects restart at their stage with the stored record; fetch and extract failures fetch the page again
    (every request checked by ``url_guard`` when given).
    """
    settings = settings or get_settings()
    with session_scope(engine) as session:
        item = session.get(DeadLetter, dead_letter_id)
        if item is None:
            raise ConfigurationError(f"no dead letter with id {dead_letter_id}")
        if item.status != "open":
            return f"dead letter {dead_letter_id} is already {item.status}"
        stage, payload, url = item.stage, dict(item.payload), item.url
    run_id, started = uuid.uuid4().hex, time.perf_counter()
    bus = create_event_bus(settings, engine)
    start_run(engine, bus, run_id, [url or payload.get("url") or ""], mode="replay", max_pages=1)
    try:
        if stage in STAGE_ORDER:
            records, start, why = [payload], stage, "no product found"
        else:
            start = "cleanse"
            records, why = await _refetch(url or payload["url"], settings, run_id, bus, url_guard)
        outcome = await EtlPipeline(engine, bus, run_id).process(records, start=start) if records else None
        if outcome is not None and outcome.loaded:
            with session_scope(engine) as session:
                mark_dead_letter(session, dead_letter_id, "resolved")
        counts = outcome.counts if outcome is not None else {}
        finish_run(engine, bus, run_id, counts, time.perf_counter() - started,
                   near_duplicate_distance=settings.near_duplicate_distance)
    finally:
        bus.close()
    if outcome is None or not outcome.loaded:
        reason = outcome.rejects[0].reason if outcome and outcome.rejects else why
        return f"dead letter {dead_letter_id} still fails: {reason}"
    return f"dead letter {dead_letter_id} replayed from {start}: {outcome.loaded[0].change} and resolved"


def dismiss_dead_letter(engine: Engine, dead_letter_id: int, settings: Settings | None = None) -> None:
    """Mark a dead letter dismissed (kept in the table) and publish the new backlog; LookupError when unknown."""
    with session_scope(engine) as session:
        run_id = mark_dead_letter(session, dead_letter_id, "dismissed").run_id
    bus = create_event_bus(settings or get_settings(), engine)
    publish_backlog(engine, bus, run_id or "manual")
    bus.close()
