"""One error shape everywhere, no traceback on a 500, body limits, CORS off by default, health/ready/metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine

from sightsearch.api import create_app
from sightsearch.storage.db import create_db_engine
from tests.api.conftest import api_settings, client_for, new_key


def assert_error(response: object, status: int, code: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


async def test_unhandled_error_is_a_500_without_traceback(sqlite_engine: Engine,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(api_settings(), engine=sqlite_engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/shadow line 42")

    async with client_for(app) as api:
        response = await api.get("/boom")
    assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text
    incident = response.json()["error"]["details"]["incident"]
    assert any(incident in record.getMessage() and record.exc_info for record in caplog.records), "logged with its id"


async def test_errors_share_one_shape(sqlite_engine: Engine) -> None:
    key = new_key(sqlite_engine)
    async with client_for(create_app(api_settings(api_max_body_bytes=2048), engine=sqlite_engine)) as api:
        assert_error(await api.get("/api/v1/nowhere"), 404, "not_found")
        assert_error(await api.delete("/api/v1/products"), 405, "method_not_allowed")
        assert_error(await api.get("/api/v1/products/abc"), 422, "validation_error")
        assert_error(await api.post("/api/v1/runs", content=b"{not json", headers={"X-API-Key": key,
                                                                                  "Content-Type": "application/json"}),
                     422, "validation_error")
        big = {"seeds": ["https://example.com/" + "a" * 2000] * 3}
        assert_error(await api.post("/api/v1/runs", json=big, headers={"X-API-Key": key}), 413, "payload_too_large")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit applies while streaming
            for _ in range(10):
                yield b" " * 1000

        json_headers = {"X-API-Key": key, "Content-Type": "application/json"}
        assert_error(await api.post("/api/v1/runs", content=chunks(), headers=json_headers), 413, "payload_too_large")


async def test_cors_is_off_unless_configured(sqlite_engine: Engine) -> None:
    preflight = {"Origin": "https://dash.example", "Access-Control-Request-Method": "GET"}
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        response = await api.get("/api/v1/products", headers={"Origin": "https://dash.example"})
        assert "access-control-allow-origin" not in response.headers
    app = create_app(api_settings(api_cors_origins=["https://dash.example"]), engine=sqlite_engine)
    async with client_for(app) as api:
        response = await api.options("/api/v1/products", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://dash.example"
        other = await api.get("/api/v1/products", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_health_ready_and_prometheus_metrics(engine: Engine) -> None:
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        assert (await api.get("/health")).json() == {"status": "ok"}
        ready = await api.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        await api.get("/api/v1/products")
        await api.get("/api/v1/products/12345")
        text = (await api.get("/metrics")).text
    assert "sightsearch_products 0.0" in text
    assert 'sightsearch_api_requests_total{method="GET",route="/api/v1/products/{product_id}",status="404"} 1.0' in text
    assert 'sightsearch_api_request_seconds_bucket{le="0.005",method="GET",route="/api/v1/products"}' in text
    assert "# TYPE sightsearch_dead_letters_open gauge" in text


async def test_ready_reports_an_unmigrated_or_unreachable_database(tmp_path: object) -> None:
    fresh = create_db_engine(f"sqlite:///{tmp_path}/empty.db")
    async with client_for(create_app(api_settings(), engine=fresh)) as api:
        assert_error(await api.get("/ready"), 503, "schema_outdated")
        assert (await api.get("/health")).status_code == 200
    gone = create_db_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    async with client_for(create_app(api_settings(), engine=gone)) as api:
        assert_error(await api.get("/ready"), 503, "database_unavailable")


def test_app_creation_opens_no_connection(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/never/created.db"
    app = create_app(api_settings(database_url=url))
    assert app.openapi()["paths"] and app.state.api._engine is None
