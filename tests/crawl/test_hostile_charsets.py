"""Hostile charset labels (``charset=zlib``: a Python codec that is no text encoding) on pages and on robots.txt:
the embedded run finishes, every page is decoded by detection, and an error nobody foresaw fails one page, not the run.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from crawl_site import LocalSite
from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest, FetchedPage, HttpFetcher, RobotsPolicy
from sightsearch.crawl.base import Fetcher
from sightsearch.crawl.decode import decode_body
from sightsearch.crawl.page import PageHandler
from sightsearch.crawl.politeness import LocalPoliteness
from sightsearch.events.bus import MemoryBus
from sightsearch.runner import EmbeddedRun, RunSummary
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, Product

# Python codecs that are no text encoding (LookupError before the fix) and text codecs no browser knows
# (UnicodeError, or an empty page for punycode); utf-7 and unicode_escape would smuggle markup past a browser's view.
HOSTILE = ["zlib", "base64", "hex", "rot13", "bz2", "uu", "quopri", "undefined", "idna", "punycode", "utf-7",
           "unicode_escape", "x-user-defined"]
TITLE = "Wasserkocher – Edelstahl {}"  # non-ASCII: decoded right only when detection reads the UTF-8


def product_page(name: str, price: str, meta_charset: str | None = None) -> str:
    offer = {"@type": "Offer", "price": price, "priceCurrency": "EUR", "availability": "https://schema.org/InStock"}
    sku = name.rsplit(" – ", 1)[-1]
    data = {"@context": "https://schema.org", "@type": "Product", "name": name, "sku": sku, "offers": offer}
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return (f"<html><head>{meta}<title>{name}</title><script type='application/ld+json'>{json.dumps(data)}"
            f"</script></head><body><h1>{name}</h1><p>{price} €</p></body></html>")


def run_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, render="never", download_images=False, per_domain_delay=0.0, request_timeout=5.0,
                    data_dir=tmp_path, backoff_base=0.05, backoff_max=0.2)


async def crawl(site: LocalSite, engine: Engine, tmp_path: Path) -> RunSummary:
    return await EmbeddedRun(run_settings(tmp_path), engine=engine, max_pages=100).execute([site.url("/shop")])


def stored(engine: Engine) -> tuple[set[str], list[tuple[str, str]]]:
    with session_scope(engine) as session:
        titles = set(session.scalars(select(Product.title)))
        dead = [(item.stage, item.reason) for item in session.scalars(select(DeadLetter))]
    return titles, dead


async def test_hostile_labels_on_pages_are_ignored_and_the_pages_detected(site: LocalSite, sqlite_engine: Engine,
                                                                          tmp_path: Path) -> None:
    paths = {"/p/plain": (TITLE.format("plain"), None, "text/html; charset=utf-8")}
    for label in HOSTILE:
        paths[f"/p/header-{label}"] = (TITLE.format(f"header {label}"), None, f"text/html; charset={label}")
        paths[f"/p/meta-{label}"] = (TITLE.format(f"meta {label}"), label, "text/html")
        paths[f"/p/both-{label}"] = (TITLE.format(f"both {label}"), label, f"text/html;charset=\"{label}\"")
    for path, (name, meta, content_type) in paths.items():
        site.page(path, product_page(name, "24.90", meta).encode(), content_type=content_type)
    site.page("/shop", "<html><body>" + "".join(f'<a href="{path}">{path}</a>' for path in paths) + "</body></html>")
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")

    summary = await crawl(site, sqlite_engine, tmp_path)

    assert summary.status == "finished"
    titles, dead = stored(sqlite_engine)
    assert titles == {name for name, _, _ in paths.values()}  # every page loaded, its title decoded as UTF-8
    assert dead == []


@pytest.mark.parametrize("label", HOSTILE)
async def test_a_hostile_label_on_robots_txt_is_ignored_and_the_file_still_obeyed(
        label: str, site: LocalSite, sqlite_engine: Engine, tmp_path: Path) -> None:
    site.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type=f"text/plain; charset={label}")
    site.page("/shop", '<html><body><a href="/p/1">1</a><a href="/private/p/2">2</a></body></html>')
    site.page("/p/1", product_page(TITLE.format(1), "9.50"))
    site.page("/private/p/2", product_page(TITLE.format(2), "9.50"))

    summary = await crawl(site, sqlite_engine, tmp_path)

    assert summary.status == "finished"
    assert stored(sqlite_engine) == ({TITLE.format(1)}, [])
    assert site.count("/private/p/2") == 0  # robots.txt was read, not skipped


@pytest.mark.parametrize("label", HOSTILE)
def test_decode_body_ignores_the_label_and_detects(label: str) -> None:
    body = product_page(TITLE.format(label), "1.00", label).encode("cp1252")
    text, encoding = decode_body(body, f"text/html; charset={label}")
    assert encoding == "cp1252" and TITLE.format(label) in text


class BuggyFetcher(Fetcher):
    """The real HTTP fetcher, but fetching ``broken`` raises an error no code foresaw (a bug, as the LookupError of
    ``charset=zlib`` was): the only way left to reach the page handler's safety net now that decoding is fixed."""

    def __init__(self, inner: HttpFetcher, broken: str) -> None:
        self.inner, self.broken = inner, broken

    async def fetch(self, request: CrawlRequest) -> FetchedPage:
        if request.url == self.broken:
            raise LookupError("unknown encoding: zlib")
        return await self.inner.fetch(request)


async def handle(site: LocalSite, settings: Settings, robots_text: Callable[[str], Awaitable[str | None]] | None,
                 broken: str, path: str):  # type: ignore[no-untyped-def]
    async with HttpFetcher(settings) as http:
        robots = RobotsPolicy(robots_text, settings.user_agent) if robots_text else None
        handler = PageHandler(settings, "run-1", BuggyFetcher(http, site.url(broken)), LocalPoliteness(settings),
                              MemoryBus(), robots=robots)
        return await handler.handle(CrawlRequest(url=site.url(path), kind="product"))


async def test_an_unforeseen_error_while_fetching_fails_that_page_with_the_reason(site: LocalSite,
                                                                                  settings: Settings) -> None:
    site.page("/p/1", product_page(TITLE.format(1), "9.50"))
    failed = await handle(site, settings, None, "/p/2", "/p/2")
    assert failed.status == "failed" and failed.page is None
    [(stage, reason, payload)] = failed.dead_letters
    assert stage == "fetch" and "LookupError: unknown encoding: zlib" in reason and payload["url"] == site.url("/p/2")
    fine = await handle(site, settings, None, "/p/2", "/p/1")
    assert fine.status == "fetched" and fine.record is not None


async def test_an_unforeseen_error_reading_robots_txt_allows_the_site(site: LocalSite, settings: Settings) -> None:
    site.page("/p/1", product_page(TITLE.format(1), "9.50"))

    async def broken_robots(url: str) -> str | None:
        raise LookupError("unknown encoding: zlib")

    outcome = await handle(site, settings, broken_robots, "/none", "/p/1")
    assert outcome.status == "fetched" and outcome.record is not None
