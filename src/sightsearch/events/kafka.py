"""The Kafka event bus: ``publish`` is O(1) and never blocks (it queues the event object); a sender thread with its
own event loop serializes, batches and delivers, pipelining batches instead of waiting for each acknowledgement.

Events go to ``<prefix>.<family>`` keyed by run id (one run, one partition: in order). While the broker is down they
wait in a bounded disk spool under ``<data_dir>/spool/events`` and are replayed in order when it returns; when the
spool is full they are dropped, counted in ``stats.dropped``, logged, and reported at ``close``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.errors import ConfigurationError
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import Event
from sightsearch.events.delivery import KafkaSender
from sightsearch.events.outbox import BusStats, Outbox
from sightsearch.events.spool import DiskSpool

log = logging.getLogger(__name__)
FLUSH_WAIT = 0.5  # seconds


class KafkaBus(EventBus):
    """Publishes events to Kafka through an in-memory outbox, a background sender and a disk spool."""

    def __init__(self, settings: Settings) -> None:
        if not settings.kafka_bootstrap:
            raise ConfigurationError("KafkaBus needs SIGHTSEARCH_KAFKA_BOOTSTRAP")
        self.settings = settings
        self.stats = BusStats()
        self._outbox = Outbox(settings.event_buffer_size, self.stats)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    @property
    def spool_folder(self) -> Path:
        """Where undelivered events wait on disk."""
        return self.settings.data_dir / "spool" / "events"

    @override
    def publish(self, event: Event) -> None:
        """Queue one event; O(1), never blocks, never raises for delivery (a full outbox counts a drop)."""
        if self._closed:
            self.stats.dropped += 1
            log.warning("event published after the bus was closed, dropped: %s", event.event_id)
            return
        if self._thread is None:
            self.start()
        accepted = self._outbox.put(event)  # serialized by the sender, not here
        if not accepted and (self.stats.dropped == 1 or self.stats.dropped % 1000 == 0):
            log.warning("event outbox full (%d): %d events dropped so far", self._outbox.capacity, self.stats.dropped)

    @override
    def flush(self, timeout: float | None = None) -> None:
        """Wake the sender and wait until every published event is delivered or spooled, at most ``timeout``
        seconds (default ``FLUSH_WAIT``, short: the pipeline flushes after every batch, and a broker that just went
        down must not hold ingestion up while the sender notices). ``close`` waits longer."""
        if self._thread is not None:
            self._outbox.wait_settled(FLUSH_WAIT if timeout is None else timeout)

    def wait_delivered(self, timeout: float) -> bool:
        """Wait until nothing is queued or spooled any more (the broker has it all); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._outbox.wait_settled(max(0.0, deadline - time.monotonic())) and not self._spool_has_data():
                return True
            time.sleep(0.05)
        return False

    @override
    def close(self) -> None:
        """Deliver what is queued (bounded by ``event_flush_timeout``), spool the rest, stop the sender, report."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._outbox.closed = True
            self._outbox.wake()
            self._thread.join(self.settings.event_flush_timeout + 5)
        if self.stats.dropped:
            log.warning("event bus closed: %d events dropped (spool full or outbox full)", self.stats.dropped)
        log.info("event bus closed: %s", self.stats)

    def start(self) -> None:
        """Start the sender now (the first ``publish`` does too): it delivers a spool left by an earlier process."""
        with self._start_lock:
            if self._thread is not None:
                return
            self._spool = DiskSpool(self.spool_folder, max_bytes=self.settings.event_spool_max_bytes)
            sender = KafkaSender(self.settings, self._outbox, self._spool, self.stats)
            self._thread = threading.Thread(
                target=lambda: asyncio.run(sender.run(self.settings.event_flush_timeout)),
                name="sightsearch-kafka-sender", daemon=True,
            )
            self._thread.start()

    def _spool_has_data(self) -> bool:
        return any(self.spool_folder.glob("*.jsonl"))
