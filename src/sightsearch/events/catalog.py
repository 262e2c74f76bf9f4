"""The typed event catalog: one enum of names, one pydantic model per payload.

Every event carries the run id, the stage and a timestamp. The dashboard, the alerting and the Kafka topic all
read these models; ``schema_version`` changes when a payload changes incompatibly.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter


class EventType(StrEnum):
    RUN_STARTED = "run.started"
    RUN_FINISHED = "run.finished"
    PAGE_FETCHED = "page.fetched"
    PAGE_FAILED = "page.failed"
    RECORD_LOADED = "record.loaded"
    RECORD_REJECTED = "record.rejected"
    STAGE_COMPLETED = "stage.completed"
    IMAGE_FAILED = "image.failed"
    DEAD_LETTER_BACKLOG = "record.backlog"


def _now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    """A random (version 4) UUID as hex. Ids need to be unique, not unguessable: the process's PRNG (re-seeded in
    every forked child) instead of ``uuid4``'s ``os.urandom`` system call, which cost ~40 us per event here."""
    return uuid.UUID(int=random.getrandbits(128), version=4).hex


class Event(BaseModel):
    """Fields every event has."""

    event_id: str = Field(default_factory=new_event_id)
    run_id: str
    stage: str
    at: datetime = Field(default_factory=_now)
    schema_version: int = 1

    @property
    def family(self) -> str:
        """The topic family: ``run``, ``page``, ``record``, ``stage`` or ``image``."""
        return str(self.type).split(".")[0]  # type: ignore[attr-defined]


class RunStarted(Event):
    type: Literal[EventType.RUN_STARTED] = EventType.RUN_STARTED
    stage: str = "run"
    seeds: list[str]
    max_pages: int


class RunFinished(Event):
    type: Literal[EventType.RUN_FINISHED] = EventType.RUN_FINISHED
    stage: str = "run"
    status: str
    counts: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0


class PageFetched(Event):
    type: Literal[EventType.PAGE_FETCHED] = EventType.PAGE_FETCHED
    stage: str = "fetch"
    url: str
    site: str
    status: int
    bytes: int
    latency_ms: float
    kind: str = "unknown"


class PageFailed(Event):
    type: Literal[EventType.PAGE_FAILED] = EventType.PAGE_FAILED
    stage: str = "fetch"
    url: str
    site: str
    error: str
    transient: bool
    attempt: int = 0
    status: int | None = None


class RecordLoaded(Event):
    type: Literal[EventType.RECORD_LOADED] = EventType.RECORD_LOADED
    stage: str = "load"
    site: str
    product_key: str
    change: Literal["inserted", "updated", "unchanged"]


class RecordRejected(Event):
    type: Literal[EventType.RECORD_REJECTED] = EventType.RECORD_REJECTED
    site: str
    url: str
    reason: str


class StageCompleted(Event):
    type: Literal[EventType.STAGE_COMPLETED] = EventType.STAGE_COMPLETED
    records_in: int
    records_out: int
    rejected: int
    seconds: float
    metrics: dict[str, Any] = Field(default_factory=dict)


class ImageFailed(Event):
    type: Literal[EventType.IMAGE_FAILED] = EventType.IMAGE_FAILED
    stage: str = "images"
    url: str
    error: str


class DeadLetterBacklog(Event):
    """The open dead letters by stage as the store counts them, published whenever that can change (after a
    batch, at the end of a run, on replay or dismissal): the backlog series is the latest snapshot, exact even
    when one record is rejected again (one dead letter, more occurrences) or a dead letter is closed."""

    type: Literal[EventType.DEAD_LETTER_BACKLOG] = EventType.DEAD_LETTER_BACKLOG
    stage: str = "dead_letters"
    open_by_stage: dict[str, int] = Field(default_factory=dict)


AnyEvent = Annotated[
    RunStarted | RunFinished | PageFetched | PageFailed | RecordLoaded | RecordRejected | StageCompleted | ImageFailed
    | DeadLetterBacklog,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def parse_event(data: dict[str, Any] | str | bytes) -> Event:
    """Rebuild a typed event from its JSON form (a dict or the serialized text)."""
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    return EVENT_ADAPTER.validate_json(data)
