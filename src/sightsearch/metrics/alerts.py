"""Alert rules over the stored event stream: a site's fetch error rate, a site answering only 4xx, a stalled run.

An alert is raised once per (rule, run, site) while its condition holds (stored in ``alerts``, logged, and POSTed
as JSON to ``alert_webhook_url`` when set) and resolved when the condition clears.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, select

from sightsearch.config import Settings
from sightsearch.events.catalog import EventType
from sightsearch.metrics.compute import as_utc
from sightsearch.redact import redact_text, webhook_tokens
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import Alert, EventRecord

log = logging.getLogger(__name__)
_PAGE_TYPES = [str(EventType.PAGE_FETCHED), str(EventType.PAGE_FAILED)]


@dataclass(frozen=True)
class Finding:
    """A condition that holds now: which rule, about what, and why."""

    rule: str
    message: str
    run_id: str | None = None
    site: str | None = None
    severity: str = "warning"
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def site_findings(settings: Settings, pages: list[dict[str, Any]]) -> list[Finding]:
    """Error-rate and all-4xx findings from the page events of the window (payload dicts)."""
    total, failed, client_errors = Counter[str](), Counter[str](), Counter[str]()
    for page in pages:
        site, status = page.get("site", ""), page.get("status")
        total[site] += 1
        failed[site] += page["type"] == EventType.PAGE_FAILED
        client_errors[site] += status is not None and 400 <= status < 500
    findings = []
    for site, n in sorted(total.items()):
        if n < settings.alert_min_events:
            continue
        details = {"pages": n, "failed": failed[site], "status_4xx": client_errors[site],
                   "window_minutes": settings.alert_window_minutes}
        if client_errors[site] == n:
            findings.append(Finding("site_all_4xx", f"{site}: all {n} pages answered 4xx", site=site,
                                    severity="critical", details=details))
        elif failed[site] / n > settings.alert_error_rate:
            findings.append(Finding("error_rate", f"{site}: fetch error rate {failed[site] / n:.0%} over "
                                    f"{settings.alert_error_rate:.0%}", site=site, details=details))
    return findings


def stalled_runs(settings: Settings, engine: Engine, now: datetime) -> list[Finding]:
    """Runs started and not finished whose last event is older than ``alert_stall_minutes``."""
    with session_scope(engine) as session:
        last: dict[str, datetime] = {run_id: at for run_id, at in session.execute(
            select(EventRecord.run_id, func.max(EventRecord.at)).group_by(EventRecord.run_id))}
        started = set(session.scalars(select(EventRecord.run_id).where(EventRecord.type == str(EventType.RUN_STARTED))))
        finished = set(session.scalars(select(EventRecord.run_id).where(EventRecord.type == str(EventType.RUN_FINISHED))))
    limit = timedelta(minutes=settings.alert_stall_minutes)
    return [Finding("run_stalled", f"run {run_id}: no event for {(now - as_utc(last[run_id])).total_seconds() / 60:.0f} min",
                    run_id=run_id, details={"last_event_at": as_utc(last[run_id]).isoformat()})
            for run_id in sorted(started - finished) if now - as_utc(last[run_id]) > limit]


def current_findings(settings: Settings, engine: Engine, now: datetime | None = None) -> list[Finding]:
    """Every rule's findings at ``now`` (wall clock by default)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(minutes=settings.alert_window_minutes)
    with session_scope(engine) as session:
        rows = session.execute(select(EventRecord.type, EventRecord.payload).where(
            EventRecord.type.in_(_PAGE_TYPES), EventRecord.at >= since, EventRecord.at <= now)).all()
    pages = [{**payload, "type": kind} for kind, payload in rows]
    return site_findings(settings, pages) + stalled_runs(settings, engine, now)


def evaluate_alerts(settings: Settings, engine: Engine, now: datetime | None = None) -> list[Finding]:
    """Raise the findings not already open, resolve open alerts whose condition cleared; returns the new ones."""
    now = now or datetime.now(UTC)
    findings = {(f.rule, f.run_id, f.site): f for f in current_findings(settings, engine, now)}
    with session_scope(engine) as session:
        open_alerts = session.scalars(select(Alert).where(Alert.resolved_at.is_(None))).all()
        for alert in open_alerts:
            if (alert.rule, alert.run_id, alert.site) not in findings:
                alert.resolved_at = now
        raised = {(a.rule, a.run_id, a.site) for a in open_alerts}
        new = [f for key, f in findings.items() if key not in raised]
        session.add_all(Alert(rule=f.rule, severity=f.severity, message=f.message, run_id=f.run_id, site=f.site,
                              details=f.details, raised_at=now) for f in new)
    for finding in new:
        log.warning("ALERT %s [%s]: %s", finding.rule, finding.severity, finding.message)
        if settings.alert_webhook_url:
            post_webhook(settings.alert_webhook_url, finding, now)
    return new


def post_webhook(url: str, finding: Finding, raised_at: datetime) -> bool:
    """POST the alert as JSON; a failing webhook is logged, never raised (alerting must not stop the consumer)."""
    import httpx

    body = {"rule": finding.rule, "severity": finding.severity, "message": finding.message, "run_id": finding.run_id,
            "site": finding.site, "details": finding.details, "raised_at": raised_at.isoformat()}
    try:
        httpx.post(url, json=body, timeout=5.0).raise_for_status()
    except httpx.HTTPError as err:
        # The URL is a credential (Slack-style tokens live in the path): name only its host, scrub it from httpx's text.
        log.warning("alert webhook %s failed: %s", webhook_label(url), redact_text(str(err), webhook_tokens(url)))
        return False
    return True


def webhook_label(url: str) -> str:
    """What a log line may say about the webhook: scheme and host only (no credentials, path or query)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/..."
    except ValueError:
        return "<malformed webhook URL>"
