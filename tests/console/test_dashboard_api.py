"""``GET /api/v1/metrics/dashboard``: what the console's dashboard draws, computed from real events on SQLite and
PostgreSQL; without Kafka the endpoint brings the per-minute metrics and the alerts up to date itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from sightsearch.api import create_app
from sightsearch.events.catalog import (
    DeadLetterBacklog, PageFailed, PageFetched, RecordLoaded, RecordRejected, RunStarted, StageCompleted,
)
from sightsearch.events.local import TableBus
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import CrawlRun
from tests.api.conftest import api_settings, client_for


def publish_a_crawl(engine: Engine, minute: datetime) -> None:
    """Two minutes of a run on two sites: fetches with known latencies, failures, loads, rejects, stage batches."""
    bus = TableBus(engine)
    bus.publish(RunStarted(run_id="r1", at=minute, seeds=["http://a.example/"], max_pages=100))
    for second, latency in enumerate([10.0, 20.0, 30.0, 40.0, 1000.0]):
        bus.publish(PageFetched(run_id="r1", at=minute + timedelta(seconds=second), url=f"http://a.example/{second}",
                                site="a.example", status=200, bytes=100, latency_ms=latency))
    later = minute + timedelta(minutes=1)
    bus.publish(PageFetched(run_id="r1", at=later, url="http://b.example/", site="b.example", status=200, bytes=1,
                            latency_ms=5.0))
    for n in range(12):  # enough page events for the error-rate rule to judge b.example
        bus.publish(PageFailed(run_id="r1", at=later + timedelta(seconds=1), url=f"http://b.example/{n}",
                               site="b.example", error="HTTP 503", transient=True, status=503))
    for n in range(3):
        bus.publish(RecordLoaded(run_id="r1", at=minute, site="a.example", product_key=f"k{n}", change="inserted"))
    bus.publish(RecordRejected(run_id="r1", at=later, stage="validate", site="a.example", url="http://a.example/x",
                               reason="price must be positive"))
    for seconds in (0.010, 0.020, 0.200):
        bus.publish(StageCompleted(run_id="r1", at=minute, stage="load", records_in=3, records_out=3, rejected=0,
                                   seconds=seconds))
    bus.publish(DeadLetterBacklog(run_id="r1", at=later, open_by_stage={"fetch": 12, "validate": 1}))
    bus.flush()


async def test_the_dashboard_reads_what_the_events_say(engine: Engine) -> None:
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=3)
    publish_a_crawl(engine, minute)
    with session_scope(engine) as session:
        session.add(CrawlRun(id="r1", seeds=["http://a.example/"], status="running", mode="embedded", counts={},
                             started_at=minute))
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        response = await api.get("/api/v1/metrics/dashboard", params={"since": (minute - timedelta(minutes=5))
                                                                       .isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    t0, t1 = minute.isoformat().replace("+00:00", "Z"), (minute + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert body["running_runs"] == 1
    assert body["pages_fetched"] == [{"t": t0, "v": 5.0}, {"t": t1, "v": 1.0}]  # summed over sites
    assert body["records_loaded"] == [{"t": t0, "v": 3.0}]
    assert [(s["labels"], [p["v"] for p in s["points"]]) for s in body["rejects_by_stage"]] == [({"stage": "validate"},
                                                                                                 [1.0])]
    latency = {s["labels"]["quantile"]: s["points"][0]["v"] for s in body["fetch_latency_ms"]}
    assert latency == {"p50": 30.0, "p95": 1000.0, "p99": 1000.0}  # all sites, nearest rank; none per site here
    assert all(set(s["labels"]) == {"quantile"} for s in body["fetch_latency_ms"])
    rates = {s["labels"]["site"]: [p["v"] for p in s["points"]] for s in body["error_rate_by_site"]}
    assert rates == {"a.example": [0.0], "b.example": [round(12 / 13, 6)]}
    assert body["dead_letter_backlog"][-1]["v"] == 13.0  # the total, not the total plus the per-stage series
    assert body["stage_latency_ms"] == [{"stage": "load", "batches": 3, "p50": 20.0, "p95": 200.0, "p99": 200.0}]
    assert [(a["rule"], a["site"]) for a in body["alerts"]] == [("error_rate", "b.example")]


async def test_the_dashboard_refuses_a_backwards_window(engine: Engine) -> None:
    now = datetime.now(UTC)
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        response = await api.get("/api/v1/metrics/dashboard",
                                 params={"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()})
        empty = await api.get("/api/v1/metrics/dashboard")
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"
    assert empty.status_code == 200
    assert empty.json()["pages_fetched"] == [] and empty.json()["alerts"] == [] and empty.json()["running_runs"] == 0
