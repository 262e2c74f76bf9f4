"""``/api/v1/failures``: the dead letters (list, summary, detail) and what to do with them (replay, dismiss)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from sightsearch.api.deps import (READ_ACCESS, ApiKeyDep, IdPath, KeyBeforeBody, SessionDep, SettingsDep,
                                  StateDep)
from sightsearch.api.errors import ERROR_RESPONSES, ApiError
from sightsearch.api.pagination import SortSpec, decode_cursor, page_of
from sightsearch.api.routers import API_PREFIX
from sightsearch.api.schemas import DeadLetterDetail, DeadLetterOut, FailureAction, FailureReason, Page
from sightsearch.crawl.ssrf import url_guard
from sightsearch.replay import dismiss_dead_letter, replay_dead_letter
from sightsearch.storage.db import session_scope
from sightsearch.storage.deadletters import count_by_reason
from sightsearch.storage.models import DeadLetter

router = APIRouter(route_class=KeyBeforeBody, prefix=f"{API_PREFIX}/failures", tags=["failures"],
                   responses=ERROR_RESPONSES)

_BY_ID = SortSpec("id", DeadLetter.id, DeadLetter.id, False, "int")
Word = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


@router.get("", response_model=Page[DeadLetterOut], dependencies=READ_ACCESS)
def list_failures(
    session: SessionDep,
    status: Annotated[str | None, Query(pattern=r"^(open|resolved|dismissed|any)$",
                                        description="open (default), resolved, dismissed or any.")] = "open",
    stage: Word = None,
    run_id: Word = None,
    site: Annotated[str | None, Query(max_length=255, pattern=r"^[^\x00]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[DeadLetterOut]:
    """Dead letters, oldest first."""
    query = select(DeadLetter)
    for column, value in ((DeadLetter.stage, stage), (DeadLetter.run_id, run_id), (DeadLetter.site, site)):
        if value is not None:
            query = query.where(column == value)
    if status and status != "any":
        query = query.where(DeadLetter.status == status)
    if cursor:
        query = query.where(_BY_ID.after(*decode_cursor(_BY_ID, cursor)))
    rows = list(session.scalars(query.order_by(*_BY_ID.order_by()).limit(limit + 1)))
    items, next_cursor = page_of(rows, limit, _BY_ID, lambda item: item.id)
    return Page[DeadLetterOut](items=[DeadLetterOut.model_validate(item) for item in items], next_cursor=next_cursor)


@router.get("/summary", response_model=list[FailureReason], dependencies=READ_ACCESS)
def failure_summary(session: SessionDep, run_id: Word = None) -> list[FailureReason]:
    """Open dead letters counted by stage and reason, most frequent first."""
    return [FailureReason(stage=stage, reason=reason, count=count) for stage, reason, count in
            count_by_reason(session, run_id)]


@router.get("/{failure_id}", response_model=DeadLetterDetail, dependencies=READ_ACCESS)
def get_failure(failure_id: IdPath, session: SessionDep) -> DeadLetterDetail:
    """One dead letter with the input that failed."""
    item = session.get(DeadLetter, failure_id)
    if item is None:
        raise ApiError(404, "not_found", f"no dead letter with id {failure_id}")
    return DeadLetterDetail.model_validate(item)


@router.post("/{failure_id}/replay", response_model=FailureAction)
async def replay_failure(failure_id: IdPath, _key: ApiKeyDep, state: StateDep, settings: SettingsDep) -> FailureAction:
    """Re-run the dead letter from the stage that rejected it; resolved when it now loads, else still open."""
    await run_in_threadpool(_require_open, state, failure_id)
    message = await run_in_threadpool(_replay, state, failure_id, settings)
    return FailureAction(id=failure_id, status=await run_in_threadpool(_status, state, failure_id), message=message)


def _replay(state: StateDep, failure_id: int, settings: SettingsDep) -> str:
    """The replay on an event loop of its own, in a worker thread: it parses and extracts a page (seconds of CPU for a
    large or hostile one) and writes the store, which would stall every other request on the API's loop."""
    guard = url_guard(settings.ssrf_allow)
    return asyncio.run(replay_dead_letter(state.engine, failure_id, settings, url_guard=guard))


@router.post("/{failure_id}/dismiss", response_model=FailureAction)
def dismiss_failure(failure_id: IdPath, _key: ApiKeyDep, state: StateDep, settings: SettingsDep) -> FailureAction:
    """Mark an open dead letter dismissed (kept as the trace, no longer in the backlog)."""
    _require_open(state, failure_id)
    dismiss_dead_letter(state.engine, failure_id, settings)
    return FailureAction(id=failure_id, status="dismissed", message=f"dead letter {failure_id} dismissed")


def _status(state: StateDep, failure_id: int) -> str:
    with session_scope(state.engine) as session:
        item = session.get(DeadLetter, failure_id)
        return item.status if item else "missing"


def _require_open(state: StateDep, failure_id: int) -> None:
    status = _status(state, failure_id)
    if status == "missing":
        raise ApiError(404, "not_found", f"no dead letter with id {failure_id}")
    if status != "open":
        raise ApiError(409, "conflict", f"dead letter {failure_id} is already {status}", {"status": status})
