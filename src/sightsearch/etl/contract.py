"""The contract every ETL stage follows: a batch in; a batch out plus rejects with reasons; metrics.

Records are typed (``records.ProductRecord``, prices as ``Decimal``); they become JSON only where they leave the
process (Celery, the dead-letter table), and ``parse_records`` turns such payloads back into records at the boundary,
rejecting the ones that are not records with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from sightsearch.records import ImageFact, ProductRecord

Record = ProductRecord


@dataclass(slots=True)
class Reject:
    """A record a stage refused, and why. It goes to the dead-letter store, never silently away."""

    stage: str
    reason: str
    record: Record | dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """What the dead letter stores: the record as JSON, or the raw input that was not a record."""
        return self.record.to_payload() if isinstance(self.record, ProductRecord) else dict(self.record)


@dataclass(slots=True)
class StageResult:
    """What a stage returns: the records that passed, the rejects, and counters for the run's metrics."""

    stage: str
    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def reject(self, record: Record | dict[str, Any], reason: str) -> None:
        self.rejects.append(Reject(self.stage, reason, record))

    def count(self, metric: str, by: float = 1) -> None:
        self.metrics[metric] = self.metrics.get(metric, 0) + by


@dataclass(slots=True)
class StageContext:
    """What a stage may know beyond its batch. Stages read it and never change it."""

    run_id: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    images: Mapping[str, ImageFact] = field(default_factory=dict)


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


def parse_records(batch: Iterable[Record | Mapping[str, Any]], stage: str) -> tuple[list[Record], list[Reject]]:
    """Records as ``ProductRecord``; payloads (from Celery, parked batches, dead letters) that are not valid records
    become rejects of ``stage`` with the reason, never exceptions."""
    records: list[Record] = []
    rejects: list[Reject] = []
    for item in batch:
        if isinstance(item, ProductRecord):
            records.append(item)
            continue
        raw = dict(item) if isinstance(item, Mapping) else {"value": repr(item)}
        try:
            records.append(ProductRecord.model_validate(raw))
        except ValidationError as err:
            reason = "; ".join(_describe_error(e) for e in err.errors())
            rejects.append(Reject(stage, reason, raw))
    return records, rejects


def _describe_error(error: Any) -> str:
    where = ".".join(map(str, error["loc"])) or "record"
    if error["type"] == "missing":
        return f"record has no {where}"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"
