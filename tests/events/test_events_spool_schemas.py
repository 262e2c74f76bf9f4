"""The disk spool (order, bound, resume) and the committed JSON Schemas (equal to the models, valid for events)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sightsearch.cli import _register_commands, app
from sightsearch.events.catalog import PageFetched, RecordRejected
from sightsearch.events.schema_export import SCHEMA_DIR, event_schema, render_schemas
from sightsearch.events.spool import DiskSpool
from sightsearch.events.topics import encode, event_models, topic_of


def messages(count: int, start: int = 0) -> list[tuple[str, bytes, bytes]]:
    return [("t.page", b"run", b'{"n": %d}' % i) for i in range(start, start + count)]


def drain(spool: DiskSpool, step: int = 7) -> list[bytes]:
    seen = []
    while spool:
        entries = spool.peek(step)
        seen += [value for (_, _, value), _ in entries]
        spool.commit(entries[-1][1])
    return seen


def test_spool_keeps_order_across_segments_and_reopen(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path, max_bytes=100_000, segment_bytes=200)
    assert spool.append(messages(30)) == 30
    assert len(list(tmp_path.glob("*.jsonl"))) >= 3
    first = spool.peek(5)
    spool.commit(first[-1][1])
    reopened = DiskSpool(tmp_path, max_bytes=100_000, segment_bytes=200)  # a restart resumes after the cursor
    reopened.append(messages(5, start=30))
    assert drain(reopened) == [value for *_, value in messages(30)[5:] + messages(5, start=30)]
    assert not list(tmp_path.glob("*.jsonl"))


def test_spool_refuses_beyond_its_bound(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path, max_bytes=1024)
    kept = spool.append(messages(200))
    assert 0 < kept < 200 and spool.size <= 1024
    assert drain(spool) == [value for *_, value in messages(kept)]


def test_committed_schemas_match_the_models() -> None:
    rendered = render_schemas()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    assert committed == rendered, "run: sightsearch events schemas --output src/sightsearch/events/schemas"
    assert set(rendered) == {f"{t}.v1.json" for t in event_models()}


def test_schema_describes_the_event_json() -> None:
    event = RecordRejected(run_id="r1", stage="validate", site="shop", url="http://shop/p/1", reason="missing price")
    schema, data = event_schema(RecordRejected), event.model_dump(mode="json")
    assert set(schema["required"]) <= set(data) <= set(schema["properties"])
    assert schema["properties"]["type"]["const"] == "record.rejected"
    assert topic_of(event, "x") == "x.record" and encode(event)[0] == b"r1"


def test_schemas_command_exports_and_checks(tmp_path: Path) -> None:
    _register_commands()
    runner = CliRunner()
    assert runner.invoke(app, ["events", "schemas", "--output", str(tmp_path)]).exit_code == 0
    assert runner.invoke(app, ["events", "schemas", "--output", str(tmp_path), "--check"]).exit_code == 0
    (tmp_path / "page.fetched.v1.json").write_text("{}")
    assert runner.invoke(app, ["events", "schemas", "--output", str(tmp_path), "--check"]).exit_code == 1
    assert PageFetched.model_fields["schema_version"].default == 1
