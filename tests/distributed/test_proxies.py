"""Proxy rotation through real forwarding proxies on loopback: round robin, bans, cooldown, retirement, sticky
sessions, and credentials that never show up in reprs, logs or errors."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest
from sightsearch.crawl.proxied import ProxiedFetcher, ProxyBanned
from sightsearch.crawl.proxies import NoProxyAvailable, ProxyPool, mask_proxy_url
from sightsearch.errors import TransientFetchError
from tests.distributed.proxy_servers import origin, proxy

SECRET = "s3cr3t-pw"


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, request_timeout=3.0)


def test_mask_proxy_url() -> None:
    assert mask_proxy_url("http://bob:hunter2@10.0.0.1:3128") == "http://***@10.0.0.1:3128"
    # A key passed as the user name, with or without an empty password, is masked too.
    assert mask_proxy_url("http://KEY123456@10.0.0.1:3128") == "http://***@10.0.0.1:3128"
    assert mask_proxy_url("http://KEY123456:@10.0.0.1:3128") == "http://***@10.0.0.1:3128"
    assert mask_proxy_url("http://10.0.0.1:3128") == "http://10.0.0.1:3128"
    pool = ProxyPool([f"http://bob:{SECRET}@10.0.0.1:3128"])
    assert SECRET not in repr(pool.proxies) and SECRET not in repr(pool.choose())
    assert pool.scrub(f"failed http://bob:{SECRET}@10.0.0.1:3128 ({SECRET})") == "failed http://***@10.0.0.1:3128 (***)"


async def test_round_robin_through_authenticated_proxies(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with origin() as site, proxy(user="alice", password=SECRET) as (first, first_url), proxy() as (second, second_url):
        pool = ProxyPool([first_url, second_url])
        async with ProxiedFetcher(settings, pool) as fetcher:
            for i in range(4):
                page = await fetcher.fetch(CrawlRequest(url=f"http://127.0.0.1:{site.server_address[1]}/p/{i}"))
                assert page.status == 200 and f"page /p/{i}" in page.text
        assert (first.seen, second.seen) == (2, 2)  # type: ignore[attr-defined]
        assert sum(site.hits.values()) == 4  # type: ignore[attr-defined]
    assert SECRET not in caplog.text


@pytest.mark.parametrize("mode", ["403", "captcha"])
async def test_a_banned_proxy_cools_down_and_the_retry_goes_elsewhere(settings: Settings, mode: str) -> None:
    with origin() as site, proxy(mode) as (banning, banning_url), proxy() as (good, good_url):
        pool = ProxyPool([banning_url, good_url], cooldown=60)
        url = f"http://127.0.0.1:{site.server_address[1]}/p/1"
        async with ProxiedFetcher(settings, pool) as fetcher:
            with pytest.raises(ProxyBanned) as banned:
                await fetcher.fetch(CrawlRequest(url=url))
            assert isinstance(banned.value, TransientFetchError)  # retried, with back-off, by the caller
            for _ in range(3):
                assert (await fetcher.fetch(CrawlRequest(url=url))).status == 200
        assert banning.seen == 1 and good.seen == 3  # type: ignore[attr-defined]
        assert pool.proxies[0].bans == 1 and not pool.proxies[0].available(time.monotonic())


async def test_repeated_failures_retire_a_proxy(settings: Settings) -> None:
    with origin() as site, proxy("403") as (_, banning_url):
        pool = ProxyPool([banning_url], cooldown=0, max_failures=2)
        url = f"http://127.0.0.1:{site.server_address[1]}/"
        async with ProxiedFetcher(settings, pool) as fetcher:
            for _ in range(2):
                with pytest.raises(ProxyBanned):
                    await fetcher.fetch(CrawlRequest(url=url))
            with pytest.raises(NoProxyAvailable) as none_left:
                await fetcher.fetch(CrawlRequest(url=url))
        assert pool.proxies[0].retired and none_left.value.retry_after is None


async def test_dead_proxy_fails_over_without_leaking_credentials(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead_url = f"http://carol:{SECRET}@127.0.0.1:{unused.getsockname()[1]}"
    with origin() as site, proxy() as (good, good_url):
        pool = ProxyPool([dead_url, good_url], cooldown=60)
        url = f"http://127.0.0.1:{site.server_address[1]}/"
        async with ProxiedFetcher(settings, pool) as fetcher:
            with pytest.raises(TransientFetchError) as failed:
                await fetcher.fetch(CrawlRequest(url=url))
            assert (await fetcher.fetch(CrawlRequest(url=url))).status == 200
    assert SECRET not in str(failed.value) and "http://***@127.0.0.1" in str(failed.value)
    assert failed.value.__cause__ is None and failed.value.__suppress_context__  # no traceback with the proxy URL
    assert pool.proxies[0].failures == 1 and good.seen == 1  # type: ignore[attr-defined]
    assert SECRET not in caplog.text


async def test_sticky_sessions_keep_a_site_on_one_proxy(settings: Settings) -> None:
    with origin() as site, proxy() as (first, first_url), proxy() as (second, second_url):
        pool = ProxyPool([first_url, second_url], sticky=True)
        base = f"http://127.0.0.1:{site.server_address[1]}"
        async with ProxiedFetcher(settings, pool) as fetcher:
            for i in range(4):
                await fetcher.fetch(CrawlRequest(url=f"{base}/p/{i}"))
        assert sorted([first.seen, second.seen]) == [0, 4]  # type: ignore[attr-defined]


def test_settings_never_show_proxy_credentials() -> None:
    settings = Settings(_env_file=None, proxies=[f"http://u:{SECRET}@10.0.0.1:1"], broker_url=f"redis://:{SECRET}@h:6379/0")
    assert SECRET not in repr(settings) and SECRET not in str(settings)
