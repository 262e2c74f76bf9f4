"""Where the consumers keep what they read: events into the ``events`` table (deduplicated by event id), and the
samples of every bucket they touched recomputed from it into ``metric_samples``.

Recomputing whole buckets from the deduplicated table (instead of incrementing counters) is what makes consumption
idempotent: a redelivered event inserts nothing and changes no sample, and a replay lands on the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from sightsearch.events.catalog import Event, EventType, parse_event
from sightsearch.metrics.compute import Sample, bucket_of, bucket_samples
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import EventRecord, MetricSample


def ingest_events(engine: Engine, events: Sequence[Event]) -> datetime | None:
    """Store events not seen before; returns the earliest bucket that changed (None when all were known)."""
    unique = list({e.event_id: e for e in events}.values())
    with session_scope(engine) as session:
        known = set(session.scalars(select(EventRecord.event_id).where(
            EventRecord.event_id.in_([e.event_id for e in unique]))))
        new = [e for e in unique if e.event_id not in known]
        if new:
            session.execute(_insert_ignoring_duplicates(session), [_row(e) for e in new])
    return min((bucket_of(e.at) for e in new), default=None)


def apply_events(engine: Engine, events: Sequence[Event]) -> int:
    """Ingest events and recompute the buckets they change; returns how many samples were written."""
    start = ingest_events(engine, events)
    return 0 if start is None else recompute_metrics(engine, start)


def recompute_metrics(engine: Engine, since: datetime | None = None) -> int:
    """Recompute every bucket from ``since`` (all when None) from the events table; returns samples written."""
    with session_scope(engine) as session:
        query = select(EventRecord.payload).order_by(EventRecord.id)
        before: dict[str, int] = {}
        if since is not None:
            since = bucket_of(since)
            query = query.where(EventRecord.at >= since)
            latest = session.scalar(
                select(EventRecord.payload).where(EventRecord.type == str(EventType.DEAD_LETTER_BACKLOG),
                                                  EventRecord.at < since)
                .order_by(EventRecord.at.desc(), EventRecord.event_id.desc()).limit(1))
            before = dict(latest["open_by_stage"]) if latest else {}
        samples = metric_samples((parse_event(p) for p in session.scalars(query)), before)
        wipe = delete(MetricSample) if since is None else delete(MetricSample).where(MetricSample.bucket >= since)
        session.execute(wipe)
        if samples:
            session.execute(insert(MetricSample), [
                {"name": s.name, "bucket": s.bucket, "labels": s.labels, "labels_key": s.labels_key, "value": s.value}
                for s in samples])
    return len(samples)


def metric_samples(events: Iterable[Event], backlog_before: dict[str, int] | None = None) -> list[Sample]:
    """Samples of every bucket of ``events``, plus the dead-letter backlog: the latest ``DeadLetterBacklog``
    snapshot in each bucket, carried forward from ``backlog_before`` through buckets that have none."""
    buckets: dict[datetime, list[Event]] = defaultdict(list)
    for event in events:
        buckets[bucket_of(event.at)].append(event)
    samples: list[Sample] = []
    backlog = dict(backlog_before or {})
    for bucket in sorted(buckets):
        snapshots = [e for e in buckets[bucket] if str(e.type) == EventType.DEAD_LETTER_BACKLOG]  # type: ignore[attr-defined]
        if snapshots:
            backlog = dict(max(snapshots, key=lambda e: (e.at, e.event_id)).open_by_stage)  # type: ignore[attr-defined]
        samples += bucket_samples(bucket, buckets[bucket])
        samples.append(Sample("dead_letter_backlog", bucket, {}, float(sum(backlog.values()))))
        samples += [Sample("dead_letter_backlog", bucket, {"stage": stage}, float(n)) for stage, n in sorted(backlog.items())]
    return samples


def count_events(engine: Engine, since: datetime | None = None) -> int:
    """Events in the table (from ``since``)."""
    with session_scope(engine) as session:
        query = select(func.count()).select_from(EventRecord)
        return int(session.scalar(query if since is None else query.where(EventRecord.at >= since)) or 0)


def read_samples(engine: Engine, since: datetime | None = None) -> list[Sample]:
    """The stored samples (from ``since``), ordered by bucket, name and labels."""
    with session_scope(engine) as session:
        query = select(MetricSample).order_by(MetricSample.bucket, MetricSample.name, MetricSample.labels_key)
        if since is not None:
            query = query.where(MetricSample.bucket >= bucket_of(since))
        return [Sample(m.name, bucket_of(m.bucket), dict(m.labels), m.value) for m in session.scalars(query)]


def _row(event: Event) -> dict[str, object]:
    return {"event_id": event.event_id, "run_id": event.run_id, "type": str(event.type),  # type: ignore[attr-defined]
            "stage": event.stage, "at": event.at, "payload": event.model_dump(mode="json")}


def _insert_ignoring_duplicates(session: Session):
    """INSERT ... ON CONFLICT DO NOTHING: two consumers racing on one event keep one row."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(EventRecord).on_conflict_do_nothing(index_elements=["event_id"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(EventRecord).on_conflict_do_nothing(index_elements=["event_id"])
    return insert(EventRecord)
