"""The Kafka sender: runs on its own event loop, moves the outbox to the broker, or to the disk spool while it is down.

Order per run holds because a message never overtakes the spool: while anything is spooled, new messages are
spooled behind it, and the spool is replayed oldest first before the sender sends directly again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

from sightsearch.config import Settings
from sightsearch.events.batching import BatchSubmitter, InFlight
from sightsearch.events.catalog import Event
from sightsearch.events.outbox import BusStats, Outbox
from sightsearch.events.spool import DiskSpool, SpooledMessage
from sightsearch.events.topics import encode, topic_of

log = logging.getLogger(__name__)

BATCH = 2000
MAX_IN_FLIGHT = 8  # batches submitted and not yet acknowledged: bounds memory and what a failure re-sends
RECONNECT_EVERY = 1.0  # seconds between attempts to reach a broker that is down
MAX_BATCH_BYTES = 512 * 1024  # record batch per partition: fewer, larger produce requests than the 16 KiB default
SEND_TIMEOUT = 5.0  # a batch not acknowledged by then is spooled (and may arrive twice: consumers deduplicate)


class KafkaSender:
    """Delivers messages from an ``Outbox`` with one aiokafka producer, spooling while the broker is unreachable.

    Batches are pipelined: the next one is submitted while earlier ones wait for their acknowledgement (at most
    ``MAX_IN_FLIGHT``), and each is settled in submission order once acknowledged. When one fails, it and every
    later one go to the spool, in order (some may arrive twice: consumers deduplicate by event id).
    """

    def __init__(self, settings: Settings, outbox: Outbox, spool: DiskSpool, stats: BusStats) -> None:
        self.settings = settings
        self.outbox = outbox
        self.spool = spool
        self.stats = stats
        self._producer: Any = None
        self._submitter: BatchSubmitter | None = None
        self._in_flight: deque[InFlight] = deque()
        self._next_attempt = 0.0

    async def run(self, deadline_after_close: float) -> None:
        """Deliver until the outbox is closed, then for at most ``deadline_after_close`` seconds; spool the rest."""
        wakeup = self.outbox.bind(asyncio.get_running_loop())
        deadline: float | None = None
        try:
            while True:
                if self.outbox.closed and deadline is None:
                    deadline = time.monotonic() + deadline_after_close
                    self._next_attempt = 0.0  # closing: one more try at the broker before leaving the spool
                if deadline is not None and (time.monotonic() > deadline or self._nothing_to_do()):
                    break
                await self._settle_acknowledged()
                batch = self.outbox.take(BATCH) if len(self._in_flight) < MAX_IN_FLIGHT else []
                if batch:
                    await self._deliver(self._encode(batch))
                # One spool batch per turn: under steady traffic the spool still drains, and the outbox never waits
                # behind a long replay (while the spool is not empty, new messages queue behind it on disk).
                replayed = not self._in_flight and await self._replay_spool_batch()
                if not batch and not replayed:
                    await self._wait(wakeup)
        finally:
            self._to_spool([m for entry in self._in_flight for m in entry.messages], settle=True)
            self._in_flight.clear()
            self._to_spool(self._encode(self.outbox.take(len(self.outbox))), settle=True)
            await self._disconnect()

    def _encode(self, events: list[Event]) -> list[SpooledMessage]:
        """Serialize here, on the sender's thread, so that ``publish`` only queues the event."""
        prefix = self.settings.kafka_topic_prefix
        return [(topic_of(event, prefix), *encode(event)) for event in events]

    def _nothing_to_do(self) -> bool:
        """Closing: nothing queued, in flight or spooled, or the broker just refused us (the spool waits on disk)."""
        broker_down = self._producer is None and time.monotonic() < self._next_attempt
        return not len(self.outbox) and not self._in_flight and (not self.spool or broker_down)

    async def _wait(self, wakeup: asyncio.Event) -> None:
        """Sleep until the oldest batch in flight is acknowledged, or new messages arrive while there is room."""
        if self._in_flight:
            # At MAX_IN_FLIGHT new messages cannot be taken: waking for them would spin.
            waiter = asyncio.ensure_future(wakeup.wait()) if len(self._in_flight) < MAX_IN_FLIGHT else None
            try:
                await asyncio.wait([*self._in_flight[0].acks, *([waiter] if waiter else [])], timeout=SEND_TIMEOUT,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                if waiter is not None:
                    waiter.cancel()
            return
        await _wait(wakeup, 0.05 if self.outbox.closed else 1.0 if self.spool else 5.0)

    async def _deliver(self, batch: list[SpooledMessage]) -> None:
        if self.spool or not await self._connect():
            self._to_spool(batch, settle=True)
            return
        assert self._submitter is not None
        try:
            self._in_flight.append(await asyncio.wait_for(self._submitter.submit(batch), SEND_TIMEOUT))
        except Exception as err:  # noqa: BLE001 - the broker went away while batches were queued
            self._in_flight.append(InFlight(batch))
            await self._fail_in_flight(err)

    async def _settle_acknowledged(self) -> None:
        """Settle the batches acknowledged so far, oldest first; on a failure spool it and everything after it."""
        while self._in_flight and self._in_flight[0].done():
            error = self._in_flight[0].error()
            if error is not None:
                await self._fail_in_flight(error)
                return
            entry = self._in_flight.popleft()
            self.stats.delivered += len(entry.messages)
            self.outbox.settle(len(entry.messages))
        oldest = self._in_flight[0] if self._in_flight else None
        if oldest is not None and oldest.started < time.monotonic() - SEND_TIMEOUT:
            await self._fail_in_flight(TimeoutError(f"no acknowledgement in {SEND_TIMEOUT:g}s"))

    async def _fail_in_flight(self, error: BaseException) -> None:
        log.warning("Kafka unreachable, spooling events to %s: %s", self.spool.folder, error)
        failed = [m for entry in self._in_flight for m in entry.messages]
        self._in_flight.clear()
        await self._disconnect()
        self._to_spool(failed, settle=True)

    async def _replay_spool_batch(self) -> bool:
        """Send the oldest spooled batch if the broker takes it; True when something was delivered."""
        if not self.spool or not await self._connect():
            return False
        entries = self.spool.peek(BATCH)
        if entries and await self._send([message for message, _ in entries]):
            self.spool.commit(entries[-1][1])
            return True
        return False

    def _to_spool(self, messages: list[SpooledMessage], *, settle: bool) -> None:
        if not messages:
            return
        kept = self.spool.append(messages)
        self.stats.spooled += kept
        if kept < len(messages):
            lost = len(messages) - kept
            self.stats.dropped += lost
            log.warning("event spool full (%d bytes): dropped %d events, %d dropped so far",
                        self.spool.max_bytes, lost, self.stats.dropped)
        if settle:
            self.outbox.settle(len(messages))

    async def _send(self, messages: list[SpooledMessage]) -> bool:
        """Send and wait for every acknowledgement; on a failure disconnect and return False (nothing counted)."""
        assert self._submitter is not None
        try:
            entry = await asyncio.wait_for(self._submitter.submit(messages), SEND_TIMEOUT)
            await asyncio.wait_for(asyncio.gather(*entry.acks), SEND_TIMEOUT)
        except Exception as err:  # noqa: BLE001 - any broker trouble means: keep the spool and reconnect later
            log.warning("Kafka unreachable, keeping the spool at %s: %s", self.spool.folder, err)
            await self._disconnect()
            return False
        self.stats.delivered += len(messages)
        return True

    async def _connect(self) -> bool:
        """A started producer, or False while the broker is down (retried every ``RECONNECT_EVERY`` seconds)."""
        if self._producer is not None:
            return True
        if time.monotonic() < self._next_attempt:
            return False
        self._next_attempt = time.monotonic() + RECONNECT_EVERY
        idempotent = self.settings.kafka_idempotence and self.stats.idempotent is not False
        try:
            self._producer = await _start_producer(self.settings, idempotent)
        except Exception as err:  # noqa: BLE001
            if not idempotent or _is_connection_error(err):
                return False
            # Some Kafka-protocol brokers (tansu) refuse InitProducerId: duplicates from retries are then absorbed
            # by the consumers, which deduplicate by event id.
            log.warning("broker refused an idempotent producer (%s); using acks=all without it", err)
            self.stats.idempotent = False
            return await self._connect_plain()
        self.stats.idempotent, self.stats.connected = idempotent, True
        self._submitter = BatchSubmitter(self._producer)
        return True

    async def _connect_plain(self) -> bool:
        try:
            self._producer = await _start_producer(self.settings, idempotent=False)
        except Exception:  # noqa: BLE001
            return False
        self.stats.connected = True
        self._submitter = BatchSubmitter(self._producer)
        return True

    async def _disconnect(self) -> None:
        producer, self._producer, self._submitter = self._producer, None, None
        self.stats.connected = False
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 2.0)
            except Exception as err:  # noqa: BLE001 - stopping a producer whose broker is gone may fail; nothing to keep
                log.debug("producer stop: %s", err)


async def _start_producer(settings: Settings, idempotent: bool) -> Any:
    from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]

    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=idempotent, linger_ms=5,
        max_batch_size=MAX_BATCH_BYTES,
        request_timeout_ms=int(SEND_TIMEOUT * 1000), retry_backoff_ms=200, client_id="sightsearch-events",
    )
    try:
        await asyncio.wait_for(producer.start(), SEND_TIMEOUT)
    except BaseException:
        await asyncio.wait_for(producer.stop(), 2.0)
        raise
    return producer


def _is_connection_error(err: Exception) -> bool:
    from aiokafka.errors import KafkaConnectionError  # type: ignore[import-untyped]

    return isinstance(err, KafkaConnectionError | asyncio.TimeoutError | OSError)


async def _wait(event: asyncio.Event, timeout: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        pass
