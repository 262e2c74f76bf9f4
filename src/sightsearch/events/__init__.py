"""Events: the typed catalog, the ``EventBus`` seam and its backends (the local events table, Kafka).

Kafka-only modules (``kafka``, ``delivery``) import aiokafka lazily, so the embedded pipeline stays light.
"""

from sightsearch.events.bus import EventBus, MemoryBus
from sightsearch.events.catalog import Event, EventType, parse_event
from sightsearch.events.factory import create_event_bus
from sightsearch.events.topics import FAMILIES, all_topics, topic_of

__all__ = ["FAMILIES", "Event", "EventBus", "EventType", "MemoryBus", "all_topics", "create_event_bus", "parse_event",
           "topic_of"]
