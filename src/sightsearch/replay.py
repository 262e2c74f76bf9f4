"""What a person does with a dead letter: replay it from the stage that rejected it (after a spec or code fix),
or dismiss it. Both keep the dead letter as the trace and publish the new backlog."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from sightsearch.config import Settings, get_settings
from sightsearch.crawl import CrawlRequest, HttpFetcher
from sightsearch.errors import ConfigurationError
from sightsearch.etl.contract import Record
from sightsearch.etl.pipeline import STAGE_ORDER, EtlPipeline, publish_backlog
from sightsearch.events import create_event_bus
from sightsearch.storage.db import session_scope
from sightsearch.storage.deadletters import mark_dead_letter
from sightsearch.storage.models import DeadLetter


async def _refetch(url: str, settings: Settings, run_id: str) -> list[Record]:
    from sightsearch.runner import page_record

    async with HttpFetcher(settings) as fetcher:
        page = await fetcher.fetch(CrawlRequest(url=url, kind="product"))
    record = page_record(page, None, run_id)
    return [record] if record else []


async def replay_dead_letter(engine: Engine, dead_letter_id: int, settings: Settings | None = None) -> str:
    """Re-run dead letter ``dead_letter_id``; on success mark it resolved. Returns what happened, in words.

    ETL rejects restart at their stage with the stored record; fetch and extract failures fetch the page again.
    """
    with session_scope(engine) as session:
        item = session.get(DeadLetter, dead_letter_id)
        if item is None:
            raise ConfigurationError(f"no dead letter with id {dead_letter_id}")
        if item.status != "open":
            return f"dead letter {dead_letter_id} is already {item.status}"
        stage, payload, url = item.stage, dict(item.payload), item.url
    run_id = uuid.uuid4().hex
    bus = create_event_bus(settings or get_settings(), engine)
    pipeline = EtlPipeline(engine, bus, run_id)
    if stage in STAGE_ORDER:
        records, start = [payload], stage
    else:
        records, start = await _refetch(url or payload["url"], settings or get_settings(), run_id), "cleanse"
    outcome = await pipeline.process(records, start=start) if records else None
    if outcome is None or not outcome.loaded:
        bus.close()
        reason = outcome.rejects[0].reason if outcome and outcome.rejects else "no product found"
        return f"dead letter {dead_letter_id} still fails: {reason}"
    with session_scope(engine) as session:
        mark_dead_letter(session, dead_letter_id, "resolved")
    publish_backlog(engine, bus, run_id)
    bus.close()
    return f"dead letter {dead_letter_id} replayed from {start}: {outcome.loaded[0]['change']} and resolved"


def dismiss_dead_letter(engine: Engine, dead_letter_id: int, settings: Settings | None = None) -> None:
    """Mark a dead letter dismissed (kept in the table) and publish the new backlog; LookupError when unknown."""
    with session_scope(engine) as session:
        run_id = mark_dead_letter(session, dead_letter_id, "dismissed").run_id
    bus = create_event_bus(settings or get_settings(), engine)
    publish_backlog(engine, bus, run_id or "manual")
    bus.close()
