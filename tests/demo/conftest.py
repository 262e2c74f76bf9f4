"""One demo shop server and HTTP client per test module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sightsearch.demo import DemoServer


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    demo = DemoServer().start()
    yield demo
    demo.stop()


@pytest.fixture(scope="module")
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http
