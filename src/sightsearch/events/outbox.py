"""The bounded hand-off of events between publishing threads and the Kafka sender's event loop, with the bus's
counters. Events are queued as objects: serializing them is the sender's work, off the publisher's path."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass

from sightsearch.events.catalog import Event


@dataclass
class BusStats:
    """Counters of a Kafka bus. ``dropped`` is never silent: it is logged and reported at close."""

    published: int = 0
    delivered: int = 0
    spooled: int = 0
    dropped: int = 0
    connected: bool = False
    idempotent: bool | None = None


class Outbox:
    """A bounded queue: ``put`` never blocks (a full queue drops and counts), the sender ``take``s in batches.

    ``settled`` is true when every message put has been delivered or written to the spool: what ``flush`` waits for.
    """

    def __init__(self, capacity: int, stats: BusStats) -> None:
        self.capacity = capacity
        self.stats = stats
        self.closed = False
        self._queue: deque[Event] = deque()
        self._in_hand = 0
        self._lock = threading.Condition()
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_pending = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        """Attach the sender's loop; returns the event it sleeps on."""
        self._loop, self._wakeup = loop, asyncio.Event()
        return self._wakeup

    def put(self, message: Event) -> bool:
        """Queue one event; False (and one more drop counted) when the queue is full."""
        with self._lock:
            if len(self._queue) >= self.capacity:
                self.stats.dropped += 1
                return False
            self._queue.append(message)
            self.stats.published += 1
            wake, self._wake_pending = not self._wake_pending, True
        if wake:
            self.wake()
        return True

    def wake(self) -> None:
        """Wake the sender (thread-safe); a wake-up per sender cycle at most, so ``put`` stays cheap."""
        if self._loop is not None and self._wakeup is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._wakeup.set)
            except RuntimeError:  # the loop closed in between: the sender is gone, close() spools what is left
                pass

    def take(self, limit: int) -> list[Event]:
        """Up to ``limit`` queued messages, oldest first; they count as in hand until ``settle``."""
        with self._lock:
            if self._wakeup is not None:
                self._wakeup.clear()
            self._wake_pending = False
            count = min(limit, len(self._queue))
            batch = [self._queue.popleft() for _ in range(count)]
            self._in_hand += count
            return batch

    def settle(self, count: int) -> None:
        """The sender delivered or spooled ``count`` messages it had taken."""
        with self._lock:
            self._in_hand -= count
            self._lock.notify_all()

    def wait_settled(self, timeout: float) -> bool:
        """Block until every message put is delivered or spooled, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._queue or self._in_hand:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.wake()
                self._lock.wait(min(left, 0.1))
            return True

    def __len__(self) -> int:
        return len(self._queue)
