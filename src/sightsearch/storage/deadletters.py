"""The dead-letter store: what a stage rejected, with the reason and the input, until replayed or dismissed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from sightsearch.storage.models import DeadLetter


def add_dead_letters(session: Session, run_id: str | None, items: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
    """Store ``(stage, reason, payload)`` triples; returns how many new dead letters were stored.

    The same record rejected again for the same reason (a re-crawl) bumps ``occurrences`` of the open dead letter
    instead of adding a copy, so the failure review shows each problem once.
    """
    now = datetime.now(UTC)
    rows = {
        (stage, payload.get("url"), reason[:4000]): {
            "run_id": run_id, "stage": stage, "reason": reason[:4000], "site": payload.get("site"),
            "url": payload.get("url"), "payload": payload, "status": "open", "created_at": now, "last_seen_at": now,
        }
        for stage, reason, payload in items
    }
    urls = {url for _, url, _ in rows if url}
    if urls:
        existing = session.scalars(select(DeadLetter).where(DeadLetter.status == "open", DeadLetter.url.in_(urls)))
        for item in existing:
            if rows.pop((item.stage, item.url, item.reason), None) is not None:
                item.occurrences += 1
                item.last_seen_at, item.run_id = now, run_id
    if rows:
        session.execute(insert(DeadLetter), list(rows.values()))
    return len(rows)


def list_dead_letters(session: Session, *, status: str | None = "open", stage: str | None = None,
                      run_id: str | None = None, limit: int = 100) -> Sequence[DeadLetter]:
    query = select(DeadLetter).order_by(DeadLetter.id)
    if status:
        query = query.where(DeadLetter.status == status)
    if stage:
        query = query.where(DeadLetter.stage == stage)
    if run_id:
        query = query.where(DeadLetter.run_id == run_id)
    return session.scalars(query.limit(limit)).all()


def count_by_reason(session: Session, run_id: str | None = None) -> list[tuple[str, str, int]]:
    """``(stage, reason, count)`` for open dead letters, most frequent first."""
    query = select(DeadLetter.stage, DeadLetter.reason, func.count()).where(DeadLetter.status == "open")
    if run_id:
        query = query.where(DeadLetter.run_id == run_id)
    rows = session.execute(query.group_by(DeadLetter.stage, DeadLetter.reason).order_by(func.count().desc()))
    return [(stage, reason, count) for stage, reason, count in rows]


def mark_dead_letter(session: Session, dead_letter_id: int, status: str) -> DeadLetter:
    """Set a dead letter ``resolved`` or ``dismissed``; it stays in the table as the trace."""
    item = session.get(DeadLetter, dead_letter_id)
    if item is None:
        raise LookupError(f"no dead letter with id {dead_letter_id}")
    item.status = status
    item.resolved_at = datetime.now(UTC)
    return item


def open_backlog(session: Session) -> dict[str, int]:
    """Open dead letters by stage."""
    rows = session.execute(select(DeadLetter.stage, func.count()).where(DeadLetter.status == "open")
                           .group_by(DeadLetter.stage))
    return {stage: int(count) for stage, count in rows}
