"""Airflow DAG ``sightsearch_ingestion_pipeline``: scrape -> process_images -> validate -> store, daily.

Each task calls one step of ``sightsearch.orchestration`` (the project's own crawler, image and ETL stage code).
Tasks hand each other a reference (run id, stage, counts: a few bytes of XCom); the records wait in the store's
``staged_batches`` table. Parsing this file imports only Airflow's SDK and pendulum: SightSearch is imported and
the store connected inside the tasks, on a worker.

    airflow dags test sightsearch_ingestion_pipeline -c '{"seeds": ["https://shop.example/"], "max_pages": 200}'

The store is the one in SIGHTSEARCH_DATABASE_URL (and the other SIGHTSEARCH_* settings) of the task's environment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

DEFAULT_ARGS = {
    "owner": "sightsearch",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,  # 30 s, 60 s, 120 s ... capped below
    "max_retry_delay": timedelta(minutes=10),
}


def _reference_run_id() -> str:
    """The crawl-run id of this DAG run: the same for every try of every task of the run."""
    from sightsearch.orchestration import orchestrated_run_id

    dag_run = get_current_context()["dag_run"]
    return orchestrated_run_id(dag_run.dag_id, dag_run.run_id)


@dag(
    dag_id="sightsearch_ingestion_pipeline",
    description="Crawl shops into the SightSearch store: scrape, images, validation, load.",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    dagrun_timeout=timedelta(hours=6),
    params={
        "seeds": Param([], type="array", items={"type": "string"},
                       description="Seed URLs: home pages, listings or sitemaps."),
        "max_pages": Param(500, type="integer", minimum=1, description="Page budget of the run."),
    },
    tags=["sightsearch", "ingestion"],
)
def sightsearch_ingestion_pipeline() -> None:
    @task(execution_timeout=timedelta(hours=4))
    def scrape() -> dict[str, Any]:
        """Crawl the seeds and stage the extracted product records."""
        from airflow.sdk.exceptions import AirflowFailException

        from sightsearch.orchestration import scrape as scrape_step

        params = get_current_context()["params"]
        try:
            return dict(scrape_step(_reference_run_id(), list(params["seeds"]), int(params["max_pages"])))
        except ValueError as err:  # bad params: retrying cannot help
            raise AirflowFailException(str(err)) from err

    @task(execution_timeout=timedelta(hours=2))
    def process_images(ref: dict[str, Any]) -> dict[str, Any]:
        """Download and fingerprint the staged records' new images."""
        from sightsearch.orchestration import process_images as images_step

        return dict(images_step(ref))  # type: ignore[arg-type]

    @task(execution_timeout=timedelta(hours=1))
    def validate(ref: dict[str, Any]) -> dict[str, Any]:
        """Cleanse, transform and validate; rejects go to the dead letters."""
        from sightsearch.orchestration import validate as validate_step

        return dict(validate_step(ref))  # type: ignore[arg-type]

    @task(execution_timeout=timedelta(hours=1))
    def store(ref: dict[str, Any]) -> dict[str, int]:
        """Enrich and load into the store; finish the run."""
        from sightsearch.orchestration import store as store_step

        return store_step(ref)  # type: ignore[arg-type]

    store(validate(process_images(scrape())))


sightsearch_ingestion_pipeline()
