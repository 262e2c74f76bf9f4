"""Reading the event stream back: from the Kafka topics (a time or an offset on) or from the local events table.

Used by ``sightsearch events tail`` and ``replay``. Readers here use no consumer group: they never move a group's
committed offsets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from sightsearch.config import Settings
from sightsearch.events.catalog import Event, parse_event
from sightsearch.events.topics import all_topics, decode
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import EventRecord

log = logging.getLogger(__name__)


def kafka_consumer(settings: Settings, **options: Any) -> Any:
    """An aiokafka consumer on the configured brokers (created here so every reader shares one set of options)."""
    from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]

    return AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False,
                            auto_offset_reset="earliest", metadata_max_age_ms=5000, **options)


def decode_messages(messages: list[Any]) -> list[Event]:
    """The events of consumed messages; a message that is not a known event is logged and skipped."""
    events = []
    for message in messages:
        try:
            events.append(decode(message.value))
        except ValueError as err:
            log.warning("skipping undecodable message %s[%d]@%d: %s", message.topic, message.partition,
                        message.offset, err)
    return events


async def read_topics(settings: Settings, *, since: datetime | None = None, from_offset: int | None = None,
                      follow: bool = False) -> AsyncIterator[list[Event]]:
    """Batches of events from every family topic, from ``from_offset`` (per partition) or ``since`` (event time).

    Without ``follow`` it stops at the end offsets seen when it started; with it, it waits for more until cancelled.
    """
    consumer = kafka_consumer(settings)
    await consumer.start()
    try:
        existing = await consumer.topics()
        partitions = [tp for topic in all_topics(settings.kafka_topic_prefix) if topic in existing
                      for tp in _partitions(consumer, topic)]
        if not partitions:
            return
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, from_offset or 0)
        end = await consumer.end_offsets(partitions)
        while follow or await _behind(consumer, end):
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            events = decode_messages([m for messages in batch.values() for m in messages])
            if since is not None:
                events = [e for e in events if e.at >= since]
            if events:
                yield events
    finally:
        await consumer.stop()


async def _behind(consumer: Any, end: dict[Any, int]) -> bool:
    """True while some partition's position is before the end offset seen at the start."""
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return True
    return False


def _partitions(consumer: Any, topic: str) -> list[Any]:
    from aiokafka import TopicPartition  # type: ignore[import-untyped]

    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


def read_table(engine: Engine, *, since: datetime | None = None, after_id: int = 0,
               limit: int = 5000) -> Iterator[tuple[int, Event]]:
    """(row id, event) from the local events table in publication order, after ``after_id`` and from ``since``."""
    while True:
        with session_scope(engine) as session:
            query = select(EventRecord.id, EventRecord.payload).where(EventRecord.id > after_id)
            if since is not None:
                query = query.where(EventRecord.at >= since)
            rows = session.execute(query.order_by(EventRecord.id).limit(limit)).all()
        for row_id, payload in rows:
            after_id = row_id
            yield row_id, parse_event(payload)
        if len(rows) < limit:
            return


async def follow_table(engine: Engine, *, since: datetime | None = None, poll: float = 1.0) -> AsyncIterator[Event]:
    """Every event of the table, then the new ones as they are written, until cancelled."""
    last_id = 0
    while True:
        rows = await asyncio.to_thread(_table_rows, engine, since, last_id)
        for row_id, event in rows:
            last_id = row_id
            yield event
        await asyncio.sleep(poll)


async def tail_events(settings: Settings, engine: Engine | None, *, types: set[str], run_id: str | None,
                      since: datetime | None, follow: bool, show: Callable[[Event], None]) -> int:
    """Show the stream's events of ``types`` (all when empty) and ``run_id``: from Kafka when configured, else the
    table (``engine``). Returns how many were shown; with ``follow`` it runs until cancelled."""
    def wanted(event: Event) -> bool:
        return (not types or str(event.type) in types) and (run_id is None or event.run_id == run_id)  # type: ignore[attr-defined]

    shown = 0
    if settings.kafka_bootstrap:
        async for batch in read_topics(settings, since=since, follow=follow):
            for event in filter(wanted, batch):
                show(event)
                shown += 1
        return shown
    assert engine is not None, "the local table needs an engine"
    source = follow_table(engine, since=since) if follow else _table_events(engine, since)
    async for event in source:
        if wanted(event):
            show(event)
            shown += 1
    return shown


async def _table_events(engine: Engine, since: datetime | None) -> AsyncIterator[Event]:
    for _, event in await asyncio.to_thread(_table_rows, engine, since, 0):
        yield event


def _table_rows(engine: Engine, since: datetime | None, after_id: int) -> list[tuple[int, Event]]:
    return list(read_table(engine, since=since, after_id=after_id))
