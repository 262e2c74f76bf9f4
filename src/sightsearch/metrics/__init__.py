"""Metrics and alerts over the event stream: the dashboard's time series in ``metric_samples``, alerts in ``alerts``.

``compute`` is the pure part (events -> samples), ``store`` keeps events and samples, ``alerts`` holds the rules,
``consumer`` runs them from Kafka (a consumer group, or a replay) or from the local events table.
"""

from sightsearch.metrics.alerts import Finding, current_findings, evaluate_alerts
from sightsearch.metrics.compute import Sample, bucket_samples
from sightsearch.metrics.consumer import ConsumeStats, consume, consume_table, replay
from sightsearch.metrics.store import apply_events, ingest_events, read_samples, recompute_metrics

__all__ = ["ConsumeStats", "Finding", "Sample", "apply_events", "bucket_samples", "consume", "consume_table",
           "current_findings", "evaluate_alerts", "ingest_events", "read_samples", "recompute_metrics", "replay"]
