"""Batches of records staged in the store between the steps of an orchestrated run (table ``staged_batches``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, delete, select

from sightsearch.storage.db import session_scope
from sightsearch.storage.models import StagedBatch

__all__ = ["clear_stage", "read_batches", "stage_batch"]


def stage_batch(engine: Engine, run_id: str, stage: str, seq: int, records: Sequence[Mapping[str, Any]],
                images: Mapping[str, Any] | None = None) -> None:
    """Store batch number ``seq`` of ``stage`` for ``run_id`` (records must be JSON-compatible)."""
    with session_scope(engine) as session:
        session.add(StagedBatch(run_id=run_id, stage=stage, seq=seq, records=list(records), images=dict(images or {})))


def read_batches(engine: Engine, run_id: str, stage: str) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """(records, image facts) of each batch of ``stage`` for ``run_id``, in order; one batch in memory at a time."""
    with session_scope(engine) as session:
        ids = list(session.scalars(select(StagedBatch.id).where(StagedBatch.run_id == run_id,
                                                                StagedBatch.stage == stage).order_by(StagedBatch.seq)))
    for batch_id in ids:
        with session_scope(engine) as session:
            batch = session.get(StagedBatch, batch_id)
            assert batch is not None
            yield list(batch.records), dict(batch.images)


def clear_stage(engine: Engine, run_id: str, stage: str | None = None) -> None:
    """Delete the run's batches of ``stage`` (all stages when None): a retried step starts from a clean slate."""
    with session_scope(engine) as session:
        query = delete(StagedBatch).where(StagedBatch.run_id == run_id)
        if stage is not None:
            query = query.where(StagedBatch.stage == stage)
        session.execute(query)
