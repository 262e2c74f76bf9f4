"""The embedded event bus: events buffered in memory and written in bulk to the ``events`` table."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, insert
from typing_extensions import override

from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import Event
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import EventRecord

log = logging.getLogger(__name__)


class TableBus(EventBus):
    """Writes events to the local ``events`` table, ``flush_every`` at a time and on ``flush()``.

    A failed write is logged and the events stay buffered for the next flush: publishing never breaks ingestion.
    """

    def __init__(self, engine: Engine, *, flush_every: int = 500) -> None:
        self.engine = engine
        self.flush_every = flush_every
        self._buffer: list[Event] = []
        self._lock = threading.Lock()
        self.published = 0

    @override
    def publish(self, event: Event) -> None:
        with self._lock:
            self._buffer.append(event)
            full = len(self._buffer) >= self.flush_every
        if full:
            self.flush()

    @override
    def flush(self) -> None:
        with self._lock:
            pending, self._buffer = self._buffer, []
        if not pending:
            return
        rows = [
            {"event_id": e.event_id, "run_id": e.run_id, "type": str(e.type), "stage": e.stage, "at": e.at,  # type: ignore[attr-defined]
             "payload": e.model_dump(mode="json")}
            for e in pending
        ]
        try:
            with session_scope(self.engine) as session:
                session.execute(insert(EventRecord), rows)
        except Exception as err:  # the stream must not stop ingestion; keep the events for the next flush
            log.warning("could not write %d events, keeping them buffered: %s", len(rows), err)
            with self._lock:
                self._buffer = pending + self._buffer
            return
        self.published += len(rows)
