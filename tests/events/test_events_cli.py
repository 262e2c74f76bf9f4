"""``sightsearch events`` end to end through the CLI: tail and consume on the local table, tail and replay on Kafka."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sightsearch.cli import _register_commands, app
from sightsearch.config import get_settings
from sightsearch.events.kafka import KafkaBus
from sightsearch.events.local import TableBus
from sightsearch.metrics import apply_events
from sightsearch.storage.db import create_db_engine, upgrade_schema
from tests.events.helpers import event_settings, failed, fetched, record_events, snapshot


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    """A CLI runner whose settings come from a clean environment (a SQLite store in ``tmp_path``)."""
    _register_commands()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SIGHTSEARCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SIGHTSEARCH_KAFKA_BOOTSTRAP", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


EVENTS = [fetched("r1", "a", 1), failed("r1", "a", 2, status=404), fetched("r2", "b", 3), *record_events("r1", "a", 4, 2, 1)]


def test_tail_and_consume_on_the_local_table(cli: CliRunner, tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    upgrade_schema(engine)
    bus = TableBus(engine)
    bus.publish_many(EVENTS)
    bus.close()
    result = cli.invoke(app, ["events", "tail", "--type", "page.fetched", "--type", "page.failed", "--run", "r1"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["type"] for line in result.stdout.splitlines()] == ["page.fetched", "page.failed"]
    result = cli.invoke(app, ["events", "consume", "--from-table", "--no-alerts"])
    assert result.exit_code == 0 and result.stdout.startswith(f"{len(EVENTS)} events"), result.output
    assert snapshot(engine)
    engine.dispose()


def test_tail_and_replay_on_kafka(cli: CliRunner, kafka_bootstrap: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    settings = event_settings(kafka_bootstrap, tmp_path / "data")
    bus = KafkaBus(settings)
    bus.publish_many(EVENTS)
    bus.close()
    monkeypatch.setenv("SIGHTSEARCH_KAFKA_BOOTSTRAP", kafka_bootstrap)
    monkeypatch.setenv("SIGHTSEARCH_KAFKA_TOPIC_PREFIX", settings.kafka_topic_prefix)
    get_settings.cache_clear()
    result = cli.invoke(app, ["events", "tail", "--type", "record.rejected"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["reason"] for line in result.stdout.splitlines()] == ["missing price"]
    result = cli.invoke(app, ["events", "replay", "--from-offset", "0"])
    assert result.exit_code == 0 and result.stdout.startswith(f"{len(EVENTS)} events replayed"), result.output

    expected = create_db_engine(f"sqlite:///{tmp_path / 'expected.db'}")
    upgrade_schema(expected)
    apply_events(expected, EVENTS)
    replayed = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    assert snapshot(replayed) == snapshot(expected)
    for engine in (expected, replayed):
        engine.dispose()
