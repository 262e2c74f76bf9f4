"""The event bus seam: publish typed events; the local table now, Kafka later, behind the same interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from typing_extensions import override

from sightsearch.events.catalog import Event


class EventBus(ABC):
    """Publishes events. ``publish`` never raises on a delivery problem: ingestion must not stop for the stream."""

    @abstractmethod
    def publish(self, event: Event) -> None:
        """Queue one event for delivery."""

    def publish_many(self, events: Iterable[Event]) -> None:
        for event in events:
            self.publish(event)

    def flush(self) -> None:
        """Deliver what is queued. Called at the end of a stage and before close."""

    def close(self) -> None:
        """Flush and release resources."""
        self.flush()


class MemoryBus(EventBus):
    """Keeps events in a list: for tests, and to read a run's events back in the same process."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @override
    def publish(self, event: Event) -> None:
        self.events.append(event)
