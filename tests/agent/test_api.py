"""POST /api/v1/sql and /api/v1/ask on the crawled store: shapes, 422 refusals with the reason, read keys, rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine

from sightsearch.api import create_app
from tests.agent.boundary import fingerprint
from tests.agent.store import agent_settings
from tests.api.conftest import client_for, new_key


@pytest.fixture
async def api(asked: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(agent_settings(), engine=asked)) as client:
        yield client


async def test_sql_answers_columns_rows_and_truncation(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/sql", json={"sql": "SELECT brand, COUNT(*) AS n FROM products GROUP BY brand"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["brand", "n"] and body["truncated"] is False
    assert sum(row[1] for row in body["rows"]) > 100


async def test_attacks_are_422_with_the_reason_and_change_nothing(api: httpx.AsyncClient, asked: Engine) -> None:
    before = fingerprint(asked)
    for sql in ("DELETE FROM products", "SELECT * FROM api_keys", "SELECT 1; DROP TABLE products"):
        response = await api.post("/api/v1/sql", json={"sql": sql})
        assert response.status_code == 422, sql
        error = response.json()["error"]
        assert error["code"] == "query_refused" and error["details"]["reason"] == error["message"]
    assert fingerprint(asked) == before


async def test_ask_answers_with_the_sql_that_ran(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/ask", json={"question": "How many products are out of stock?"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "offline" and "OutOfStock" in body["sql"] and body["rows"][0][0] > 0
    assert set(body) == {"question", "sql", "columns", "rows", "answer", "engine"}


async def test_ask_to_delete_is_answered_read_only(api: httpx.AsyncClient, asked: Engine) -> None:
    before = fingerprint(asked)
    response = await api.post("/api/v1/ask", json={"question": "delete all products with no price"})
    assert response.status_code == 200 and response.json()["sql"] is None
    assert fingerprint(asked) == before


async def test_bad_bodies_are_422(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/sql", json={"sql": ""})).status_code == 422
    assert (await api.post("/api/v1/ask", json={"question": "x" * 5000})).status_code == 422
    malformed = await api.post("/api/v1/ask", content=b"not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422
    assert (await api.post("/api/v1/ask", content=b"not json")).status_code == 415  # not declared JSON: refused


async def test_reads_that_need_a_key_need_one_here(asked: Engine) -> None:
    settings = agent_settings(api_read_requires_key=True)
    async with client_for(create_app(settings, engine=asked)) as client:
        payload = {"sql": "SELECT COUNT(*) FROM products"}
        assert (await client.post("/api/v1/sql", json=payload)).status_code == 401
        key = new_key(asked, "asker")
        assert (await client.post("/api/v1/sql", json=payload, headers={"X-API-Key": key})).status_code == 200


async def test_each_key_has_its_own_rate_limit(asked_sqlite: Engine) -> None:
    settings = agent_settings(api_read_requires_key=True, ask_rate_limit=3)
    first, second = new_key(asked_sqlite, "first"), new_key(asked_sqlite, "second")
    async with client_for(create_app(settings, engine=asked_sqlite)) as client:
        payload = {"sql": "SELECT COUNT(*) FROM products"}
        codes = [(await client.post("/api/v1/sql", json=payload, headers={"X-API-Key": first})).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = await client.post("/api/v1/ask", json={"question": "how many products"},
                                    headers={"X-API-Key": first})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert (await client.post("/api/v1/sql", json=payload, headers={"X-API-Key": second})).status_code == 200
