"""The distributed mode end to end: real Redis, real Celery worker processes, the demo shop, a shared SQLite store.

Compared with the embedded crawl on the same code (the extractor improves independently, so no fixed numbers).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sightsearch.config import Settings
from sightsearch.demo import running_demo_site
from sightsearch.runner import EmbeddedRun, RunSummary
from sightsearch.storage.db import create_db_engine, session_scope
from sightsearch.storage.models import CrawlRun, PriceObservation, Product
from sightsearch.workers import run_distributed
from tests.distributed.fleet import Fleet, wait_for, worker_env
from tests.distributed.local_site import links_page, logging_site

pytestmark = pytest.mark.slow
SHOP = {"products": 90}
ProductRow = tuple[str, str, str | None, str | None, str | None, str | None]


def client_settings(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> Settings:
    """The submitting side reads the same SIGHTSEARCH_ environment as the workers."""
    for name, value in env.items():
        if name.startswith("SIGHTSEARCH_"):
            monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def products(database_url: str) -> dict[str, ProductRow]:
    """Products by URL path (the two crawls hit shops on different ports)."""
    engine = create_db_engine(database_url)
    with session_scope(engine) as session:
        rows = {p.url.split("/", 3)[3]: (p.product_key.split("/", 3)[-1], p.title, p.sku, str(p.price), p.currency,
                                         p.availability) for p in session.scalars(select(Product))}
        assert session.scalar(select(func.count()).select_from(Product)) == len(rows)
    engine.dispose()
    return rows


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, ProductRow], RunSummary]:
    url = f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'store.db'}"
    settings = Settings(_env_file=None, database_url=url, backoff_base=0.05, backoff_max=0.5, max_retry_after=3)
    with running_demo_site(**SHOP) as base:
        summary = asyncio.run(EmbeddedRun(settings, max_pages=2000).execute([base + "/"]))
    return products(url), summary


def test_two_workers_load_what_the_embedded_crawl_loads(
    fleet: Fleet, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    embedded: tuple[dict[str, ProductRow], RunSummary],
) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = worker_env(redis_url, store, tmp_path)
    fleet.start_many(["w1", "w2"], env)
    seen: list[Mapping[str, int]] = []
    with running_demo_site(**SHOP) as base:
        summary = run_distributed([base + "/"], client_settings(monkeypatch, env), 2000, seen.append, timeout=150)
    expected, reference = embedded
    assert summary.status == "finished"
    assert products(store) == expected
    for name in ("pages_fetched", "products_found", "loaded", "rejected", "robots_blocked"):
        assert summary.counts[name] == reference.counts[name], name
    assert summary.counts["retries"] > 0 and summary.counts.get("pages_failed", 0) == 0  # 429/503 retried, not lost
    assert seen[-1]["pages"] == reference.counts["pages_fetched"] and seen[-1]["loaded"] == len(expected)
    engine = create_db_engine(store)
    with session_scope(engine) as session:
        run = session.get(CrawlRun, summary.run_id)
        assert run is not None and run.status == "finished" and run.mode == "distributed"
        assert run.counts["loaded"] == len(expected) and run.counts.get("image_groups", 0) == reference.counts["image_groups"]
    logs = fleet.log("w1") + fleet.log("w2")
    done = re.findall(r"Task sightsearch\.fetch_page\[(\S+)\] succeeded", logs)
    assert "fetch_page" in fleet.log("w1") and "fetch_page" in fleet.log("w2")  # both workers fetched
    # At-least-once delivery: with the tests' short visibility timeout a slow task may be redelivered and run again
    # (harmlessly: its page is no longer pending). A task copied into several queues would run 3x over.
    assert len(set(done)) <= summary.counts["admitted"] and len(done) < 1.5 * len(set(done))


def test_a_worker_killed_mid_run_loses_no_page_and_doubles_no_product(
    fleet: Fleet, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    embedded: tuple[dict[str, ProductRow], RunSummary],
) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = worker_env(redis_url, store, tmp_path)
    fleet.start_many(["w1", "w2"], env)
    seen: list[Mapping[str, int]] = []
    settings = client_settings(monkeypatch, env)
    with running_demo_site(**SHOP) as base, ThreadPoolExecutor(1) as pool:
        running: Future[RunSummary] = pool.submit(run_distributed, [base + "/"], settings, 2000, seen.append,
                                                  timeout=150)
        wait_for(lambda: bool(seen) and seen[-1]["pages"] >= 30 or running.done(), 90, "30 pages")
        fleet.kill("w1")  # SIGKILL to the worker and its pool: its reserved tasks are unacked in Redis
        summary = running.result(timeout=170)
    expected, reference = embedded
    assert summary.status == "finished"
    assert products(store) == expected
    assert summary.counts["pages_fetched"] == reference.counts["pages_fetched"]  # each page counted exactly once
    assert summary.counts["loaded"] == len(expected)
    engine = create_db_engine(store)
    with session_scope(engine) as session:  # no product loaded twice into the price history either
        assert session.scalar(select(func.count()).select_from(PriceObservation)) == len(expected)


def test_the_task_of_a_killed_worker_is_redelivered_within_seconds(
    fleet: Fleet, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    with logging_site() as site:
        site.page("/", links_page(["/slow"]))
        site.routes["/slow"] = lambda n: (release.wait(30) if n == 0 else None) or (200, {}, "<html>done</html>")
        env = worker_env(redis_url, f"sqlite:///{tmp_path / 'store.db'}", tmp_path, RESPECT_ROBOTS="false",
                         RENDER="never")
        fleet.start_many(["a", "b"], env)
        settings = client_settings(monkeypatch, env)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(run_distributed, [site.url("/")], settings, 10, None, timeout=90)
            wait_for(lambda: site.count("/slow") == 1, 60, "the slow page to be requested")
            victim = next(h.agent for h in site.hits if h.path == "/slow")
            killed = time.monotonic()
            fleet.kill(victim.rsplit("-", 1)[1])
            wait_for(lambda: site.count("/slow") == 2, 60, "the slow page to be requested again")
            redelivered = site.times("/slow")[1] - killed
            release.set()
            summary = running.result(timeout=90)
    print(f"task of a SIGKILLed worker redelivered after {redelivered:.1f}s "
          f"(visibility timeout {settings.broker_visibility_timeout:g}s, sweep every {settings.broker_restore_interval:g}s)")
    assert redelivered < settings.broker_visibility_timeout + settings.broker_restore_interval + 6
    assert summary.status == "finished" and summary.counts["pages_fetched"] == 2


def test_three_workers_share_one_domain_rate_and_retry_transient_errors(
    fleet: Fleet, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages = [f"/item/{i}" for i in range(12)]
    with logging_site() as polite, logging_site() as flaky:
        polite.page("/robots.txt", "User-agent: *\nCrawl-delay: 0.5\n", headers={"Content-Type": "text/plain"})
        polite.page("/", links_page(pages))
        for path in pages:
            polite.page(path, f"<html><body>{path}</body></html>")
        flaky.page("/", links_page(["/503-once", "/429-once", "/gone", "/broken"]))
        flaky.routes["/503-once"] = lambda n: (503, {}, "busy") if n == 0 else (200, {}, "<html>ok</html>")
        flaky.routes["/429-once"] = lambda n: (429, {"Retry-After": "1"}, "slow down") if n == 0 else (200, {}, "ok")
        flaky.page("/broken", "oops", status=500)
        env = worker_env(redis_url, f"sqlite:///{tmp_path / 'store.db'}", tmp_path, DOMAIN_RATE="5", DOMAIN_BURST="1",
                         PER_DOMAIN_DELAY="0.3", RENDER="never")
        fleet.start_many(["w1", "w2", "w3"], env)
        settings = client_settings(monkeypatch, env)
        began = time.monotonic()
        summary = run_distributed([polite.url("/"), flaky.url("/")], settings, 100, None, timeout=120)
        print(f"run took {time.monotonic() - began:.1f}s; polite site hits at",
              [round(t - began, 2) for t in polite.times()], "flaky", [(h.path, round(h.at - began, 2)) for h in flaky.hits])

        starts = [h.at for h in sorted(polite.hits, key=lambda h: h.at) if h.path != "/robots.txt"]
        agents = {h.agent for h in polite.hits if h.path != "/robots.txt"}
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        retried_429 = flaky.times("/429-once")
    assert summary.status == "finished" and len(starts) == 13
    assert len(agents) >= 2, agents  # the fleet shared the site, and still:
    # Crawl-delay 0.5 s wins over 5/s and the 0.3 s delay. The bucket spaces its grants exactly; what the server sees
    # also carries each worker's scheduling jitter on a loaded machine, hence the tolerance on single gaps.
    assert min(gaps) >= 0.5 - 0.2, gaps
    assert all(b - a >= 4 * 0.5 - 0.2 for a, b in zip(starts, starts[4:])), gaps  # no burst over any 5 requests
    assert starts[-1] - starts[0] >= 12 * 0.5 - 0.2  # and on average never faster
    assert retried_429[1] - retried_429[0] >= 1.0 - 0.05  # Retry-After honoured
    assert summary.counts["pages_failed"] == 2 and summary.counts["retries"] >= 4  # 503, 429, and /broken twice
    engine = create_db_engine(settings.database_url)
    from sightsearch.storage.models import DeadLetter

    with session_scope(engine) as session:
        letters = {d.url.rsplit("/", 1)[1]: d for d in session.scalars(select(DeadLetter).where(DeadLetter.stage == "fetch"))}
    assert set(letters) == {"gone", "broken"}
    assert letters["gone"].reason == "HTTP 404" and letters["gone"].payload["attempt"] == 0
    assert letters["broken"].reason == "HTTP 500" and letters["broken"].payload["attempt"] == settings.max_retries




@pytest.mark.parametrize("mode", ["embedded", "distributed"])
def test_a_run_stops_starting_pages_at_its_time_limit(
    mode: str, fleet: Fleet, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both modes: after max_run_seconds no page starts; a page of the budget is fetched or counted as skipped,
    and every product fetched is loaded."""
    pages = [f"/p/{i}" for i in range(40)]
    with logging_site() as site:
        site.page("/", links_page(pages))
        for path in pages:
            site.page(path, f'<html><head><title>Kettle {path}</title></head><body><h1>Kettle {path}</h1>'
                            f'<span class="price">$1{len(path)}.00</span><p>SKU: K{path[3:]}00</p></body></html>')
        store = f"sqlite:///{tmp_path / 'store.db'}"
        # One page every 0.25 s: the 41 pages would take 10 s; the run may start pages for 1.5 s.
        env = worker_env(redis_url, store, tmp_path, DOMAIN_RATE="4", DOMAIN_BURST="1", PER_DOMAIN_DELAY="0.25",
                         RENDER="never", MAX_RUN_SECONDS="1.5", DOWNLOAD_IMAGES="false")
        settings = client_settings(monkeypatch, env)
        began = time.monotonic()
        if mode == "embedded":
            summary = asyncio.run(EmbeddedRun(settings, max_pages=100).execute([site.url("/")]))
        else:
            fleet.start_many(["w1"], env)
            summary = run_distributed([site.url("/")], settings, 100, None, timeout=120)
        fetched = [hit for hit in site.hits if hit.path != "/robots.txt"]
    counts = summary.counts
    assert summary.status == "finished"
    assert 1 < len(fetched) < len(pages) and counts["pages_fetched"] == len(fetched)
    assert counts["pages_fetched"] + counts["time_limit_skipped"] == len(pages) + 1  # the 40 products and "/"
    assert max(hit.at for hit in fetched) - began < 1.5 + 5  # the last page started near the limit, not at 10 s
    assert counts["products_found"] > 0 and len(products(store)) == counts["loaded"] == counts["products_found"]


@pytest.mark.parametrize("mode", ["embedded", "distributed"])
def test_the_sitemaps_robots_txt_lists_are_followed_when_asked(
    mode: str, fleet: Fleet, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both modes, with follow_sitemaps: a seed whose page links nowhere reaches the products its site's robots.txt
    sitemap index lists (a child sitemap, one more on another host is out of scope); without it, only the seed."""
    pages = [f"/p/{i}" for i in range(6)]
    with logging_site() as site:
        site.page("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {site.url('/sitemap-index.xml')}\n"
                                 "Sitemap: /sitemap-index.xml\n", headers={"Content-Type": "text/plain"})
        site.page("/sitemap-index.xml", '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                  f'<sitemap><loc>{site.url("/sitemap-products.xml")}</loc></sitemap>'
                  '<sitemap><loc>https://elsewhere.example/sitemap.xml</loc></sitemap></sitemapindex>',
                  headers={"Content-Type": "application/xml"})
        site.page("/sitemap-products.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                  + "".join(f"<url><loc>{site.url(path)}</loc></url>" for path in pages) + "</urlset>",
                  headers={"Content-Type": "application/xml"})
        site.page("/", "<html><body><h1>Welcome</h1></body></html>")
        for path in pages:
            site.page(path, f'<html><head><title>Kettle {path}</title></head><body><h1>Kettle {path}</h1>'
                            f'<span class="price">$1{len(path)}.00</span><p>SKU: K{path[3:]}00</p></body></html>')
        results = {}
        for follow in (False, True):
            store = f"sqlite:///{tmp_path / f'store-{follow}.db'}"
            env = worker_env(redis_url, store, tmp_path, RENDER="never", DOWNLOAD_IMAGES="false",
                             FOLLOW_SITEMAPS=str(follow).lower())
            settings = client_settings(monkeypatch, env)
            if mode == "embedded":
                summary = asyncio.run(EmbeddedRun(settings, max_pages=100).execute([site.url("/")]))
            else:
                fleet.start_many([f"w-{follow}"], env)  # the workers follow the submitting side's setting
                summary = run_distributed([site.url("/")], settings, 100, None, timeout=120)
                fleet.stop()
            results[follow] = (summary, products(store))
            assert summary.status == "finished"
    without, _ = results[False]
    summary, loaded = results[True]
    assert without.counts["pages_fetched"] == 1 and without.counts.get("products_found", 0) == 0
    assert sorted(path for path in loaded) == sorted(path.lstrip("/") for path in pages)
    assert summary.counts["pages_fetched"] == 1 + 2 + len(pages)  # the seed, the index, the child, the products
    assert site.count("/sitemap-index.xml") == 1 and site.count("/sitemap-products.xml") == 1
