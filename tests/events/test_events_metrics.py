"""Metrics and alerts from the event stream, without Kafka: the computation, its idempotence, the embedded mode
(the local events table) and the alert rules with a real webhook receiver."""

from __future__ import annotations

import json

import random
from pathlib import Path

from sqlalchemy import Engine, select

from sightsearch.config import Settings
from sightsearch.events.catalog import DeadLetterBacklog, RunFinished, RunStarted
from sightsearch.events.local import TableBus
from sightsearch.metrics import apply_events, consume_table, evaluate_alerts, read_samples
from sightsearch.metrics.compute import bucket_samples
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import Alert
from tests.events.helpers import (
    T0,
    Webhook,
    at,
    crawl_settings,
    demo_crawl,
    expected_totals,
    failed,
    fetched,
    record_events,
    snapshot,
    totals,
)


def values(samples: list, name: str) -> dict[str, float]:
    return {s.labels_key: s.value for s in samples if s.name == name}


def test_bucket_counts_quantiles_and_rates() -> None:
    events = [fetched("r", "a", i, latency=float(i + 1)) for i in range(100)]  # latencies 1..100
    events += [failed("r", "a", 5)] * 2 + record_events("r", "a", 7, loaded=3, rejected=1)  # a duplicate id too
    samples = bucket_samples(T0, events)
    assert values(samples, "pages_fetched") == {'{"site":"a"}': 100}
    assert values(samples, "pages_failed") == {'{"site":"a"}': 1}
    latency = values(samples, "fetch_latency_ms")
    assert (latency['{"quantile":"p50"}'], latency['{"quantile":"p95"}'], latency['{"quantile":"p99"}']) == (50, 95, 99)
    assert values(samples, "fetch_error_rate") == {'{"site":"a"}': round(1 / 101, 6)}
    assert values(samples, "reject_rate") == {'{"site":"a","stage":"validate"}': 0.25}
    assert values(samples, "dead_letters") == {'{"stage":"fetch"}': 1, '{"stage":"validate"}': 1}


def test_consumption_is_idempotent_and_order_free(engine: Engine) -> None:
    """On both stores (SQLite, PostgreSQL): redelivered and reordered events change no sample."""
    events = [fetched("r", "a", s, latency=s) for s in range(0, 180, 3)] + [failed("r", "b", 70)]
    events += [DeadLetterBacklog(run_id="r", open_by_stage={"fetch": 1}, at=at(71))]
    events += record_events("r", "a", 130, loaded=4, rejected=2)
    events += [DeadLetterBacklog(run_id="r", open_by_stage={"fetch": 1, "validate": 2}, at=at(131))]
    apply_events(engine, events)
    first = snapshot(engine)
    assert {b for _, b, _, _ in first} == {at(0), at(60), at(120)}
    backlog = [v for name, _, labels, v in first if name == "dead_letter_backlog" and labels == "{}"]
    assert backlog == [0, 1, 3]
    redelivered = events[40:] + events[:10]  # a crash replays a tail and some old batches, out of order
    random.Random(7).shuffle(redelivered)
    for start in range(0, len(redelivered), 9):
        apply_events(engine, redelivered[start:start + 9])
    assert snapshot(engine) == first


def test_the_backlog_follows_snapshots_down_when_dead_letters_close(engine: Engine) -> None:
    """Rejected again (one dead letter, more occurrences) or dismissed: the backlog is what the store counts."""
    events = record_events("r", "a", 10, loaded=0, rejected=3)
    events += [DeadLetterBacklog(run_id="r", open_by_stage={"validate": 2}, at=at(11)),  # one was a repeat
               DeadLetterBacklog(run_id="r", open_by_stage={"validate": 1}, at=at(75))]  # one dismissed
    apply_events(engine, events)
    backlog = {(b, json.loads(labels).get("stage")): v
               for name, b, labels, v in snapshot(engine) if name == "dead_letter_backlog"}
    assert backlog == {(at(0), None): 2, (at(0), "validate"): 2, (at(60), None): 1, (at(60), "validate"): 1}


async def test_embedded_metrics_from_the_events_table(sqlite_engine: Engine, tmp_path: Path) -> None:
    settings = crawl_settings(data_dir=tmp_path, download_images=False)
    summary = await demo_crawl(settings, sqlite_engine, TableBus(sqlite_engine), max_pages=60)
    stats = consume_table(settings, sqlite_engine, alerts=False)
    assert stats.events >= summary.counts["pages_fetched"] and stats.samples > 0
    assert totals(read_samples(sqlite_engine)) == expected_totals(summary)
    assert summary.counts["pages_failed"] == 1 and summary.counts["loaded"] > 0
    again = snapshot(sqlite_engine)
    consume_table(settings, sqlite_engine, alerts=False)
    assert snapshot(sqlite_engine) == again


def alert_rows(engine: Engine) -> list[tuple[str, str | None, str | None, bool]]:
    with session_scope(engine) as session:
        return [(a.rule, a.site, a.run_id, a.resolved_at is None)
                for a in session.scalars(select(Alert).order_by(Alert.rule, Alert.site))]


def test_alert_rules_fire_over_threshold_only_and_reach_the_webhook(sqlite_engine: Engine, webhook: Webhook) -> None:
    settings = Settings(_env_file=None, alert_error_rate=0.2, alert_min_events=10, alert_window_minutes=5,
                        alert_stall_minutes=10, alert_webhook_url=webhook.url)
    events = [fetched("r1", "bad.example", s) for s in range(8)] + [failed("r1", "bad.example", s) for s in range(8, 12)]
    events += [fetched("r1", "fine.example", s) for s in range(18)] + [failed("r1", "fine.example", 19)]  # 5%: under
    events += [failed("r1", "gone.example", s, status=404) for s in range(10)]
    events += [failed("r1", "few.example", s) for s in range(5)]  # 100% failed, but too few pages to judge
    events += [RunStarted(run_id="r1", seeds=[], max_pages=1, at=at(0)), RunStarted(run_id="r2", seeds=[], max_pages=1,
               at=at(0)), RunFinished(run_id="r2", status="finished", at=at(30))]
    apply_events(sqlite_engine, events)

    raised = evaluate_alerts(settings, sqlite_engine, now=at(120))
    assert sorted((f.rule, f.site) for f in raised) == [("error_rate", "bad.example"), ("site_all_4xx", "gone.example")]
    assert sorted(hook["site"] for hook in webhook.received) == ["bad.example", "gone.example"]
    assert webhook.received[0]["rule"] in {"error_rate", "site_all_4xx"} and "message" in webhook.received[0]
    assert evaluate_alerts(settings, sqlite_engine, now=at(130)) == []  # open alerts are not raised twice

    later = evaluate_alerts(settings, sqlite_engine, now=at(60 * 14))  # window passed; r1 silent for 14 min
    assert [(f.rule, f.run_id) for f in later] == [("run_stalled", "r1")]
    assert alert_rows(sqlite_engine) == [("error_rate", "bad.example", None, False), ("run_stalled", None, "r1", True),
                                         ("site_all_4xx", "gone.example", None, False)]
    assert len(webhook.received) == 3
