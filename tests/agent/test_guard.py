"""The SQL-level guard alone: every attack refused with a reason, every legitimate query accepted and capped."""

from __future__ import annotations

import pytest
import sqlglot

from sightsearch.agent.guard import DIALECTS, QueryRefused, guard_query
from tests.agent.corpus import attacks, legit

DIALECT_NAMES = ("sqlite", "postgresql")


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_every_attack_is_refused_with_a_reason(dialect: str) -> None:
    for name, sql, _db in attacks(dialect):
        with pytest.raises(QueryRefused) as refused:
            guard_query(sql, dialect=dialect, max_rows=50)
        assert refused.value.reason, name


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_legitimate_queries_pass_and_get_a_row_cap(dialect: str) -> None:
    for sql in legit(dialect):
        guarded = guard_query(sql, dialect=dialect, max_rows=50)
        tree = sqlglot.parse_one(guarded.sql, read=DIALECTS[dialect])
        limit = tree.args["limit"].expression
        assert int(limit.name) <= 51, sql


def test_a_smaller_limit_is_kept_and_a_larger_one_capped() -> None:
    assert guard_query("SELECT title FROM products LIMIT 5", dialect="sqlite", max_rows=50).sql.endswith("LIMIT 5")
    assert guard_query("SELECT title FROM products LIMIT 500", dialect="sqlite", max_rows=50).sql.endswith("LIMIT 51")
    assert guard_query("SELECT title FROM products", dialect="postgresql", max_rows=50).sql.endswith("LIMIT 51")


def test_what_runs_is_the_rewritten_query_without_comments() -> None:
    guarded = guard_query("SELECT title /* hi */ FROM products -- bye", dialect="postgresql", max_rows=10)
    assert "hi" not in guarded.sql and "bye" not in guarded.sql


@pytest.mark.parametrize("sql", ["", "   ", "SELEC title FROM products", "SELECT (", "SELECT 'x\x00'"])
def test_unparseable_or_empty_input_is_refused(sql: str) -> None:
    with pytest.raises(QueryRefused):
        guard_query(sql, dialect="sqlite", max_rows=10)


def test_reasons_name_what_was_refused() -> None:
    cases = {"SELECT pg_catalog.pg_read_file('x')": "schema-qualified",
             "SELECT \"pg_read_file\"('x')": "pg_read_file", "SELECT * INTO t FROM products": "INTO",
             "SELECT * FROM products FOR UPDATE": "locking", "SELECT * FROM api_keys": "api_keys",
             "SELECT 1; SELECT 2": "one statement"}
    for sql, word in cases.items():
        with pytest.raises(QueryRefused, match=word):
            guard_query(sql, dialect="postgresql", max_rows=10)
