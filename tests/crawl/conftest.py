"""Fixtures for the crawl tests: a real HTTP server on 127.0.0.1, and fast crawl settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawl_site import LocalSite, start_site
from sightsearch.config import Settings


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A fresh local site per test, on a free port, stopped afterwards."""
    local, server, thread = start_site()
    yield local
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def settings() -> Settings:
    """Settings with small limits and delays so the tests stay fast; no .env is read."""
    return Settings(
        _env_file=None,
        concurrency=4,
        per_domain_concurrency=4,
        per_domain_delay=0.0,
        request_timeout=2.0,
        max_page_bytes=50_000,
        max_redirects=3,
        max_retries=2,
        backoff_base=0.05,
        backoff_max=0.2,
        max_retry_after=5.0,
    )
