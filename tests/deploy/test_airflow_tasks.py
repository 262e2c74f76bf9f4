"""The DAG's steps (sightsearch.orchestration) run in this venv, without Airflow: scrape -> process_images ->
validate -> store against the demo shop lands products in the store, hands over only references, and retries safely.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from sightsearch.config import Settings
from sightsearch.demo import running_demo_site
from sightsearch.orchestration import orchestrated_run_id, process_images, scrape, store, validate
from sightsearch.storage.db import create_db_engine, session_scope
from sightsearch.storage.models import CrawlRun, DeadLetter, ImageRecord, Product, StagedBatch


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    with running_demo_site(products=30, transient_failures=False) as url:
        yield url


def settings_for(url: str, tmp_path) -> Settings:
    return Settings(_env_file=None, database_url=url, data_dir=tmp_path / "state", render="never", batch_size=10,  # type: ignore[call-arg]
                    per_domain_delay=0)


def run_dag(settings: Settings, seeds: list[str], run: str, max_pages: int = 60) -> dict[str, int]:
    run_id = orchestrated_run_id("sightsearch_ingestion_pipeline", run)
    ref = scrape(run_id, seeds, max_pages, settings)
    for step in (process_images, validate):
        ref = step(ref, settings)
        assert len(json.dumps(ref)) < 200  # a reference, not the records
    return store(ref, settings)


def test_the_steps_land_products_images_and_a_finished_run(shop: str, store_url: str, tmp_path) -> None:
    settings = settings_for(store_url, tmp_path)
    counts = run_dag(settings, [shop], "manual__1")
    engine = create_db_engine(store_url)
    with session_scope(engine) as session:
        products = session.scalar(select(func.count()).select_from(Product))
        assert products and counts["loaded"] == products, counts
        assert session.scalar(select(func.count()).select_from(ImageRecord))
        assert not session.scalar(select(func.count()).select_from(StagedBatch))  # cleaned up after store
        run = session.scalars(select(CrawlRun)).one()
        assert run.status == "finished" and run.mode == "airflow" and run.counts["products_found"] >= products
        # the shop's invalid products are dead-lettered by stage, not lost
        stages = set(session.scalars(select(DeadLetter.stage)))
        assert stages <= {"fetch", "extract", "cleanse", "transform", "validate", "enrich", "load"}
    engine.dispose()


def test_a_second_run_changes_nothing_and_a_retried_step_duplicates_nothing(shop: str, sqlite_url: str,
                                                                             tmp_path) -> None:
    settings = settings_for(sqlite_url, tmp_path)
    first = run_dag(settings, [shop], "scheduled__1")
    run_id = orchestrated_run_id("sightsearch_ingestion_pipeline", "scheduled__2")
    ref = scrape(run_id, [shop], 60, settings)
    again = scrape(run_id, [shop], 60, settings)  # an Airflow retry of the same task
    assert again == ref
    second = store(validate(process_images(again, settings), settings), settings)
    assert first["inserted"] == first["loaded"] > 0, first
    assert second["unchanged"] == second["loaded"] == first["loaded"], second


def test_bad_seeds_are_refused_before_anything_runs(tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    for seeds in ([], ["ftp://example.org/"], "http://one-string-not-a-list/"):
        with pytest.raises(ValueError, match="seeds"):
            scrape("0" * 32, seeds, 10, settings)  # type: ignore[arg-type]


def test_the_steps_load_what_the_embedded_mode_loads(shop: str, tmp_path) -> None:
    import asyncio

    from sightsearch.runner import EmbeddedRun

    def product_rows(url: str) -> set[tuple[str, str, str]]:
        engine = create_db_engine(url)
        with session_scope(engine) as session:
            rows = {(p.product_key, p.title, str(p.price)) for p in session.scalars(select(Product))}
        engine.dispose()
        return rows

    dag_store, embedded_store = f"sqlite:///{tmp_path / 'dag.db'}", f"sqlite:///{tmp_path / 'embedded.db'}"
    run_dag(settings_for(dag_store, tmp_path / "a"), [shop], "manual__compare", max_pages=500)
    embedded = settings_for(embedded_store, tmp_path / "b")
    engine = create_db_engine(embedded_store)
    asyncio.run(EmbeddedRun(embedded, engine=engine, max_pages=500).execute([shop]))
    engine.dispose()
    assert product_rows(dag_store) == product_rows(embedded_store) != set()
