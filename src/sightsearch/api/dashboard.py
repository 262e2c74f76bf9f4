"""What the console's dashboard shows for a time window, read in one request, and the embedded-mode refresh that
keeps ``metric_samples`` and ``alerts`` current from the local events table when no Kafka consumer does it.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import defaultdict
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sightsearch.api.schemas import UtcDatetime, as_utc
from sightsearch.api.state import ApiState
from sightsearch.events.catalog import EventType
from sightsearch.metrics import consume_table, evaluate_alerts
from sightsearch.metrics.consumer import ALERT_EVERY
from sightsearch.metrics.compute import QUANTILES, quantile
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import Alert, CrawlRun, EventRecord, MetricSample

log = logging.getLogger(__name__)
REFRESH_EVERY = 2.0  # seconds: the dashboard polls every 2 s while a run crawls
# Buses flush in batches, so an event can land after later ones: recompute a margin before the newest bucket.
REFRESH_MARGIN = timedelta(minutes=10)
DASHBOARD_SERIES = ("pages_fetched", "records_loaded", "records_rejected", "fetch_latency_ms", "fetch_error_rate",
                    "dead_letter_backlog")


class Point(BaseModel):
    t: UtcDatetime
    v: float


class Series(BaseModel):
    name: str
    labels: dict[str, str]
    points: list[Point]


class StageLatency(BaseModel):
    """Milliseconds one batch spent in a stage, over the window."""

    stage: str
    batches: int
    p50: float
    p95: float
    p99: float


class AlertOut(BaseModel):
    id: int
    rule: str
    severity: str
    message: str
    run_id: str | None
    site: str | None
    raised_at: UtcDatetime


class Dashboard(BaseModel):
    """Per-minute series of the window (``pages_fetched`` and ``records_loaded`` summed over sites), stage latency
    percentiles from the stage events, the open alerts and how many runs are crawling now."""

    since: UtcDatetime
    until: UtcDatetime
    running_runs: int
    pages_fetched: list[Point]
    records_loaded: list[Point]
    rejects_by_stage: list[Series]
    fetch_latency_ms: list[Series]
    error_rate_by_site: list[Series]
    dead_letter_backlog: list[Point]
    stage_latency_ms: list[StageLatency]
    alerts: list[AlertOut]


def build_dashboard(session: Session, since: datetime, until: datetime) -> Dashboard:
    """The dashboard for ``[since, until)`` from the stored samples, events and alerts."""
    samples = _samples(session, since, until)

    def series(name: str, keep: tuple[str, ...]) -> list[Series]:
        return _grouped(samples.get(name, []), name, keep)

    def total(name: str, only: dict[str, str] | None = None) -> list[Point]:
        """Summed over every label set, or the one series labelled exactly ``only``."""
        rows = samples.get(name, [])
        if only is not None:
            rows = [row for row in rows if row[1] == only]
        found = _grouped(rows, name, ())
        return found[0].points if found else []

    running = session.scalar(select(func.count()).where(CrawlRun.status == "running")) or 0
    alerts = session.scalars(select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.raised_at.desc()))
    return Dashboard(
        since=since, until=until, running_runs=running,
        pages_fetched=total("pages_fetched"), records_loaded=total("records_loaded"),
        rejects_by_stage=series("records_rejected", ("stage",)),
        fetch_latency_ms=[s for s in series("fetch_latency_ms", ("quantile", "site")) if "site" not in s.labels],
        error_rate_by_site=series("fetch_error_rate", ("site",)),
        dead_letter_backlog=total("dead_letter_backlog", {}),
        stage_latency_ms=_stage_latency(session, since, until),
        alerts=[AlertOut(id=a.id, rule=a.rule, severity=a.severity, message=a.message, run_id=a.run_id, site=a.site,
                         raised_at=as_utc(a.raised_at)) for a in alerts],
    )


def _samples(session: Session, since: datetime, until: datetime) -> dict[str, list[tuple[datetime, dict, float]]]:
    rows = session.execute(select(MetricSample.name, MetricSample.bucket, MetricSample.labels, MetricSample.value)
                           .where(MetricSample.name.in_(DASHBOARD_SERIES),
                                  MetricSample.bucket >= since, MetricSample.bucket < until)
                           .order_by(MetricSample.bucket))
    by_name: dict[str, list[tuple[datetime, dict, float]]] = defaultdict(list)
    for name, bucket, labels, value in rows:
        by_name[name].append((as_utc(bucket), dict(labels or {}), value))
    return by_name


def _grouped(rows: list[tuple[datetime, dict, float]], name: str, keep: tuple[str, ...]) -> list[Series]:
    """Samples summed per bucket over every label not in ``keep``, one series per kept label set."""
    sums: dict[tuple[tuple[str, str], ...], dict[datetime, float]] = defaultdict(lambda: defaultdict(float))
    for bucket, labels, value in rows:
        kept = tuple(sorted((k, str(v)) for k, v in labels.items() if k in keep))
        sums[kept][bucket] += value
    return [Series(name=name, labels=dict(key), points=[Point(t=t, v=v) for t, v in sorted(points.items())])
            for key, points in sorted(sums.items())]


def _stage_latency(session: Session, since: datetime, until: datetime) -> list[StageLatency]:
    rows = session.execute(select(EventRecord.stage, EventRecord.payload).where(
        EventRecord.type == str(EventType.STAGE_COMPLETED), EventRecord.at >= since, EventRecord.at < until))
    seconds: dict[str, list[float]] = defaultdict(list)
    for stage, payload in rows:
        seconds[stage].append(float(payload.get("seconds", 0.0)) * 1000)
    return [StageLatency(stage=stage, batches=len(values),
                         **{label: round(quantile(values, q), 3) for label, q in QUANTILES.items()})
            for stage, values in sorted(seconds.items())]


class TableMetricsRefresher:
    """Embedded mode: recompute the recent buckets and the alerts from the events table when events arrived, at most
    every ``REFRESH_EVERY`` seconds and by one request at a time (others read what is stored)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0.0
        self._last_event_id: int | None = None
        self._last_alerts = 0.0

    def refresh(self, state: ApiState) -> None:
        if state.settings.kafka_bootstrap or time.monotonic() - self._last < REFRESH_EVERY:
            return  # with Kafka, the consumer group keeps the samples
        if not self._lock.acquire(blocking=False):
            return
        try:
            with session_scope(state.engine) as session:
                last_event = session.scalar(select(func.max(EventRecord.id)))
                newest = session.scalar(select(func.max(MetricSample.bucket)))
            if last_event is not None and last_event != self._last_event_id:
                since = as_utc(newest) - REFRESH_MARGIN if newest is not None else None
                consume_table(state.settings, state.engine, since=since)
                self._last_event_id, self._last_alerts = last_event, time.monotonic()
            elif time.monotonic() - self._last_alerts > ALERT_EVERY:  # a stalled run sends no event
                evaluate_alerts(state.settings, state.engine)
                self._last_alerts = time.monotonic()
        except Exception as err:  # a stale dashboard is better than none; say why it is stale
            log.warning("dashboard: could not refresh the metrics from the events table: %s", err)
        finally:
            self._last = time.monotonic()
            self._lock.release()


_refreshers: weakref.WeakKeyDictionary[ApiState, TableMetricsRefresher] = weakref.WeakKeyDictionary()


def refresh_table_metrics(state: ApiState) -> None:
    """Bring this app's store's metrics up to date from its events table (embedded mode only; throttled)."""
    _refreshers.setdefault(state, TableMetricsRefresher()).refresh(state)
