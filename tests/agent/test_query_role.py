"""`sightsearch db upgrade` creates the read-only role on PostgreSQL: SELECT on the allowlisted tables, nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from sightsearch.cli import _register_commands, app
from sightsearch.config import get_settings
from sightsearch.storage.db import create_db_engine
from sightsearch.storage.query_role import QUERY_TABLES, ensure_query_role
from tests.agent.store import READER_PASSWORD

_register_commands()
runner = CliRunner()


@pytest.fixture
def fresh(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", postgres_url)
    monkeypatch.setenv("SIGHTSEARCH_QUERY_ROLE", "reader_under_test")
    monkeypatch.setenv("SIGHTSEARCH_QUERY_ROLE_PASSWORD", READER_PASSWORD)
    get_settings.cache_clear()
    engine = create_db_engine(postgres_url)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def _as_reader(engine: Engine, sql: str) -> str:
    url = engine.url.set(drivername="postgresql", username="reader_under_test", password=READER_PASSWORD)
    with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
        try:
            connection.execute(sql)
            return "ok"
        except psycopg.Error as err:
            return type(err).__name__


def test_db_upgrade_creates_the_role_with_select_on_the_allowlist_only(fresh: Engine) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    for table in QUERY_TABLES:
        assert _as_reader(fresh, f"SELECT * FROM {table}") == "ok", table
    assert _as_reader(fresh, "SELECT * FROM api_keys") == "InsufficientPrivilege"
    assert _as_reader(fresh, "SELECT * FROM events") == "InsufficientPrivilege"
    assert _as_reader(fresh, "SELECT * FROM alembic_version") == "InsufficientPrivilege"
    # every transaction of the role starts read-only, even outside the executor
    assert _as_reader(fresh, "DELETE FROM products") == "ReadOnlySqlTransaction"
    assert _as_reader(fresh, "BEGIN READ WRITE; DELETE FROM products") == "InsufficientPrivilege"
    assert _as_reader(fresh, "BEGIN READ WRITE; CREATE TABLE owned (a int)") == "InsufficientPrivilege"


def test_running_it_again_keeps_one_role_and_follows_a_new_password(fresh: Engine) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert ensure_query_role(fresh, "reader_under_test", READER_PASSWORD)
    assert _as_reader(fresh, "SELECT 1") == "ok"


def test_no_password_no_role_and_sqlite_needs_none(sqlite_engine: Engine, fresh: Engine) -> None:
    assert ensure_query_role(fresh, "reader_under_test", None) is False
    assert ensure_query_role(sqlite_engine, "reader_under_test", READER_PASSWORD) is False
