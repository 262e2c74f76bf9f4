"""The metrics consumers: a Kafka consumer group, a replay of the topics, and a pass over the local events table.

All three feed the same ``apply_events`` (deduplicated store + bucket recomputation), so their results agree.
Offsets are committed after the database commit: a crash redelivers a batch, which changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.events.stream import decode_messages, kafka_consumer, read_topics
from sightsearch.events.topics import FAMILIES
from sightsearch.metrics.alerts import evaluate_alerts
from sightsearch.metrics.store import apply_events, count_events, ingest_events, recompute_metrics

log = logging.getLogger(__name__)
ALERT_EVERY = 10.0  # seconds between alert evaluations when no event arrives (a stalled run sends none)


@dataclass
class ConsumeStats:
    """What one consumer did."""

    events: int = 0
    samples: int = 0
    alerts: int = 0


async def consume(settings: Settings, engine: Engine, *, group: str = "sightsearch-metrics",
                  stop: asyncio.Event | None = None, alerts: bool = True) -> ConsumeStats:
    """Consume every family topic in consumer group ``group`` into the metrics and alerts until ``stop`` is set."""
    stop = stop or asyncio.Event()
    stats, last_alerts = ConsumeStats(), 0.0
    consumer = kafka_consumer(settings, group_id=group, session_timeout_ms=10_000, heartbeat_interval_ms=1_000)
    families = "|".join(FAMILIES)
    consumer.subscribe(pattern=rf"^{re.escape(settings.kafka_topic_prefix)}\.({families})$")
    await consumer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            events = decode_messages([m for messages in batch.values() for m in messages])
            if events:
                stats.events += len(events)
                stats.samples += await asyncio.to_thread(apply_events, engine, events)
            if batch:
                await _commit(consumer)
            if alerts and (events or time.monotonic() - last_alerts > ALERT_EVERY):
                stats.alerts += len(await asyncio.to_thread(evaluate_alerts, settings, engine))
                last_alerts = time.monotonic()
    finally:
        await consumer.stop()
    return stats


async def _commit(consumer: object) -> None:
    from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

    try:
        await consumer.commit()  # type: ignore[attr-defined]
    except KafkaError as err:  # the batch is stored; a redelivery after a rebalance or outage is harmless
        log.warning("offset commit failed (the batch may be redelivered, it will not double-count): %s", err)


async def replay(settings: Settings, engine: Engine, *, since: datetime | None = None,
                 from_offset: int | None = None) -> ConsumeStats:
    """Re-read the topics (from ``since`` or ``from_offset``) and recompute the metrics of every bucket they cover."""
    stats, start = ConsumeStats(), None
    async for events in read_topics(settings, since=since, from_offset=from_offset):
        stats.events += len(events)
        await asyncio.to_thread(ingest_events, engine, events)  # known events are skipped, new ones kept
        first = min(e.at for e in events)
        start = first if start is None else min(start, first)
    if start is not None:
        stats.samples = await asyncio.to_thread(recompute_metrics, engine, start)
    return stats


def consume_table(settings: Settings, engine: Engine, *, since: datetime | None = None,
                  alerts: bool = True) -> ConsumeStats:
    """Embedded mode: recompute the metrics from the local events table (no Kafka) and evaluate the alert rules."""
    stats = ConsumeStats(events=count_events(engine, since))
    stats.samples = recompute_metrics(engine, since)
    if alerts:
        stats.alerts = len(evaluate_alerts(settings, engine))
    return stats
