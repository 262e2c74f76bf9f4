"""How an event travels on Kafka: its topic (by family), its key (the run id) and its value (the event's JSON)."""

from __future__ import annotations

import typing

from sightsearch.events.catalog import AnyEvent, Event, EventType, parse_event

FAMILIES = ("run", "page", "record", "stage", "image")


def event_models() -> dict[EventType, type[Event]]:
    """Every event model of the catalog, by event type (read from the discriminated union, so none is forgotten)."""
    union = typing.get_args(AnyEvent)[0]
    return {model.model_fields["type"].default: model for model in typing.get_args(union)}


def topic_name(prefix: str, family: str) -> str:
    """``<prefix>.<family>``, e.g. ``sightsearch.page``."""
    return f"{prefix}.{family}"


def all_topics(prefix: str) -> list[str]:
    """The topics of every family, in catalog order."""
    return [topic_name(prefix, family) for family in FAMILIES]


def topic_of(event: Event, prefix: str) -> str:
    """The topic an event is published to."""
    return topic_name(prefix, event.family)


def encode(event: Event) -> tuple[bytes, bytes]:
    """The (key, value) of an event: the run id keeps one run on one partition, hence in order."""
    return event.run_id.encode(), event.model_dump_json().encode()


def decode(value: bytes | str) -> Event:
    """The typed event of a message value."""
    return parse_event(value)
