"""``sightsearch events``: export the event schemas, consume the stream into metrics and alerts, replay it, tail it.

Every command reads Kafka when ``SIGHTSEARCH_KAFKA_BOOTSTRAP`` is set, else the local events table.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from sightsearch.cli import app, console
from sightsearch.config import Settings, get_settings
from sightsearch.errors import ConfigurationError

events = typer.Typer(no_args_is_help=True, help="The operational event stream: schemas, metrics consumer, replay, tail.")
app.add_typer(events, name="events")

Since = Annotated[str | None, typer.Option(help="Only events from this time: ISO 8601 (UTC if no zone) or 15m / 2h / 1d ago.")]
_AGO = re.compile(r"^(\d+)\s*([smhd])$")


def parse_since(text: str | None) -> datetime | None:
    """An aware UTC time from ISO 8601 or a relative ``<n>s|m|h|d`` (ago); None stays None."""
    if text is None:
        return None
    if match := _AGO.match(text.strip()):
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
        return datetime.now(UTC) - timedelta(**{unit: int(match[1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise ConfigurationError(f"--since {text!r}: not an ISO time nor <n>s|m|h|d") from err
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _engine(settings: Settings):
    from sightsearch.storage.db import get_engine, upgrade_schema

    engine = get_engine(settings.database_url)
    upgrade_schema(engine)
    return engine


@events.command()
def schemas(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write <type>.v<version>.json into.")],
    check: Annotated[bool, typer.Option(help="Only compare the folder with the models; exit 1 on a difference.")] = False,
) -> None:
    """Export the versioned JSON Schema of every event from the pydantic models."""
    from sightsearch.events.schema_export import export_schemas, render_schemas

    if check:
        stale = [name for name, text in render_schemas().items()
                 if not (output / name).exists() or (output / name).read_text(encoding="utf-8") != text]
        for name in stale:
            console.print(f"[red]differs from the model:[/red] {output / name}")
        raise typer.Exit(1 if stale else 0)
    for path in export_schemas(output):
        typer.echo(str(path))


@events.command()
def consume(
    group: Annotated[str, typer.Option(help="Kafka consumer group.")] = "sightsearch-metrics",
    from_table: Annotated[bool, typer.Option("--from-table", help="Compute from the local events table (no Kafka).")] = False,
    since: Since = None,
    alerts: Annotated[bool, typer.Option(help="Evaluate the alert rules.")] = True,
) -> None:
    """Maintain the per-minute metrics and raise alerts: from Kafka until Ctrl-C, or once from the events table."""
    from sightsearch.metrics import consume as consume_kafka
    from sightsearch.metrics import consume_table

    settings = get_settings()
    engine = _engine(settings)
    if from_table or not settings.kafka_bootstrap:
        stats = consume_table(settings, engine, since=parse_since(since), alerts=alerts)
    else:
        console.print(f"consuming {settings.kafka_topic_prefix}.* as group {group!r} (Ctrl-C stops)")
        try:
            stats = asyncio.run(consume_kafka(settings, engine, group=group, alerts=alerts))
        except KeyboardInterrupt:
            return
    typer.echo(f"{stats.events} events, {stats.samples} samples written, {stats.alerts} alerts raised")


@events.command()
def replay(
    since: Since = None,
    from_offset: Annotated[int | None, typer.Option("--from-offset", help="Start every partition at this offset.")] = None,
) -> None:
    """Re-read the topics and recompute the metrics of every minute they cover, from scratch."""
    from sightsearch.metrics import replay as replay_topics

    settings = get_settings()
    if not settings.kafka_bootstrap:
        raise ConfigurationError("replay reads Kafka: set SIGHTSEARCH_KAFKA_BOOTSTRAP (or use consume --from-table)")
    if since is not None and from_offset is not None:
        raise ConfigurationError("give --since or --from-offset, not both")
    stats = asyncio.run(replay_topics(settings, _engine(settings), since=parse_since(since), from_offset=from_offset))
    typer.echo(f"{stats.events} events replayed, {stats.samples} samples recomputed")


@events.command()
def tail(
    type_: Annotated[list[str] | None, typer.Option("--type", "-t", help="Only these event types (repeatable).")] = None,
    run: Annotated[str | None, typer.Option(help="Only this run id.")] = None,
    since: Since = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for new events.")] = False,
) -> None:
    """Print the stream as JSON lines, filtered: from Kafka when configured, else the local events table."""
    from sightsearch.events.stream import tail_events

    wanted = set(type_ or [])
    try:
        settings = get_settings()
        engine = None if settings.kafka_bootstrap else _engine(settings)
        asyncio.run(tail_events(settings, engine, types=wanted, run_id=run, since=parse_since(since), follow=follow,
                                show=lambda e: typer.echo(json.dumps(e.model_dump(mode="json")))))
    except KeyboardInterrupt:
        pass
