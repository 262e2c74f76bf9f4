"""A run submitted through the API goes to the Celery workers when a broker is configured, and stays guarded
there: the workers check every request of such a run against the SSRF rules, unlike a CLI run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sightsearch.api.submit import make_submitter, submit_run
from sightsearch.demo import running_demo_site
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import CrawlRun, DeadLetter, Product
from sightsearch.workers import run_distributed
from tests.distributed.fleet import Fleet, wait_for, worker_env
from tests.distributed.test_distributed_crawl import client_settings

pytestmark = pytest.mark.slow


def test_the_api_submitter_runs_on_the_workers(fleet: Fleet, redis_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = worker_env(redis_url, store, tmp_path)
    fleet.start_many(["w1"], env)
    settings = client_settings(monkeypatch, env)
    engine = create_db_engine(store)
    upgrade_schema(engine)
    submitter = make_submitter(settings, engine)
    assert type(submitter).__name__ == "DistributedSubmitter"

    def finished(run_id: str) -> bool:
        with session_scope(engine) as session:
            run = session.get(CrawlRun, run_id)
            return run is not None and run.status != "running"

    async def submit_and_wait(base: str) -> str:  # one event loop, as in the API process
        run_id = await submit_run(submitter, [base + "/"], 200)
        await asyncio.to_thread(wait_for, lambda: finished(run_id), 150, "the distributed run to finish")
        await submitter.close()
        return run_id

    with running_demo_site(products=60) as base:
        run_id = asyncio.run(submit_and_wait(base))  # the workers allow no private address: refused
        counts = submitter.live_counts(run_id)
        assert counts is not None and counts.get("pages_fetched", 0) == 0
        with session_scope(engine) as session:
            reasons = list(session.scalars(select(DeadLetter.reason).where(DeadLetter.run_id == run_id)))
            assert (session.scalar(select(func.count()).select_from(Product)) or 0) == 0
            run = session.get(CrawlRun, run_id)
            assert run is not None and run.mode == "distributed"
            # Every seed refused, nothing fetched: the run failed, with the reason.
            assert run.status == "failed" and "refused by the SSRF guard" in (run.error or "")
        assert reasons and all("refused by the SSRF guard" in reason for reason in reasons)

        summary = run_distributed([base + "/"], settings, 200, timeout=150)  # an operator's CLI run: not guarded
    assert summary.status == "finished" and summary.counts["loaded"] > 0


def test_a_guarded_runs_robots_txt_cannot_redirect_inside(fleet: Fleet, redis_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """robots.txt of an API-submitted run goes through the guard on the workers too: a robots.txt that redirects
    to an address outside the allow list (127.0.0.2 here, an internal service) is never requested."""
    from tests.distributed.local_site import logging_site
    from tests.distributed.proxy_servers import origin

    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = worker_env(redis_url, store, tmp_path, SSRF_ALLOW='["127.0.0.1"]')
    fleet.start_many(["w1"], env)
    settings = client_settings(monkeypatch, env)
    engine = create_db_engine(store)
    upgrade_schema(engine)
    submitter = make_submitter(settings, engine)
    with origin("127.0.0.2") as internal, logging_site() as site:
        internal_port = internal.server_address[1]
        site.page("/robots.txt", "", status=302, headers={"Location": f"http://127.0.0.2:{internal_port}/robots.txt"})
        site.page("/", "<html><h1>Shop</h1></html>")

        async def submit_and_wait() -> str:
            run_id = await submit_run(submitter, [site.url("/")], 20)
            await asyncio.to_thread(wait_for, lambda: _ended(engine, run_id), 120, "the guarded run to end")
            await submitter.close()
            return run_id

        asyncio.run(submit_and_wait())
        assert sum(internal.hits.values()) == 0  # type: ignore[attr-defined]
        assert site.count("/robots.txt") >= 1 and site.count("/") == 1  # robots.txt tried, refused: crawl went on


def _ended(engine: object, run_id: str) -> bool:
    with session_scope(engine) as session:  # type: ignore[arg-type]
        run = session.get(CrawlRun, run_id)
        return run is not None and run.status != "running"
