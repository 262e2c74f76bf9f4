"""The crawl contract, run in both modes: the embedded one (asyncio in this process) and the distributed one (real
Celery workers on a real Redis). Same shop, same settings: the same products, dead letters and run status."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.distributed.fleet import Fleet
from tests.distributed.local_site import logging_site
from tests.distributed.proxy_servers import proxy
from tests.modes.shop import Crawled, build_shop, contract_spec, crawl_distributed, crawl_embedded, fast

pytestmark = pytest.mark.slow
MODES = ("embedded", "distributed")


@pytest.fixture(params=MODES)
def crawl(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``crawl(seeds, spec, env) -> Crawled`` in the parametrized mode."""
    if request.param == "embedded":
        return lambda seeds, spec, env: crawl_embedded(tmp_path, seeds, spec, env, monkeypatch)
    fleet: Fleet = request.getfixturevalue("fleet")
    redis_url: str = request.getfixturevalue("redis_url")
    return lambda seeds, spec, env: crawl_distributed(tmp_path, seeds, spec, env, fleet, redis_url, monkeypatch)


EXPECTED_PRODUCTS = {
    ("p/lamp", "sku:LMP-7", "Lumo", "42.5000", "USD"),  # sku and brand only through the site spec
    ("p/torbica", "url:/p/torbica", None, "349.9900", "HRK"),  # kuna: extracted, and accepted by validation
}
EXPECTED_DEAD_LETTERS = {
    ("fetch", "p/gone", "HTTP 404"),
    ("validate", "p/broken", "price"),
}


def test_site_spec_kuna_and_failures_give_the_same_store(crawl: Any) -> None:
    with logging_site() as site:
        build_shop(site)
        crawled: Crawled = crawl([site.url("/")], contract_spec(), fast())
    assert (crawled.status, crawled.error) == ("finished", None)
    assert crawled.products == EXPECTED_PRODUCTS
    assert crawled.dead_letters == EXPECTED_DEAD_LETTERS


def test_proxies_carry_every_request(crawl: Any) -> None:
    with logging_site() as site, proxy() as (server, proxy_url):
        build_shop(site)
        crawled: Crawled = crawl([site.url("/")], contract_spec(), fast(proxies=f'["{proxy_url}"]'))
        through_proxy = server.seen  # type: ignore[attr-defined]
    assert crawled.status == "finished" and crawled.products == EXPECTED_PRODUCTS
    assert through_proxy == len(site.hits) >= 6  # robots.txt, home, four product pages: all through the proxy


def test_a_run_whose_every_seed_fails_ends_failed_with_the_reason(crawl: Any) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        seed = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    crawled: Crawled = crawl([seed], None, fast())
    assert crawled.status == "failed" and crawled.products == set()
    assert crawled.error is not None and crawled.error.startswith("every seed failed, nothing was fetched")
    assert {stage for stage, _, _ in crawled.dead_letters} == {"fetch"}
