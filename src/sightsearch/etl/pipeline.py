"""The orchestrator: chains cleanse -> transform -> validate -> (images) -> enrich -> load for one batch.

Stages never import each other; this module is the only place that knows their order. Rejects go to the
dead-letter store with the stage and reason, and every step is published as an event. The embedded runner and
the Celery tasks both call ``EtlPipeline``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, OperationalError

from sightsearch.crawl.throttle import backoff_delay
from sightsearch.errors import StageFailed
from sightsearch.etl.cleanse import cleanse
from sightsearch.etl.contract import Record, Reject, Stage, StageContext, StageResult, parse_records
from sightsearch.etl.enrich import enrich
from sightsearch.etl.load import Loader
from sightsearch.etl.transform import transform
from sightsearch.etl.validate import validate
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import DeadLetterBacklog, ImageFailed, RecordLoaded, RecordRejected, StageCompleted
from sightsearch.records import ImageFact
from sightsearch.storage.db import session_scope
from sightsearch.storage.deadletters import add_dead_letters, open_backlog
from sightsearch.storage.models import ImageRecord

log = logging.getLogger(__name__)

STAGE_ORDER = ("cleanse", "transform", "validate", "enrich", "load")
ImageFetch = Callable[[list[str]], Awaitable[Mapping[str, ImageFact]]]


@dataclass
class BatchOutcome:
    """What one batch did: counts by change and stage, and the loaded records."""

    counts: Counter[str] = field(default_factory=Counter)
    loaded: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class EtlPipeline:
    """Runs batches through the five stages against one store and one event bus."""

    def __init__(self, engine: Engine, bus: EventBus, run_id: str, *, fetch_images: ImageFetch | None = None,
                 load_retries: int = 6, load_backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        self.engine = engine
        self.bus = bus
        self.run_id = run_id
        self.fetch_images = fetch_images
        self.load_retries = load_retries
        self.load_backoff = load_backoff
        self.stages: dict[str, Stage] = {
            "cleanse": cleanse, "transform": transform, "validate": validate, "enrich": enrich, "load": Loader(engine),
        }

    async def process(self, batch: Sequence[Record | Mapping[str, Any]], *, start: str = "cleanse") -> BatchOutcome:
        """Run ``batch`` from stage ``start`` to load (a replay starts at the stage that rejected it). Payloads
        that are not records (from Celery, a parked batch, a dead letter) are rejected at ``start`` with the reason."""
        outcome = BatchOutcome()
        ctx = StageContext(self.run_id)
        records, outcome.rejects = parse_records(batch, start)
        outcome.counts[f"rejected_{start}"] += len(outcome.rejects)
        for name in STAGE_ORDER[STAGE_ORDER.index(start):]:
            if name == "enrich":
                ctx = replace(ctx, images=await self._new_image_facts(records))
            if name == "load":
                records = await asyncio.to_thread(self._load_with_retries, records, ctx, outcome)
            else:
                records = self._run_stage(name, records, ctx, outcome)
        outcome.loaded = records
        await asyncio.to_thread(self._with_db_retries, lambda: self._finish(outcome), outcome, "writing dead letters")
        return outcome

    def _run_stage(self, name: str, records: list[Record], ctx: StageContext, outcome: BatchOutcome) -> list[Record]:
        try:
            result: StageResult = self.stages[name](records, ctx)
        except Exception as err:
            raise StageFailed(name, self.run_id) from err
        outcome.rejects.extend(result.rejects)
        outcome.counts.update({k: int(v) for k, v in result.metrics.items() if k not in {"seconds", "records_in"}})
        outcome.counts[f"rejected_{name}"] += len(result.rejects)
        self.bus.publish(StageCompleted(
            run_id=self.run_id, stage=name, records_in=len(records), records_out=len(result.records),
            rejected=len(result.rejects), seconds=result.metrics.get("seconds", 0.0), metrics=result.metrics,
        ))
        return result.records

    def _load_with_retries(self, records: list[Record], ctx: StageContext, outcome: BatchOutcome) -> list[Record]:
        """Load, retrying a database outage with back-off; the load is one transaction, so a retry is safe."""
        return self._with_db_retries(lambda: self._run_stage("load", records, ctx, outcome), outcome,
                                     f"loading {len(records)} records")

    def _with_db_retries(self, step: Callable[[], Any], outcome: BatchOutcome, what: str) -> Any:
        for attempt in range(self.load_retries + 1):
            try:
                return step()
            except (StageFailed, DBAPIError) as err:
                cause = err.__cause__ if isinstance(err, StageFailed) else err
                if not database_unavailable(cause) or attempt == self.load_retries:
                    raise
                delay = backoff_delay(attempt + 1, *self.load_backoff)
                outcome.counts["load_retries"] += 1
                log.warning("database unavailable while %s (run %s): retry %d/%d in %.1fs: %s",
                            what, self.run_id, attempt + 1, self.load_retries, delay, cause)
                time.sleep(delay)
        raise AssertionError("unreachable")

    async def _new_image_facts(self, records: list[Record]) -> Mapping[str, ImageFact]:
        """Download the batch's images that the store does not know yet."""
        if self.fetch_images is None:
            return {}
        urls = sorted({url for record in records for url in record.images})
        try:
            known = await asyncio.to_thread(self._known_images, urls)
        except DBAPIError as err:  # not fatal: at worst known images are downloaded again
            log.warning("could not read known images, downloading all: %s", err)
            known = set()
        facts = await self.fetch_images([u for u in urls if u not in known])
        for url, fact in facts.items():
            if fact.error:
                self.bus.publish(ImageFailed(run_id=self.run_id, url=url, error=fact.error))
        return facts

    def _known_images(self, urls: list[str]) -> set[str]:
        if not urls:
            return set()
        with session_scope(self.engine) as session:
            return set(session.scalars(select(ImageRecord.url).where(ImageRecord.url.in_(urls))))

    def _finish(self, outcome: BatchOutcome) -> None:
        """Store the rejects as dead letters and publish one event per loaded or rejected record."""
        with session_scope(self.engine) as session:
            add_dead_letters(session, self.run_id, ((r.stage, r.reason, r.payload()) for r in outcome.rejects))
            backlog = open_backlog(session) if outcome.rejects else None
        for reject in outcome.rejects:
            payload = reject.payload()
            self.bus.publish(RecordRejected(run_id=self.run_id, stage=reject.stage, reason=reject.reason,
                                            site=str(payload.get("site") or ""), url=str(payload.get("url") or "")))
        for record in outcome.loaded:
            self.bus.publish(RecordLoaded(run_id=self.run_id, site=record.site or "", product_key=record.product_key or "",
                                          change=record.change or ""))
        if backlog is not None:
            self.bus.publish(DeadLetterBacklog(run_id=self.run_id, open_by_stage=backlog))
        outcome.counts["loaded"] += len(outcome.loaded)
        outcome.counts["rejected"] += len(outcome.rejects)
        self.bus.flush()


def database_unavailable(error: BaseException | None) -> bool:
    """True for errors that mean the database is away or busy (worth a retry), not that the data is wrong."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def publish_backlog(engine: Engine, bus: EventBus, run_id: str) -> None:
    """Publish the current dead-letter backlog (after a run, a replay or a dismissal)."""
    with session_scope(engine) as session:
        backlog = open_backlog(session)
    bus.publish(DeadLetterBacklog(run_id=run_id, open_by_stage=backlog))
