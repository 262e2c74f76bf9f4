"""The SQL-level guard alone: every attack refused with a reason, every legitimate query accepted and capped."""

from __future__ import annotations

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from sightsearch.agent.guard import DIALECTS, QueryRefused, guard_query
from sightsearch.agent.tables import ALLOWED_TABLES
from tests.agent.corpus import SLOW_SEARCHES, attacks, legit

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


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_searches_whose_cost_the_query_builds_are_refused(dialect: str) -> None:
    for sql in SLOW_SEARCHES[dialect]:
        with pytest.raises(QueryRefused, match="literal text|a subquery, an aggregate or a window built"):
            guard_query(sql, dialect=dialect, max_rows=50)


def test_a_qualified_name_is_the_stored_table_even_beside_a_cte_of_that_name() -> None:
    # The CTE is used unqualified: allowed. The qualified name beside it is the stored table: refused.
    for dialect, schema in (("sqlite", "main"), ("postgresql", "public")):
        sql = "WITH api_keys AS (SELECT 1 AS a) SELECT a FROM api_keys"
        assert "api_keys" in guard_query(sql, dialect=dialect, max_rows=5).sql
        with pytest.raises(QueryRefused, match="api_keys is not allowed"):
            guard_query(f"{sql} UNION SELECT key_hash FROM {schema}.api_keys", dialect=dialect, max_rows=5)
    # A CTE defined inside a subquery does not cover the same name outside it.
    with pytest.raises(QueryRefused, match="api_keys is not allowed"):
        guard_query("SELECT (WITH api_keys AS (SELECT 1 AS a) SELECT a FROM api_keys) AS x, key_hash FROM api_keys",
                    dialect="postgresql", max_rows=5)


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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.sampled_from(DIALECT_NAMES))
def test_any_text_is_refused_or_becomes_a_capped_select_of_allowed_tables(text: str, dialect: str) -> None:
    try:
        guarded = guard_query(text, dialect=dialect, max_rows=10)
    except QueryRefused:
        return
    tree = sqlglot.parse_one(guarded.sql, read=DIALECTS[dialect])
    assert isinstance(tree, exp.Select | exp.Union | exp.Except | exp.Intersect)
    assert {t.name.lower() for t in tree.find_all(exp.Table)} <= set(ALLOWED_TABLES) | {
        c.alias_or_name for c in tree.find_all(exp.CTE)}
    assert guard_query(guarded.sql, dialect=dialect, max_rows=10).sql == guarded.sql


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["SELECT", "title", "FROM", "products", "api_keys", ";", "DELETE", "(", ")", ",",
                                 "--", "/*", "*/", "'", '"', "pg_sleep", "WITH", "AS", "INTO", "FOR UPDATE",
                                 "UNION", "1", "WHERE", "=", "x"]), max_size=14), st.sampled_from(DIALECT_NAMES))
def test_sql_like_noise_never_reaches_a_forbidden_table_function_or_write(words: list[str], dialect: str) -> None:
    try:
        guarded = guard_query(" ".join(words), dialect=dialect, max_rows=10)
    except QueryRefused:
        return
    tree = sqlglot.parse_one(guarded.sql, read=DIALECTS[dialect])
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    assert all(t.name in ALLOWED_TABLES or t.name in ctes for t in tree.find_all(exp.Table))
    assert not list(tree.find_all(exp.Insert, exp.Update, exp.Delete, exp.Into, exp.Lock, exp.Anonymous))
