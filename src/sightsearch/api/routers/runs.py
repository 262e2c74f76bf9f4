"""``/api/v1/runs``: crawl runs (list, detail with live counts) and run submission (API key, SSRF-checked seeds)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from sqlalchemy import func, select

from sightsearch.api.deps import READ_ACCESS, ApiKeyDep, KeyBeforeBody, SessionDep, SettingsDep, StateDep
from sightsearch.api.errors import ERROR_RESPONSES, ApiError, ErrorResponse
from sightsearch.api.pagination import SortSpec, decode_cursor, page_of
from sightsearch.api.routers import API_PREFIX
from sightsearch.api.schemas import Page, RunAccepted, RunDetail, RunOut, RunRequest
from sightsearch.crawl.ssrf import UnsafeUrlError, check_public_url_async
from sightsearch.api.submit import TooManyRuns, submit_run
from sightsearch.storage.models import CrawlRun, DeadLetter, EventRecord

router = APIRouter(route_class=KeyBeforeBody, prefix=f"{API_PREFIX}/runs", tags=["runs"],
                   responses=ERROR_RESPONSES)

_NEWEST_FIRST = SortSpec("-started_at", CrawlRun.started_at, CrawlRun.id, True, "datetime", id_kind="str")
RunId = Annotated[str, PathParam(min_length=1, max_length=32, pattern=r"^[0-9a-zA-Z_-]+$")]


@router.get("", response_model=Page[RunOut], dependencies=READ_ACCESS)
def list_runs(
    session: SessionDep,
    status: Annotated[str | None, Query(pattern=r"^[a-z]{1,16}$", description="running, finished or failed.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[RunOut]:
    """Crawl runs, newest first."""
    query = select(CrawlRun)
    if status:
        query = query.where(CrawlRun.status == status)
    if cursor:
        query = query.where(_NEWEST_FIRST.after(*decode_cursor(_NEWEST_FIRST, cursor)))
    rows = list(session.scalars(query.order_by(*_NEWEST_FIRST.order_by()).limit(limit + 1)))
    items, next_cursor = page_of(rows, limit, _NEWEST_FIRST, lambda run: run.started_at)
    return Page[RunOut](items=[RunOut.model_validate(run) for run in items], next_cursor=next_cursor)


@router.get("/{run_id}", response_model=RunDetail, dependencies=READ_ACCESS)
def get_run(run_id: RunId, session: SessionDep, state: StateDep) -> RunDetail:
    """One run; while it crawls, ``live_counts`` (this process) and ``events`` (any process) show its progress."""
    run = session.get(CrawlRun, run_id)
    live = state.submitter_live_counts(run_id)
    if run is None:
        if live is None:
            raise ApiError(404, "not_found", f"no run with id {run_id}")
        raise ApiError(404, "not_started", f"run {run_id} is submitted and not started yet; ask again in a moment")
    detail = RunDetail.model_validate(run)
    detail.live_counts = {key: int(value) for key, value in (live or {}).items()}
    detail.events = dict(session.execute(select(EventRecord.type, func.count()).where(EventRecord.run_id == run_id)
                                         .group_by(EventRecord.type)).tuples().all())
    detail.dead_letters = session.scalar(select(func.count()).where(DeadLetter.run_id == run_id)) or 0
    return detail


@router.post("", status_code=202, response_model=RunAccepted,
             responses={429: {"model": ErrorResponse, "description": "Too many runs crawling in this process"}})
async def submit(body: RunRequest, request: Request, response: Response, _key: ApiKeyDep, state: StateDep,
                 settings: SettingsDep) -> RunAccepted:
    """Start a crawl of ``seeds`` in the background and answer 202 with its id at once.

    Every seed must be http(s) on a public address, or allowed by ``SIGHTSEARCH_SSRF_ALLOW``; else 422.
    """
    max_pages = body.max_pages or settings.max_pages
    if max_pages > settings.max_pages:
        raise ApiError(422, "validation_error", f"max_pages is over this server's limit of {settings.max_pages}")
    checks = [check_public_url_async(seed, settings.ssrf_allow) for seed in body.seeds]
    results = await asyncio.gather(*checks, return_exceptions=True)
    refused = [{"url": seed, "reason": err.reason, "message": str(err)}
               for seed, err in zip(body.seeds, results, strict=True) if isinstance(err, UnsafeUrlError)]
    if refused:
        raise ApiError(422, "seed_url_refused", refused[0]["message"], refused)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    try:
        run_id = await submit_run(state.submitter, [seed.strip() for seed in body.seeds], max_pages)
    except TooManyRuns as err:
        raise ApiError(429, "too_many_runs", str(err), headers={"Retry-After": "30"}) from err
    location = request.app.url_path_for("get_run", run_id=run_id)
    response.headers["Location"] = location
    return RunAccepted(id=run_id, url=location)
