"""The Kafka bus against a real Kafka-protocol broker (tansu): topics, keys and schemas; a demo crawl whose metrics
match the run's counts and replay identically; a broker outage mid-crawl; a full spool that counts its drops."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import Event, PageFetched, RecordLoaded, StageCompleted
from sightsearch.events.kafka import KafkaBus
from sightsearch.events.local import TableBus
from sightsearch.events.schema_export import event_schema
from sightsearch.events.stream import kafka_consumer, read_table, read_topics
from sightsearch.events.topics import event_models
from sightsearch.metrics import consume, read_samples, replay
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import EventRecord
from tests.events.helpers import demo_crawl, event_settings, expected_totals, snapshot, totals
from tests.services.kafka import TansuBroker, TcpGate, free_port

pytestmark = pytest.mark.slow


class RecordingKafkaBus(KafkaBus):
    """A KafkaBus that remembers what it published and how long ``publish`` took; the test closes it, not the run."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.sent: list[Event] = []
        self.slowest = 0.0
        self.slowest_flush = 0.0

    @override
    def publish(self, event: Event) -> None:
        started = time.perf_counter()
        super().publish(event)
        self.slowest = max(self.slowest, time.perf_counter() - started)
        self.sent.append(event)

    @override
    def flush(self, timeout: float | None = None) -> None:
        started = time.perf_counter()
        super().flush(timeout)
        self.slowest_flush = max(self.slowest_flush, time.perf_counter() - started)

    @override
    def close(self) -> None:
        pass

    def really_close(self) -> None:
        super().close()


def mixed_events(runs: int = 3, per_run: int = 40) -> list[Event]:
    events: list[Event] = []
    for i in range(per_run):
        for r in range(runs):
            run = f"run{r}"
            events.append(PageFetched(run_id=run, url=f"http://s/{i}", site="s", status=200, bytes=1, latency_ms=i))
            if i % 4 == 0:
                events.append(RecordLoaded(run_id=run, site="s", product_key=f"k{i}", change="inserted"))
            if i % 10 == 0:
                events.append(StageCompleted(run_id=run, stage="load", records_in=1, records_out=1, rejected=0, seconds=0))
    return events


def order_by_run(events: list[Event]) -> dict[tuple[str, str], list[str]]:
    """Event ids per (run, family): what Kafka keeps in order (one partition per run and topic)."""
    order: dict[tuple[str, str], list[str]] = defaultdict(list)
    for event in events:
        order[event.run_id, event.family].append(event.event_id)
    return dict(order)


async def read_all(settings: Settings) -> list[Event]:
    return [event async for batch in read_topics(settings) for event in batch]


@pytest.mark.parametrize("backend", ["table", "kafka"])
async def test_bus_contract_every_event_arrives_in_order_per_run(backend: str, sqlite_engine: Engine,
                                                                 kafka_settings: Settings) -> None:
    bus: EventBus = TableBus(sqlite_engine) if backend == "table" else KafkaBus(kafka_settings)
    events = mixed_events()
    bus.publish_many(events)
    await asyncio.to_thread(bus.close)
    if backend == "table":
        received = [event for _, event in read_table(sqlite_engine)]
    else:
        received = await read_all(kafka_settings)
        assert isinstance(bus, KafkaBus) and bus.stats.dropped == 0 and bus.stats.delivered >= len(events)
    assert len(received) == len(events) and {e.event_id for e in received} == {e.event_id for e in events}
    assert order_by_run(received) == order_by_run(events)


async def test_pipelined_batches_arrive_complete_and_in_order_per_run(kafka_settings: Settings) -> None:
    # Several sender batches in flight at once, from two publishing threads: nothing lost, each run in order.
    settings = kafka_settings.model_copy(update={"event_buffer_size": 50_000})
    bus = KafkaBus(settings)
    events = mixed_events(runs=4, per_run=1500)
    halves = [[e for e in events if e.run_id in runs] for runs in ({"run0", "run1"}, {"run2", "run3"})]
    publishers = [threading.Thread(target=bus.publish_many, args=(half,)) for half in halves]
    for publisher in publishers:
        publisher.start()
    for publisher in publishers:
        publisher.join()
    await asyncio.to_thread(bus.close)
    received = await read_all(settings)
    assert bus.stats.dropped == 0 and bus.stats.spooled == 0 and bus.stats.delivered == len(events) > 8000
    assert sorted(e.event_id for e in received) == sorted(e.event_id for e in events)
    assert order_by_run(received) == order_by_run(events)


async def test_topics_keys_and_values_follow_the_schemas(kafka_settings: Settings) -> None:
    bus = KafkaBus(kafka_settings)
    events = mixed_events(runs=2, per_run=10)
    bus.publish_many(events)
    await asyncio.to_thread(bus.close)
    prefix, published = kafka_settings.kafka_topic_prefix, {e.event_id: e for e in events}
    consumer = kafka_consumer(kafka_settings)
    consumer.subscribe([f"{prefix}.page", f"{prefix}.record", f"{prefix}.stage"])
    await consumer.start()
    seen = 0
    try:
        deadline = time.monotonic() + 30
        while seen < len(events) and time.monotonic() < deadline:
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                for message in messages:
                    event = published[Event.model_validate_json(message.value).event_id]
                    schema = event_schema(event_models()[event.type])  # type: ignore[attr-defined]
                    assert message.topic == f"{prefix}.{event.family}" and message.key == event.run_id.encode()
                    data = event.model_validate_json(message.value).model_dump(mode="json")
                    assert set(schema["required"]) <= set(data) <= set(schema["properties"])
                    assert data == event.model_dump(mode="json")
                    seen += 1
    finally:
        await consumer.stop()
    assert seen == len(events)


async def wait_until(check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if await result if asyncio.iscoroutine(result) else result:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def stored_ids(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(EventRecord.run_id, EventRecord.type, EventRecord.event_id).order_by(EventRecord.id))]


async def test_crawl_metrics_match_the_run_and_replay_identically(sqlite_engine: Engine, kafka_settings: Settings,
                                                                  tmp_path: Path) -> None:
    settings = kafka_settings.model_copy(update={"download_images": False})
    stop = asyncio.Event()
    consumer = asyncio.create_task(consume(settings, sqlite_engine, group="live", stop=stop, alerts=False))
    bus = RecordingKafkaBus(settings)
    summary = await demo_crawl(settings, sqlite_engine, bus, max_pages=80)
    await asyncio.to_thread(bus.really_close)
    expected = expected_totals(summary)
    assert summary.counts["pages_failed"] == 1 and bus.stats.dropped == 0
    assert sum(isinstance(e, PageFetched) for e in bus.sent) == summary.counts["pages_fetched"]
    await wait_until(lambda: totals(read_samples(sqlite_engine)) == expected, 60, "the live metrics")
    stop.set()
    await consumer
    assert len(stored_ids(sqlite_engine)) == len(bus.sent)
    live = snapshot(sqlite_engine)

    replayed = create_db_engine(f"sqlite:///{tmp_path / 'replay.db'}")
    upgrade_schema(replayed)
    stats = await replay(settings, replayed, from_offset=0)
    assert stats.events == len(bus.sent) and snapshot(replayed) == live
    again = await replay(settings, replayed)  # replaying twice changes nothing
    assert again.events == len(bus.sent) and snapshot(replayed) == live
    replayed.dispose()


async def test_broker_outage_mid_crawl_loses_nothing(sqlite_engine: Engine, gated_broker: tuple[TansuBroker, TcpGate],
                                                     tmp_path: Path) -> None:
    _, gate = gated_broker
    settings = event_settings(f"127.0.0.1:{gate.port}", tmp_path, download_images=False)
    stop = asyncio.Event()
    consumer = asyncio.create_task(consume(settings, sqlite_engine, group="outage", stop=stop, alerts=False))
    bus = RecordingKafkaBus(settings)
    down = threading.Event()

    def on_progress(progress: Any) -> None:
        if progress["pages"] >= 30 and not down.is_set():
            down.set()
            threading.Thread(target=gate.close).start()  # the broker goes away mid-crawl

    summary = await demo_crawl(settings, sqlite_engine, bus, max_pages=150, on_progress=on_progress)
    assert summary.status == "finished" and down.is_set()
    await wait_until(lambda: bus.stats.spooled > 0, 30, f"the bus to spool ({bus.stats})")
    assert bus.slowest < 0.5, f"publish blocked for {bus.slowest:.3f}s"
    assert bus.slowest_flush < 2.0, f"flush held the pipeline for {bus.slowest_flush:.1f}s"  # bounded by FLUSH_WAIT
    gate.open()  # the broker is back, with its log
    await asyncio.to_thread(bus.really_close)
    sent = {e.event_id for e in bus.sent}
    await wait_until(lambda: {i for *_, i in stored_ids(sqlite_engine)} >= sent, 60, f"every event ({bus.stats})")
    await wait_until(lambda: totals(read_samples(sqlite_engine)) == expected_totals(summary), 30, "the metrics")
    stop.set()
    await consumer
    stored = stored_ids(sqlite_engine)
    assert len(stored) == len(sent)  # no duplicate row, and no duplicate count in the metrics above
    by_id = {e.event_id: e for e in bus.sent}
    assert order_by_run([by_id[i] for *_, i in stored]) == order_by_run(bus.sent)
    on_broker = await read_all(settings)  # in order on the broker too, each event once at least
    assert {e.event_id for e in on_broker} == sent
    assert order_by_run(list({e.event_id: e for e in on_broker}.values())) == order_by_run(bus.sent)


async def test_full_spool_drops_are_counted_and_the_rest_is_delivered_later(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # nothing listens here yet: the broker is down from the start
    settings = event_settings(f"127.0.0.1:{port}", tmp_path, event_spool_max_bytes=20_000)
    bus = KafkaBus(settings)
    events = mixed_events(runs=2, per_run=60)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        bus.publish_many(events)
        assert time.perf_counter() - started < 5  # O(1) each, broker or not
        await asyncio.to_thread(bus.close)
    assert bus.stats.dropped > 0 and bus.stats.spooled > 0
    assert bus.stats.spooled + bus.stats.dropped == len(events) and bus.stats.delivered == 0
    assert any("dropped" in r.getMessage() for r in caplog.records)

    broker = TansuBroker(port)
    broker.start()
    try:
        later = KafkaBus(settings)  # a new process: the spool left on disk is delivered first, in order
        later.start()
        assert await asyncio.to_thread(later.wait_delivered, 30)
        await asyncio.to_thread(later.close)
        received = await read_all(settings)
    finally:
        broker.stop()
    order, published = order_by_run(received), order_by_run(events)
    assert all(is_subsequence(ids, published[key]) for key, ids in order.items())
    assert len(received) == bus.stats.spooled


def is_subsequence(items: list[str], sequence: list[str]) -> bool:
    remaining = iter(sequence)
    return all(item in remaining for item in items)
