"""Choose the event bus from the settings: Kafka when ``SIGHTSEARCH_KAFKA_BOOTSTRAP`` is set, else the local table."""

from __future__ import annotations

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.events.bus import EventBus


def create_event_bus(settings: Settings, engine: Engine) -> EventBus:
    """A ``KafkaBus`` when a bootstrap server is configured, else a ``TableBus`` on ``engine``. The caller closes it."""
    if settings.kafka_bootstrap:
        from sightsearch.events.kafka import KafkaBus

        return KafkaBus(settings)
    from sightsearch.events.local import TableBus

    return TableBus(engine)
