"""The contract every ETL stage follows: a batch in; a batch out plus rejects with reasons; metrics.

Records are plain JSON-compatible dicts (prices as decimal strings), so the same batch can travel through Celery,
sit in the dead-letter table and be replayed from the stage that rejected it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

Record = dict[str, Any]


@dataclass(slots=True)
class Reject:
    """A record a stage refused, and why. It goes to the dead-letter store, never silently away."""

    stage: str
    reason: str
    record: Record


@dataclass(slots=True)
class StageResult:
    """What a stage returns: the records that passed, the rejects, and counters for the run's metrics."""

    stage: str
    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def reject(self, record: Record, reason: str) -> None:
        self.rejects.append(Reject(self.stage, reason, record))

    def count(self, metric: str, by: float = 1) -> None:
        self.metrics[metric] = self.metrics.get(metric, 0) + by


@dataclass(slots=True)
class StageContext:
    """What a stage may know beyond its batch. Stages read it and never change it."""

    run_id: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # url -> {"phash", "sha256", "width", "height", "format", "bytes"} or {"error": reason}
    images: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


class Stage(Protocol):
    """A stage is a function: ``stage(batch, ctx) -> StageResult``. It must be idempotent."""

    __name__: str

    def __call__(self, batch: Sequence[Record], ctx: StageContext) -> StageResult: ...


def run_per_record(
    stage: str, batch: Iterable[Record], step: Callable[[Record, StageResult], Record | None]
) -> StageResult:
    """Apply ``step`` to each record; ``step`` returns the new record or None after calling ``result.reject``.

    A ``ValueError`` raised by ``step`` rejects the record with the error's message as the reason.
    """
    result = StageResult(stage)
    started = time.perf_counter()
    for record in batch:
        try:
            out = step(record, result)
        except ValueError as err:
            result.reject(record, str(err))
            continue
        if out is not None:
            result.records.append(out)
    result.metrics.update(records_in=len(result.records) + len(result.rejects), seconds=time.perf_counter() - started)
    return result
