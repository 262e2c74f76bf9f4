"""Events per second through the Kafka event bus while the pipeline runs, next to a bare aiokafka producer.

Both sides send the same messages (real catalog events, serialized once) to a tansu broker on loopback (or the
broker of SIGHTSEARCH_BENCH_KAFKA_BOOTSTRAP), with acks=all, while a demo-shop crawl runs in the background the
whole time. The bus side publishes from N threads through ``KafkaBus.publish`` (O(1), buffered; the bus serializes
and batches on its sender thread) and is timed until the broker acknowledged everything; the bare peer awaits one
producer's ``send`` for every pre-serialized message, then all acks. A second bare peer builds record batches by
hand with aiokafka's ``send_batch`` (what the bus does inside), printed as the ceiling.
Also prints the latency of one ``publish`` call, which is what the crawler pays.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from sightsearch.config import Settings
from sightsearch.demo import running_demo_site
from sightsearch.events.catalog import Event, PageFetched, RecordLoaded, StageCompleted
from sightsearch.events.kafka import KafkaBus
from sightsearch.events.topics import encode, topic_of
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import create_db_engine, upgrade_schema


def catalog_events(count: int, runs: int) -> list[Event]:
    """A realistic mix: per page fetched, most give a loaded record, some batches a stage event."""
    events: list[Event] = []
    for i in range(count):
        run = f"run{i % runs}"
        if i % 10 == 9:
            events.append(StageCompleted(run_id=run, stage="load", records_in=100, records_out=98, rejected=2, seconds=0.2))
        elif i % 2:
            events.append(RecordLoaded(run_id=run, site="shop.example", product_key=f"sku-{i}", change="inserted"))
        else:
            events.append(PageFetched(run_id=run, url=f"http://shop.example/p/item-{i}", site="shop.example",
                                      status=200, bytes=14_000, latency_ms=12.5, kind="product"))
    return events


class BackgroundCrawls:
    """Demo-shop crawls (full pipeline, SQLite, local events table) one after another until stopped."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.stop, self.pages = folder, threading.Event(), 0
        self.thread = threading.Thread(target=lambda: asyncio.run(self._loop()), daemon=True)

    async def _loop(self) -> None:
        with running_demo_site() as base_url:
            while not self.stop.is_set():
                engine = create_db_engine(f"sqlite:///{self.folder / uuid.uuid4().hex}.db")
                upgrade_schema(engine)
                settings = Settings(_env_file=None, download_images=False, data_dir=self.folder)
                summary = await EmbeddedRun(settings, engine=engine, max_pages=150).execute([base_url + "/"])
                self.pages += summary.counts["pages_fetched"]
                engine.dispose()


def bench_bus(settings: Settings, events: list[Event], threads: int) -> tuple[float, list[float]]:
    bus = KafkaBus(settings)
    bus.start()
    assert bus.wait_delivered(30), "broker unreachable"
    latencies: list[float] = []

    def publish(part: list[Event]) -> None:
        own = []
        for event in part:
            started = time.perf_counter()
            bus.publish(event)
            own.append(time.perf_counter() - started)
        latencies.extend(own)

    started = time.perf_counter()
    workers = [threading.Thread(target=publish, args=(events[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert bus.wait_delivered(120), f"not delivered: {bus.stats}"
    seconds = time.perf_counter() - started
    bus.close()
    assert bus.stats.dropped == 0, bus.stats
    return len(events) / seconds, latencies


async def bench_bare_batches(bootstrap: str, prefix: str, events: list[Event]) -> float:
    """aiokafka's own batch API on pre-serialized messages: the ceiling of what the bus's batching can reach."""
    from aiokafka import AIOKafkaProducer
    from aiokafka.partitioner import DefaultPartitioner

    messages = [(topic_of(e, prefix), *encode(e)) for e in events]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024)
    partitioner, partitions, batches, acks = DefaultPartitioner(), {}, {}, []
    await producer.start()
    try:
        await producer.send_and_wait(messages[0][0], b"{}", key=b"warm-up")
        started = time.perf_counter()
        for topic, key, value in messages:
            if topic not in partitions:
                partitions[topic] = sorted(await producer.partitions_for(topic))
            target = (topic, partitioner(key, partitions[topic], partitions[topic]))
            batch = batches.setdefault(target, producer.create_batch())
            if batch.append(key=key, value=value, timestamp=None) is None:
                acks.append(await producer.send_batch(batch, topic, partition=target[1]))
                batches[target] = producer.create_batch()
                batches[target].append(key=key, value=value, timestamp=None)
        for (topic, partition), batch in batches.items():
            acks.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*acks)
        return len(messages) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def bench_bare(bootstrap: str, prefix: str, events: list[Event]) -> float:
    from aiokafka import AIOKafkaProducer

    messages = [(topic_of(e, prefix), *encode(e)) for e in events]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        await producer.send_and_wait(messages[0][0], b"{}", key=b"warm-up")
        started = time.perf_counter()
        futures = [await producer.send(topic, value, key=key) for topic, key, value in messages]
        await asyncio.gather(*futures)
        return len(messages) / (time.perf_counter() - started)
    finally:
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runs", type=int, default=8, help="distinct run ids (message keys)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from services.kafka import TansuBroker  # the same broker the tests start

    given = os.environ.get("SIGHTSEARCH_BENCH_KAFKA_BOOTSTRAP")
    broker = None if given else TansuBroker()
    if broker:
        broker.start()
    bootstrap = given or broker.bootstrap  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        crawls = BackgroundCrawls(Path(folder))
        crawls.thread.start()
        try:
            time.sleep(2)  # the crawl is under way before either side starts
            events = catalog_events(args.events, args.runs)
            settings = Settings(_env_file=None, kafka_bootstrap=bootstrap, data_dir=Path(folder),
                                kafka_topic_prefix=f"bench{uuid.uuid4().hex[:6]}", event_buffer_size=args.events)
            bus_rate, latencies = bench_bus(settings, events, args.threads)
            bare_rate = asyncio.run(bench_bare(bootstrap, f"bare{uuid.uuid4().hex[:6]}", events))
            batch_rate = asyncio.run(bench_bare_batches(bootstrap, f"batch{uuid.uuid4().hex[:6]}", events))
        finally:
            crawls.stop.set()
            crawls.thread.join(60)
            if broker:
                broker.stop()
    size = statistics.mean(len(encode(e)[1]) for e in events[:1000])
    print(f"{args.events} events (~{size:.0f} B each), {args.threads} publishing threads, a demo crawl running "
          f"({crawls.pages} pages fetched meanwhile), acks=all, broker {bootstrap}")
    print(f"{'producer':28}{'events/s':>12}")
    print(f"{'sightsearch KafkaBus':28}{bus_rate:>12,.0f}")
    print(f"{'bare aiokafka send()':28}{bare_rate:>12,.0f}")
    print(f"{'bare aiokafka send_batch()':28}{batch_rate:>12,.0f}  (pre-serialized, hand-batched: a ceiling)")
    print(f"ratio KafkaBus / bare send(): {bus_rate / bare_rate:.2f}")
    print(f"ratio KafkaBus / bare send_batch(): {bus_rate / batch_rate:.2f}")
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"publish() call: median {statistics.median(latencies) * 1e6:.1f} us, p99 {quantiles[98] * 1e6:.1f} us, "
          f"max {max(latencies) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
