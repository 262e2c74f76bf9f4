"""The run lifecycle, one module for every kind of run (embedded, distributed, API-submitted, replay): start,
finish, fail. A run's row in ``crawl_runs``, its ``run.started`` / ``run.finished`` events, the image regrouping and
the dead-letter backlog at its end are written here and nowhere else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from sightsearch.etl.pipeline import publish_backlog
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import RunFinished, RunStarted
from sightsearch.storage.db import session_scope
from sightsearch.storage.imagegroups import regroup_images
from sightsearch.storage.models import CrawlRun, DeadLetter


@dataclass
class RunSummary:
    """The outcome of one run: its id, status (``finished`` or ``failed``), counts, wall time and error."""

    run_id: str
    status: str
    seconds: float
    counts: Counter[str] = field(default_factory=Counter)
    error: str | None = None


def start_run(engine: Engine, bus: EventBus, run_id: str, seeds: list[str], *, mode: str, max_pages: int) -> None:
    """Record a run (status ``running``) and publish ``run.started``. Starting an id again (an orchestrator's
    retried task) restarts that run instead of failing."""
    with session_scope(engine) as session:
        session.merge(CrawlRun(id=run_id, seeds=seeds, status="running", mode=mode, counts={}, error=None,
                               finished_at=None))
    bus.publish(RunStarted(run_id=run_id, seeds=seeds, max_pages=max_pages))


def run_verdict(engine: Engine, run_id: str, counts: Mapping[str, int], error: str | None) -> tuple[str, str | None]:
    """``failed`` with the reason when the run raised, or when nothing could be fetched at all (every seed failed);
    otherwise ``finished``."""
    if error:
        return "failed", error
    if counts.get("pages_fetched", 0) == 0 and counts.get("pages_failed", 0) > 0:
        with session_scope(engine) as session:
            first = session.scalar(select(DeadLetter.reason).where(DeadLetter.run_id == run_id, DeadLetter.stage == "fetch")
                                   .order_by(DeadLetter.id).limit(1))
        return "failed", f"every seed failed, nothing was fetched: {first or 'unknown error'}"
    return "finished", None


def finish_run(engine: Engine, bus: EventBus, run_id: str, counts: Mapping[str, int], seconds: float, *,
               near_duplicate_distance: int, error: str | None = None) -> RunSummary:
    """Close the run: regroup near-duplicate images, write its status and counts, publish the dead-letter backlog
    and ``run.finished``. Returns the summary (status ``failed`` with the reason when nothing could be fetched)."""
    status, reason = run_verdict(engine, run_id, counts, error)
    final = Counter({k: int(v) for k, v in counts.items() if v})
    with session_scope(engine) as session:
        final["image_groups"] = regroup_images(session, near_duplicate_distance)
        run = session.get(CrawlRun, run_id)
        if run is not None:
            run.status, run.seconds, run.error = status, round(seconds, 3), reason
            run.finished_at = datetime.now(UTC)
            run.counts = {k: v for k, v in sorted(final.items()) if v}
    publish_backlog(engine, bus, run_id)  # fetch and extract dead letters change it too
    bus.publish(RunFinished(run_id=run_id, status=status, counts=dict(final), seconds=seconds))
    bus.flush()
    return RunSummary(run_id, status, seconds, final, reason)
