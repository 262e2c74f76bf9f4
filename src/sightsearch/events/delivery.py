"""The Kafka sender: runs on its own event loop, moves the outbox to the broker, or to the disk spool while it is down.

Order per run holds because a message never overtakes the spool: while anything is spooled, new messages are
spooled behind it, and the spool is replayed oldest first before the sender sends directly again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sightsearch.config import Settings
from sightsearch.events.outbox import BusStats, Outbox
from sightsearch.events.spool import DiskSpool, SpooledMessage

log = logging.getLogger(__name__)

BATCH = 2000
RECONNECT_EVERY = 1.0  # seconds between attempts to reach a broker that is down
SEND_TIMEOUT = 5.0  # a batch not acknowledged by then is spooled (and may arrive twice: consumers deduplicate)


class KafkaSender:
    """Delivers messages from an ``Outbox`` with one aiokafka producer, spooling while the broker is unreachable."""

    def __init__(self, settings: Settings, outbox: Outbox, spool: DiskSpool, stats: BusStats) -> None:
        self.settings = settings
        self.outbox = outbox
        self.spool = spool
        self.stats = stats
        self._producer: Any = None
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
                batch = self.outbox.take(BATCH)
                if batch:
                    await self._deliver(batch)
                # One spool batch per turn: under steady traffic the spool still drains, and the outbox never waits
                # behind a long replay (while the spool is not empty, new messages queue behind it on disk).
                replayed = await self._replay_spool_batch()
                if not batch and not replayed:
                    await _wait(wakeup, 0.05 if self.outbox.closed else 1.0 if self.spool else 5.0)
        finally:
            self._to_spool(self.outbox.take(len(self.outbox)), settle=True)
            await self._disconnect()

    def _nothing_to_do(self) -> bool:
        """Closing: the outbox is empty and the spool is too, or the broker just refused us (the spool waits on disk)."""
        broker_down = self._producer is None and time.monotonic() < self._next_attempt
        return not len(self.outbox) and (not self.spool or broker_down)

    async def _deliver(self, batch: list[SpooledMessage]) -> None:
        if self.spool or not await self._connect():
            self._to_spool(batch, settle=True)
            return
        sent = await self._send(batch)
        self.outbox.settle(sent)
        self._to_spool(batch[sent:], settle=True)

    async def _replay_spool_batch(self) -> bool:
        """Send the oldest spooled batch if the broker takes it; True when something was delivered."""
        if not self.spool or not await self._connect():
            return False
        entries = self.spool.peek(BATCH)
        sent = await self._send([message for message, _ in entries])
        if sent:
            self.spool.commit(entries[sent - 1][1])
        return sent > 0

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

    async def _send(self, messages: list[SpooledMessage]) -> int:
        """Send in order; returns how many were acknowledged before the first failure (then disconnects)."""
        try:
            results = await asyncio.wait_for(self._send_all(messages), SEND_TIMEOUT)
        except Exception as err:  # noqa: BLE001 - any broker trouble means: spool and reconnect later
            results = [err]
        failed = next((i for i, r in enumerate(results) if isinstance(r, BaseException)), None)
        sent = len(messages) if failed is None else failed
        self.stats.delivered += sent
        if failed is not None:
            log.warning("Kafka unreachable, spooling events to %s: %s", self.spool.folder, results[failed])
            await self._disconnect()
        return sent

    async def _send_all(self, messages: list[SpooledMessage]) -> list[Any]:
        futures = [await self._producer.send(topic, value, key=key) for topic, key, value in messages]
        return await asyncio.gather(*futures, return_exceptions=True)

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
        return True

    async def _connect_plain(self) -> bool:
        try:
            self._producer = await _start_producer(self.settings, idempotent=False)
        except Exception:  # noqa: BLE001
            return False
        self.stats.connected = True
        return True

    async def _disconnect(self) -> None:
        producer, self._producer = self._producer, None
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
