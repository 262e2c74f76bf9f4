"""The dashboard's time series, computed from events: a pure function of the events in each one-minute bucket.

Deterministic and order-free (events are keyed by id and bucketed by their own ``at``), so the live consumer, a
replay of the topic and a pass over the local events table all produce the same samples from the same events.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sightsearch.events.catalog import Event, EventType

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
DEAD_LETTER_TYPES = (EventType.PAGE_FAILED, EventType.RECORD_REJECTED)  # the runner dead-letters both
BUCKET = timedelta(minutes=1)


@dataclass(frozen=True)
class Sample:
    """One value of one series (name + labels) in one bucket."""

    name: str
    bucket: datetime
    labels: dict[str, str] = field(hash=False)
    value: float

    @property
    def labels_key(self) -> str:
        """Canonical JSON of the labels: with name and bucket, the sample's identity."""
        return labels_key(self.labels)


def labels_key(labels: dict[str, Any]) -> str:
    """Labels as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(labels, sort_keys=True, separators=(",", ":"))


def as_utc(at: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands stored times back naive, in UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def bucket_of(at: datetime) -> datetime:
    """The start of the one-minute bucket holding ``at``, in UTC."""
    return as_utc(at).replace(second=0, microsecond=0)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (deterministic, always one of the values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def bucket_samples(bucket: datetime, events: Iterable[Event]) -> list[Sample]:
    """Every series of one bucket from its events (counts, latency quantiles, error and reject rates)."""
    counts: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    latencies: dict[str, list[float]] = defaultdict(list)
    for event in {e.event_id: e for e in events}.values():
        _count(event, counts, latencies)
    samples = [Sample(name, bucket, dict(labels), float(n)) for (name, labels), n in counts.items()]
    for site, values in latencies.items():
        for label, q in QUANTILES.items():
            labels = {"quantile": label} if site == "*" else {"quantile": label, "site": site}
            samples.append(Sample("fetch_latency_ms", bucket, labels, round(quantile(values, q), 3)))
    samples += _rates(bucket, counts)
    return sorted(samples, key=lambda s: (s.name, s.labels_key))


def _count(event: Event, counts: Counter[Any], latencies: dict[str, list[float]]) -> None:
    kind, site = str(event.type), getattr(event, "site", "")  # type: ignore[attr-defined]
    if kind == EventType.PAGE_FETCHED:
        counts["pages_fetched", (("site", site),)] += 1
        latencies[site].append(event.latency_ms)  # type: ignore[attr-defined]
        latencies["*"].append(event.latency_ms)  # type: ignore[attr-defined]
    elif kind == EventType.PAGE_FAILED:
        counts["pages_failed", (("site", site),)] += 1
    elif kind == EventType.RECORD_LOADED:
        counts["records_loaded", (("site", site),)] += 1
    elif kind == EventType.RECORD_REJECTED:
        counts["records_rejected", (("site", site), ("stage", event.stage))] += 1
    elif kind == EventType.IMAGE_FAILED:
        counts["images_failed", ()] += 1
    if kind in DEAD_LETTER_TYPES:
        counts["dead_letters", (("stage", event.stage),)] += 1


def _rates(bucket: datetime, counts: Counter[Any]) -> list[Sample]:
    by = {(name, labels): n for (name, labels), n in counts.items()}
    samples = []
    for labels in {labels for name, labels in by if name in ("pages_fetched", "pages_failed")}:
        failed = by.get(("pages_failed", labels), 0)
        total = failed + by.get(("pages_fetched", labels), 0)
        samples.append(Sample("fetch_error_rate", bucket, dict(labels), round(failed / total, 6)))
    for (name, labels), rejected in by.items():
        if name == "records_rejected":
            site = labels[0]
            records = by.get(("records_loaded", (site,)), 0) + sum(
                n for (other, lab), n in by.items() if other == "records_rejected" and lab[0] == site)
            samples.append(Sample("reject_rate", bucket, dict(labels), round(rejected / records, 6)))
    return samples
