"""The console end to end: Debian's Chromium (Playwright) against a real `sightsearch serve` over the demo shop.

The store is filled by crawling the demo shop (without retries, so its transiently failing pages become replayable
dead letters); reads need a key (SIGHTSEARCH_API_READ_REQUIRES_KEY=true), which the browser is given only by typing
it. The Playwright specs (console/e2e/) check every page against this store; screenshots of each page at 1280 and
390 px go to console/test-results/screens/.
"""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from sightsearch.api.keys import create_api_key
from sightsearch.config import Settings
from sightsearch.demo import running_demo_site
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import ImageRecord, Product
from tests.console.node import ARTEFACTS, BUILD, assert_ok, require_node, run_npm
from tests.console.server import running_server

pytestmark = pytest.mark.slow
SHOP = {"products": 240}  # from 230 products on, the shop has near-duplicate image groups


def crawl(base_url: str, engine: Engine) -> None:
    settings = Settings(max_retries=0, render="never", backoff_base=0.05, backoff_max=0.5)
    asyncio.run(EmbeddedRun(settings, engine=engine, max_pages=600).execute([base_url + "/"]))


def pick_examples(engine: Engine, demo_url: str) -> dict[str, str]:
    """A product with a near-duplicate group (deep link) and one whose first picture the search must find."""
    with session_scope(engine) as session:
        products = session.scalar(select(func.count(Product.id)))
        grouped_url = session.scalar(select(ImageRecord.url).where(ImageRecord.group_key.is_not(None))
                                     .group_by(ImageRecord.url).order_by(ImageRecord.url).limit(1))
        with_pictures = [p for p in session.scalars(select(Product).order_by(Product.id)) if p.images]
        deep = next(p for p in with_pictures if grouped_url in p.images) if grouped_url else with_pictures[0]
        searched = with_pictures[len(with_pictures) // 2]
        return {"EXPECTED_PRODUCTS": str(products), "DEEP_LINK_PRODUCT": str(deep.id), "DEEP_LINK_TITLE": deep.title,
                "DEMO_IMAGE_URL": searched.images[0], "DEMO_IMAGE_TITLE": searched.title, "DEMO_URL": demo_url}


def initial_js_gzip_bytes(scripts: list[str]) -> int:
    """Gzipped size of the scripts the dashboard loaded, measured on the built files."""
    return sum(len(gzip.compress((BUILD / path.lstrip("/")).read_bytes(), 9)) for path in scripts)


def test_console_end_to_end(tmp_path: Path) -> None:
    require_node()
    if not (BUILD / "index.html").is_file():
        pytest.skip("the console is not built (make install builds it when Node is present)")
    screens, report = ARTEFACTS / "screens", tmp_path / "report.txt"
    database = f"sqlite:///{tmp_path / 'store.db'}"
    engine = create_db_engine(database)
    upgrade_schema(engine)
    with running_demo_site(port=0, **SHOP) as demo_url:
        crawl(demo_url, engine)
        env: dict[str, Any] = pick_examples(engine, demo_url)
        with session_scope(engine) as session:
            _, env["SIGHTSEARCH_E2E_KEY"] = create_api_key(session, "console-e2e")
        image_url = env.pop("DEMO_IMAGE_URL")
        image = tmp_path / f"query-picture{Path(image_url).suffix}"
        image.write_bytes(httpx.get(image_url, timeout=10).raise_for_status().content)
        server_env = {"SIGHTSEARCH_DATABASE_URL": database, "SIGHTSEARCH_API_READ_REQUIRES_KEY": "true",
                      "SIGHTSEARCH_SSRF_ALLOW": '["127.0.0.1"]', "SIGHTSEARCH_RENDER": "never",
                      "SIGHTSEARCH_PER_DOMAIN_DELAY": "0.04"}
        with running_server(server_env, tmp_path / "serve.log") as console_url:
            result = run_npm("exec", "--", "playwright", "test", env={
                **env, "CONSOLE_URL": console_url, "DEMO_IMAGE": str(image), "SCREENSHOT_DIR": str(screens),
                "E2E_REPORT": str(report), "E2E_OUTPUT_DIR": str(ARTEFACTS / "e2e")})
    engine.dispose()
    print(result.stdout[-4000:])
    assert_ok(result)
    lines = report.read_text(encoding="utf-8").splitlines()
    scripts = next(line for line in lines if line.startswith("dashboard scripts:")).split(":", 1)[1].split()
    print(f"console: initial route (/dashboard) loads {len(scripts)} scripts, "
          f"{initial_js_gzip_bytes(scripts) / 1024:.1f} KiB gzipped; " + "; ".join(lines))
    assert initial_js_gzip_bytes(scripts) < 250 * 1024
    assert sorted(p.name for p in screens.glob("*.png")) >= sorted(
        f"{page}-{width}.png" for page in ("dashboard", "products", "product-detail", "search", "runs", "failures", "ask")
        for width in (1280, 390))
