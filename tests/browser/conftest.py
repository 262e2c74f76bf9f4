"""Fixtures for the browser tests: the real Chromium (a missing one fails with the install hint), the demo shop.

Nothing is skipped: CI installs chromium and chromium-driver, and a machine without them gets a failure that says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sightsearch.config import Settings
from sightsearch.crawl import FetchedPage
from sightsearch.crawl.browser import BrowserNotInstalledError, check_browser_installed
from sightsearch.demo import DemoServer
from sightsearch.extract import extract_product

JS_PRODUCTS = 12


def browser_settings(**overrides: Any) -> Settings:
    """Small, fast limits; no .env is read."""
    values: dict[str, Any] = dict(
        _env_file=None, browser_sessions=1, request_timeout=15, browser_wait_timeout=8, backoff_base=0.05,
        backoff_max=0.2, max_retry_after=2, download_images=False,
    )
    return Settings(**(values | overrides))


@pytest.fixture(scope="session", autouse=True)
def chromium_installed() -> None:
    try:
        check_browser_installed(browser_settings())
    except BrowserNotInstalledError as err:
        pytest.fail(f"the browser tests need Chromium: {err}", pytrace=False)


@pytest.fixture(scope="module")
def shop() -> Iterator[DemoServer]:
    """A small demo shop with 12 JavaScript-only products and no transient failures."""
    server = DemoServer(products=60, js_products=JS_PRODUCTS, transient_failures=False).start()
    yield server
    server.stop()


@pytest.fixture
def missing_binary(tmp_path: Path) -> Path:
    return tmp_path / "no-chromium-here"


def has_product(page: FetchedPage) -> bool:
    """What the runner passes to ``AutoRenderFetcher``: does extraction find a product on this page?"""
    return extract_product(page.body or page.text, page.url).is_product()
