"""A small shop for the crawl contract: a page only a site spec reads fully, a kuna-priced page, a broken product,
a missing page; and the two ways of crawling it (embedded, or Celery workers) reduced to comparable results."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sightsearch.config import Settings
from sightsearch.extract import SiteSpec, parse_spec
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import CrawlRun, DeadLetter, Product
from sightsearch.workers import run_distributed
from tests.distributed.fleet import Fleet, worker_env
from tests.distributed.local_site import LoggingSite

SPEC: dict[str, Any] = {"name": "contract-shop", "match": "127.0.0.1",
                        "fields": {"sku": {"css": ".ref"}, "brand": {"css": ".maker"}}}


def page(title: str, body: str, lang: str = "en") -> str:
    return f"<html lang='{lang}'><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


def build_shop(site: LoggingSite) -> None:
    links = "".join(f"<a href='/p/{name}'>{name}</a>" for name in ("lamp", "torbica", "broken", "gone"))
    site.page("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
    site.page("/", page("Shop", f"<nav>{links}</nav>"))
    site.page("/p/lamp", page("Desk lamp Nova", "<p class='price'>$42.50</p><span class='ref'>LMP-7</span>"
                                                "<span class='maker'>Lumo</span><button>Add to cart</button>"))
    site.page("/p/torbica", page("Kožna torbica", "<p class='price'>349,99 kn</p><button>Dodaj u košaricu</button>",
                                 lang="hr"))
    site.page("/p/broken", page("Garden hose", "<p>Ask us for the price</p><span class='ref'>HOSE-1</span>"))


@dataclass
class Crawled:
    """What a crawl left in its store, independent of ports and run ids."""

    status: str
    error: str | None
    products: set[tuple[str, str | None, str | None, str | None, str | None]]
    dead_letters: set[tuple[str, str, str]]


def read_store(database_url: str, run_id: str) -> Crawled:
    engine = create_db_engine(database_url)
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        products = {(p.url.split("/", 3)[3], p.product_key, p.brand, str(p.price), p.currency)
                    for p in session.scalars(select(Product))}
        letters = {(d.stage, (d.url or "").split("/", 3)[-1], d.reason.split(":")[0])
                   for d in session.scalars(select(DeadLetter))}
        crawled = Crawled(run.status, run.error, products, letters)
    engine.dispose()
    return crawled


def fast(**overrides: Any) -> dict[str, str]:
    """Quick retries for both modes, as strings for the workers' environment."""
    return {"BACKOFF_BASE": "0.05", "BACKOFF_MAX": "0.3", "MAX_RETRIES": "1", "DOWNLOAD_IMAGES": "false",
            "RENDER": "never", **{k.upper(): str(v) for k, v in overrides.items()}}


def crawl_embedded(tmp: Path, seeds: list[str], spec: SiteSpec | None, env: dict[str, str],
                   monkeypatch: pytest.MonkeyPatch) -> Crawled:
    url = f"sqlite:///{tmp / 'embedded.db'}"
    for name, value in {**env, "DATABASE_URL": url, "DATA_DIR": str(tmp / "state")}.items():
        monkeypatch.setenv(f"SIGHTSEARCH_{name}", value)  # read as the workers read theirs
    settings = Settings(_env_file=None)
    engine = create_db_engine(url)
    upgrade_schema(engine)
    summary = asyncio.run(EmbeddedRun(settings, spec=spec, max_pages=50, engine=engine).execute(seeds))
    engine.dispose()
    return read_store(url, summary.run_id)


def crawl_distributed(tmp: Path, seeds: list[str], spec: SiteSpec | None, env: dict[str, str], fleet: Fleet,
                      redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Crawled:
    url = f"sqlite:///{tmp / 'distributed.db'}"
    worker = worker_env(redis_url, url, tmp, **env)
    fleet.start_many(["w1"], worker)
    for name, value in worker.items():
        if name.startswith("SIGHTSEARCH_"):
            monkeypatch.setenv(name, value)
    summary = run_distributed(seeds, Settings(_env_file=None), 50, spec=spec, timeout=120)
    return read_store(url, summary.run_id)


def contract_spec() -> SiteSpec:
    return parse_spec(SPEC)
