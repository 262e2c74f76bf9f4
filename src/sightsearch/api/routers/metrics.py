"""``/api/v1/metrics``: the time series (from ``metric_samples``), the console's dashboard and a store summary."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import distinct, func, select

from sightsearch.api.dashboard import Dashboard, Point, Series, build_dashboard, refresh_table_metrics
from sightsearch.api.deps import READ_ACCESS, KeyBeforeBody, SessionDep, StateDep
from sightsearch.api.errors import ERROR_RESPONSES, ApiError
from sightsearch.api.routers import API_PREFIX
from sightsearch.api.schemas import UtcDatetime, as_utc
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import CrawlRun, DeadLetter, ImageRecord, MetricSample, Product

router = APIRouter(route_class=KeyBeforeBody, prefix=f"{API_PREFIX}/metrics",
                   tags=["metrics"], dependencies=READ_ACCESS, responses=ERROR_RESPONSES)

MAX_POINTS = 20_000
MAX_WINDOW = timedelta(days=31)


class SeriesResponse(BaseModel):
    since: UtcDatetime
    until: UtcDatetime
    series: list[Series]
    truncated: bool


class StoreSummary(BaseModel):
    products: int
    sites: int
    images: int
    near_duplicate_groups: int
    runs_by_status: dict[str, int]
    open_dead_letters_by_stage: dict[str, int]


@router.get("/names", response_model=list[str])
def series_names(session: SessionDep) -> list[str]:
    """The names of the recorded time series, e.g. ``pages_fetched``."""
    return list(session.scalars(select(distinct(MetricSample.name)).order_by(MetricSample.name)))


@router.get("/series", response_model=SeriesResponse)
def series(
    session: SessionDep,
    name: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")],
    since: Annotated[datetime | None, Query(description="Default: an hour before `until`.")] = None,
    until: Annotated[datetime | None, Query(description="Default: now.")] = None,
    label: Annotated[list[str], Query(max_length=8, description="key=value filters, e.g. site=shop.example.")] = [],  # noqa: B006
) -> SeriesResponse:
    """One-minute points of series ``name`` in ``[since, until)``, one series per label set."""
    end, start = _window(since, until)
    wanted = _labels(label)
    query = (select(MetricSample.bucket, MetricSample.labels_key, MetricSample.value)
             .where(MetricSample.name == name, MetricSample.bucket >= start, MetricSample.bucket < end)
             .order_by(MetricSample.bucket).limit(MAX_POINTS + 1))
    rows = session.execute(query).all()
    grouped: dict[str, list[Point]] = defaultdict(list)
    for bucket, labels_key, value in rows[:MAX_POINTS]:
        grouped[labels_key].append(Point(t=as_utc(bucket), v=value))
    result = []
    for labels_key, points in sorted(grouped.items()):
        labels = {str(k): str(v) for k, v in json.loads(labels_key or "{}").items()}
        if wanted.items() <= labels.items():
            result.append(Series(name=name, labels=labels, points=points))
    return SeriesResponse(since=start, until=end, series=result, truncated=len(rows) > MAX_POINTS)


@router.get("/dashboard", response_model=Dashboard)
def dashboard(
    state: StateDep,
    since: Annotated[datetime | None, Query(description="Default: an hour before `until`.")] = None,
    until: Annotated[datetime | None, Query(description="Default: now.")] = None,
) -> Dashboard:
    """Everything the console's dashboard draws for ``[since, until)``: throughput, rejects by stage, fetch and stage
    latency percentiles, error rate by site, dead-letter backlog, open alerts and the runs crawling now.

    Without Kafka, the metrics are first brought up to date from the local events table (at most every 2 s).
    """
    end, start = _window(since, until)
    refresh_table_metrics(state)
    with session_scope(state.engine) as session:
        return build_dashboard(session, start, end)


@router.get("/summary", response_model=StoreSummary)
def summary(session: SessionDep) -> StoreSummary:
    """Counts for the dashboard's header: products, sites, images, groups, runs, dead-letter backlog."""
    def count(*what: object) -> int:
        return session.scalar(select(*what)) or 0  # type: ignore[call-overload]

    runs = select(CrawlRun.status, func.count()).group_by(CrawlRun.status)
    backlog = select(DeadLetter.stage, func.count()).where(DeadLetter.status == "open").group_by(DeadLetter.stage)

    return StoreSummary(
        products=count(func.count(Product.id)), sites=count(func.count(distinct(Product.site))),
        images=count(func.count(ImageRecord.id)),
        near_duplicate_groups=count(func.count(distinct(ImageRecord.group_key))),
        runs_by_status=dict(session.execute(runs).tuples().all()),
        open_dead_letters_by_stage=dict(session.execute(backlog).tuples().all()),
    )


def _window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    try:
        end = as_utc(until) if until else datetime.now(UTC)
        start = as_utc(since) if since else end - timedelta(hours=1)
    except OverflowError as err:
        raise ApiError(422, "validation_error", "since/until out of range") from err
    if start >= end or end - start > MAX_WINDOW:
        raise ApiError(422, "validation_error", f"since must be before until, at most {MAX_WINDOW.days} days apart")
    return end, start


def _labels(pairs: list[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ApiError(422, "validation_error", f"label filter {pair!r} is not key=value")
        labels[key] = value
    return labels
