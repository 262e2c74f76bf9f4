"""The two levels on real stores: every attack through `sightsearch sql` is refused before it runs, and through the
database-level executor alone (guard bypassed) it is refused or stopped by the database; the store never changes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from sightsearch.agent import QueryFailed, QueryRefused, QueryService, QueryTimedOut, open_executor
from sightsearch.cli import _register_commands, app
from sightsearch.config import Settings, get_settings
from tests.agent.boundary import fingerprint, use_store
from tests.agent.corpus import RUNAWAY, attacks, legit

_register_commands()
runner = CliRunner()
# The limit the tests set, plus room for connecting and a loaded machine: "did not run on", not a speed check.
TIME_LIMIT, SLACK = 2.0, 8.0


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_attacks_through_the_cli_are_refused_and_change_nothing(asked: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, asked)
    before = fingerprint(asked)
    for name, sql, _db in attacks(asked.dialect.name):
        result = runner.invoke(app, ["sql", sql])
        assert result.exit_code == 2, (name, result.output)
        assert "refused:" in result.output, name
    assert fingerprint(asked) == before


def test_attacks_on_the_executor_alone_are_stopped_by_the_database(asked: Engine, settings: Settings) -> None:
    """The guard bypassed: the database level refuses, or stops at the time limit, or (catalog reads every
    PostgreSQL role may do) changes nothing."""
    executor = open_executor(asked, settings)
    before = fingerprint(asked)
    try:
        for name, sql, expected in attacks(asked.dialect.name):
            started = time.monotonic()
            outcome = _outcome(executor, sql)
            assert time.monotonic() - started < TIME_LIMIT + SLACK, name
            allowed = {"refused": {"refused"}, "timeout": {"timeout", "refused"}, "harmless": {"ran", "refused"}}
            assert outcome in allowed[expected], (name, outcome)
            assert fingerprint(asked) == before, name
    finally:
        executor.close()


def _outcome(executor: object, sql: str) -> str:
    try:
        executor.run(sql, max_rows=10)  # type: ignore[attr-defined]
    except QueryTimedOut:
        return "timeout"
    except (QueryRefused, QueryFailed):
        return "refused"
    return "ran"


def test_session_changes_do_not_outlive_the_query(asked_postgres: Engine, settings: Settings) -> None:
    executor = open_executor(asked_postgres, settings)
    try:
        for _ in range(3):  # the pool hands back the same connections
            executor.run("SELECT set_config('statement_timeout', '0', false)", max_rows=1)
        with pytest.raises(QueryTimedOut):
            executor.run("SELECT pg_sleep(30)", max_rows=1)
    finally:
        executor.close()


def test_a_runaway_select_passes_the_guard_and_is_stopped_at_the_time_limit(asked: Engine,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, asked)
    started = time.monotonic()
    result = runner.invoke(app, ["sql", RUNAWAY])
    assert result.exit_code == 1 and "time limit" in result.output.replace("\n", " ")
    assert time.monotonic() - started < TIME_LIMIT + SLACK


def test_legitimate_queries_are_never_refused(asked: Engine, settings: Settings) -> None:
    service = QueryService(asked, settings)
    try:
        for sql in legit(asked.dialect.name):
            answer = service.run_sql(sql)
            assert answer.result.columns, sql
    finally:
        service.close()


def test_sql_json_prints_columns_rows_and_truncation(asked: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, asked, query_max_rows="5")
    result = runner.invoke(app, ["sql", "SELECT brand, price FROM products ORDER BY id", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["columns"] == ["brand", "price"] and len(body["rows"]) == 5 and body["truncated"] is True
    assert all(isinstance(row[1], int | float) for row in body["rows"])
