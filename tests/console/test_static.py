"""``sightsearch serve`` serves the console at / with client routes that survive a reload and a strict CSP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import sightsearch.api.console as console
from sightsearch.api import create_app
from sightsearch.config import Settings
from tests.api.conftest import client_for
from tests.console.node import BUILD

INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head></html>'


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in build (index + one hashed asset), so these tests need no Node."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "assets" / "app-abc123.js").write_text("console.log('app')", encoding="utf-8")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    monkeypatch.setattr(console, "CONSOLE_DIR", tmp_path)
    return tmp_path


@pytest.fixture
async def client(build: Path, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    async with client_for(create_app(settings)) as api:
        yield api


@pytest.mark.parametrize("path", ["/", "/dashboard", "/products", "/products/42", "/failures/7/anything", "/ask"])
async def test_client_routes_answer_with_the_app_and_its_policy(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_for_good(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/app-abc123.js")
    assert response.status_code == 200 and response.text == "console.log('app')"
    assert "immutable" in response.headers["cache-control"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert (await client.get("/assets/missing.js")).status_code == 404
    assert (await client.get("/favicon.svg")).status_code == 200


async def test_the_api_keeps_its_own_answers(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (await client.get("/elsewhere")).json()["error"]["code"] == "not_found"
    assert (await client.post("/products")).status_code == 405
    assert (await client.get("/health")).json() == {"status": "ok"}
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/v1/metrics/dashboard" in paths
    assert not [path for path in paths if not path.startswith(("/api/v1/", "/health", "/ready", "/metrics"))]


async def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "CONSOLE_DIR", tmp_path / "not-built")
    async with client_for(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))) as api:
        response = await api.get("/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "console_not_built"
    assert "make install" in response.json()["error"]["message"]


def test_the_real_build_runs_under_the_policy() -> None:
    """Vite's output has no inline script or style, which the policy would block."""
    index = BUILD / "index.html"
    if not index.is_file():
        pytest.skip("the console is not built (make install builds it when Node is present)")
    html = index.read_text(encoding="utf-8")
    assert re.search(r'<script type="module" crossorigin src="/assets/index-[\w-]+\.js"></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
