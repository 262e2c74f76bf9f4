"""Hand messages to aiokafka as whole record batches, one per partition, without waiting for the broker's ack.

``producer.send`` costs a future, a partition lookup and an accumulator call per message; building the record
batches ourselves (aiokafka's ``create_batch`` / ``send_batch``) costs one of each per batch. Partitions are chosen
by the same murmur2 partitioner ``send`` uses, so a run (the key) still lands on one partition, in order: aiokafka
keeps one request in flight per broker and queues a partition's batches behind each other.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from sightsearch.events.spool import SpooledMessage


@dataclass
class InFlight:
    """Messages submitted together, in order, and the broker's acknowledgements of their batches."""

    messages: list[SpooledMessage]
    acks: list[asyncio.Future[Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def done(self) -> bool:
        return all(ack.done() for ack in self.acks)

    def error(self) -> BaseException | None:
        """The first failure among the finished acknowledgements, if any."""
        for ack in self.acks:
            if ack.done() and (ack.cancelled() or ack.exception() is not None):
                return ack.exception() if not ack.cancelled() else asyncio.CancelledError("batch cancelled")
        return None


class BatchSubmitter:
    """Builds and submits record batches on one started producer; caches each topic's partitions."""

    def __init__(self, producer: Any) -> None:
        from aiokafka.partitioner import DefaultPartitioner  # type: ignore[import-untyped]

        self._producer = producer
        self._partitioner = DefaultPartitioner()
        self._partitions: dict[str, list[int]] = {}

    async def submit(self, messages: list[SpooledMessage]) -> InFlight:
        """Queue ``messages`` (in order per partition) for sending; returns at once with the pending acks."""
        entry = InFlight(messages)
        open_batches: dict[tuple[str, int], Any] = {}
        for topic, key, value in messages:
            partition = await self._partition_of(topic, key)
            target = (topic, partition)
            batch = open_batches.get(target)
            if batch is None:
                batch = open_batches[target] = self._producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it, start the next one
                entry.acks.append(await self._producer.send_batch(batch, topic, partition=partition))
                batch = open_batches[target] = self._producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)  # the first record always fits
        for (topic, partition), batch in open_batches.items():
            entry.acks.append(await self._producer.send_batch(batch, topic, partition=partition))
        return entry

    async def _partition_of(self, topic: str, key: bytes) -> int:
        partitions = self._partitions.get(topic)
        if partitions is None:
            partitions = self._partitions[topic] = sorted(await self._producer.partitions_for(topic))
        return self._partitioner(key, partitions, partitions)
