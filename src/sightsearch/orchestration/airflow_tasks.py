"""The four steps of the Airflow DAG ``sightsearch_ingestion_pipeline``, over the project's own stage code.

scrape -> process_images -> validate -> store. Each step reads the batches the previous one staged in the store
(``staged_batches``) and returns a small reference (``BatchesRef``: run id, stage, counts) for the next one, never
the records, so XComs stay tiny. Every step is idempotent: a retried step first deletes what it staged before.
This is the only module the DAG calls, so only it follows changes to the crawler, the records or the stages.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import Engine, select

from sightsearch.config import Settings, get_settings
from sightsearch.orchestration.staging import clear_stage, read_batches, stage_batch

__all__ = ["BatchesRef", "orchestrated_run_id", "process_images", "scrape", "store", "validate"]

EXTRACTED, IMAGED, VALIDATED = "extracted", "imaged", "validated"


class BatchesRef(TypedDict):
    """What one step hands the next: where its batches are, and how many."""

    run_id: str
    stage: str
    batches: int
    records: int


def orchestrated_run_id(dag_id: str, dag_run_id: str) -> str:
    """A crawl-run id (32 hex) fixed by the orchestrator's run, so a retried task works on the same run."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"airflow:{dag_id}:{dag_run_id}").hex


def _engine(settings: Settings) -> Engine:
    from sightsearch.storage.db import get_engine, upgrade_schema

    engine = get_engine(settings.database_url)
    upgrade_schema(engine)
    return engine


def scrape(run_id: str, seeds: list[str], max_pages: int, settings: Settings | None = None) -> BatchesRef:
    """Crawl ``seeds`` (at most ``max_pages`` pages), extract products, stage them in batches of ``batch_size``."""
    from sightsearch.events import create_event_bus
    from sightsearch.runs import start_run

    settings = settings or get_settings()
    if not seeds or not all(isinstance(s, str) and s.startswith(("http://", "https://")) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of http(s) URLs, got {seeds!r}")
    engine = _engine(settings)
    clear_stage(engine, run_id)
    bus = create_event_bus(settings, engine)
    try:
        start_run(engine, bus, run_id, seeds, mode="airflow", max_pages=max_pages)
        counts = asyncio.run(_crawl(settings, engine, bus, run_id, seeds, max_pages))
    finally:
        bus.close()
    _update_run(engine, run_id, counts)
    if not counts["pages_fetched"]:
        # Every seed failed (site down, DNS, blocked): fail the task so the orchestrator retries with back-off.
        raise ConnectionError(f"no page could be fetched from {seeds} (see the fetch dead letters of run {run_id})")
    return BatchesRef(run_id=run_id, stage=EXTRACTED, batches=counts["batches"], records=counts["products_found"])


async def _crawl(settings: Settings, engine: Engine, bus: Any, run_id: str, seeds: list[str],
                 max_pages: int) -> Counter[str]:
    """The crawl's own page path (``crawl.page.PageHandler``); records are staged instead of loaded."""
    from sightsearch.crawl import Crawler, MemoryFrontier, RobotsPolicy, robots_text_fetcher
    from sightsearch.crawl.fetchers import build_fetcher
    from sightsearch.crawl.page import PageHandler, PageOutcome
    from sightsearch.crawl.politeness import LocalPoliteness
    from sightsearch.storage.db import session_scope
    from sightsearch.storage.deadletters import add_dead_letters

    counts: Counter[str] = Counter()
    batch: list[dict[str, Any]] = []

    async def flush() -> None:
        # Take the records and the batch number before awaiting: pages of other workers keep arriving meanwhile.
        if batch:
            records, seq = batch[:], counts["batches"]
            batch.clear()
            counts["batches"] += 1
            await asyncio.to_thread(stage_batch, engine, run_id, EXTRACTED, seq, records)

    def dead_letters(outcome: PageOutcome) -> None:
        with session_scope(engine) as session:
            add_dead_letters(session, run_id, outcome.dead_letters)

    async def on_outcome(outcome: PageOutcome) -> None:
        counts.update(outcome.counts)
        if outcome.dead_letters:
            await asyncio.to_thread(dead_letters, outcome)
        if outcome.record is not None:
            batch.append(outcome.record.to_payload())
            if len(batch) >= settings.batch_size:
                await flush()

    async with build_fetcher(settings) as fetcher:
        robots = RobotsPolicy(robots_text_fetcher(fetcher), settings.user_agent) if settings.respect_robots else None
        handler = PageHandler(settings, run_id, fetcher, LocalPoliteness(settings), bus, robots=robots,
                              follow_sitemaps=settings.follow_sitemaps)
        await Crawler(handler, MemoryFrontier(), concurrency=settings.concurrency).run(
            seeds, on_outcome, max_pages=max_pages)
    await flush()
    return counts


def process_images(ref: BatchesRef, settings: Settings | None = None) -> BatchesRef:
    """Download and fingerprint the images of the staged records that the store does not know yet."""
    settings = settings or get_settings()
    engine = _engine(settings)
    clear_stage(engine, ref["run_id"], IMAGED)
    batches = 0
    for batch, _ in read_batches(engine, ref["run_id"], ref["stage"]):
        facts = asyncio.run(_image_facts(settings, engine, batch)) if settings.download_images else {}
        stage_batch(engine, ref["run_id"], IMAGED, batches, batch, facts)
        batches += 1
    return BatchesRef(run_id=ref["run_id"], stage=IMAGED, batches=batches, records=ref["records"])


async def _image_facts(settings: Settings, engine: Engine, batch: list[dict[str, Any]]) -> dict[str, Any]:
    from sightsearch.images import ImageDownloader
    from sightsearch.images.facts import download_facts
    from sightsearch.storage.db import session_scope
    from sightsearch.storage.models import ImageRecord

    urls = sorted({url.strip() for record in batch for url in record.get("images") or [] if isinstance(url, str)})
    with session_scope(engine) as session:
        known = set(session.scalars(select(ImageRecord.url).where(ImageRecord.url.in_(urls)))) if urls else set()
    async with ImageDownloader(settings) as downloader:
        facts = await download_facts(downloader, [u for u in urls if u not in known])
    return {url: fact.model_dump(mode="json") for url, fact in facts.items()}


def validate(ref: BatchesRef, settings: Settings | None = None) -> BatchesRef:
    """Cleanse, transform and validate each staged batch; rejects go to the dead letters with the stage and reason."""
    from sightsearch.etl.cleanse import cleanse
    from sightsearch.etl.contract import StageContext, parse_records
    from sightsearch.etl.transform import transform
    from sightsearch.etl.validate import validate as validate_stage
    from sightsearch.storage.db import session_scope
    from sightsearch.storage.deadletters import add_dead_letters

    settings = settings or get_settings()
    engine = _engine(settings)
    clear_stage(engine, ref["run_id"], VALIDATED)
    ctx, batches, kept = StageContext(ref["run_id"]), 0, 0
    for payloads, facts in read_batches(engine, ref["run_id"], ref["stage"]):
        records, rejects = parse_records(payloads, "cleanse")
        for stage in (cleanse, transform, validate_stage):
            result = stage(records, ctx)
            records, rejects = result.records, rejects + result.rejects
        with session_scope(engine) as session:
            add_dead_letters(session, ref["run_id"], ((r.stage, r.reason, r.payload()) for r in rejects))
        stage_batch(engine, ref["run_id"], VALIDATED, batches, [r.to_payload() for r in records], facts)
        batches, kept = batches + 1, kept + len(records)
    return BatchesRef(run_id=ref["run_id"], stage=VALIDATED, batches=batches, records=kept)


def store(ref: BatchesRef, settings: Settings | None = None) -> dict[str, int]:
    """Enrich and load each validated batch (idempotent upserts), finish the run, drop its staged batches."""
    from sightsearch.etl.pipeline import EtlPipeline
    from sightsearch.events import create_event_bus
    from sightsearch.records import ImageFact

    settings = settings or get_settings()
    engine = _engine(settings)
    counts: Counter[str] = Counter()
    bus = create_event_bus(settings, engine)
    try:
        for records, facts in read_batches(engine, ref["run_id"], ref["stage"]):
            async def staged_facts(urls: list[str], facts: Mapping[str, Any] = facts) -> Mapping[str, ImageFact]:
                return {url: ImageFact.model_validate(facts[url]) for url in urls if url in facts}

            pipeline = EtlPipeline(engine, bus, ref["run_id"], fetch_images=staged_facts,
                                   load_retries=settings.load_retries,
                                   load_backoff=(settings.backoff_base, settings.backoff_max))
            counts.update(asyncio.run(pipeline.process(records, start="enrich")).counts)
        _finish(engine, bus, settings, ref["run_id"], counts)
    finally:
        bus.close()
    clear_stage(engine, ref["run_id"])
    return {k: int(v) for k, v in sorted(counts.items()) if v}


def _update_run(engine: Engine, run_id: str, counts: Mapping[str, int]) -> None:
    from sightsearch.storage.db import session_scope
    from sightsearch.storage.models import CrawlRun

    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.counts = {**run.counts, **{k: int(v) for k, v in counts.items() if v}}


def _finish(engine: Engine, bus: Any, settings: Settings, run_id: str, counts: Counter[str]) -> None:
    """Close the run through the shared lifecycle, with the counts of every step."""
    from sightsearch.runs import finish_run
    from sightsearch.storage.db import session_scope
    from sightsearch.storage.models import CrawlRun

    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        started = _aware(run.started_at) if run is not None else datetime.now(UTC)
        earlier = dict(run.counts) if run is not None else {}
    finish_run(engine, bus, run_id, Counter(earlier) + counts, (datetime.now(UTC) - started).total_seconds(),
               near_duplicate_distance=settings.near_duplicate_distance)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite returns naive UTC times
