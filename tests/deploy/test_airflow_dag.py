"""The Airflow DAG in its own venv (.venv-airflow, ``make airflow``): a DagBag import check (no import errors,
parsed under 2 s, nothing of SightSearch imported at parse time, the promised shape), and
``airflow dags test sightsearch_ingestion_pipeline -c '{"seeds": [...]}'`` against the demo shop.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sightsearch.demo import running_demo_site
from sightsearch.storage.db import create_db_engine, session_scope
from sightsearch.storage.models import CrawlRun, Product, StagedBatch
from tests.deploy.conftest import ROOT

AIRFLOW_BIN = ROOT / os.environ.get("AIRFLOW_VENV", ".venv-airflow") / "bin"
DAGS = ROOT / "airflow" / "dags"
DAG_ID = "sightsearch_ingestion_pipeline"

INSPECT = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags.get("sightsearch_ingestion_pipeline")
print(json.dumps({
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "seconds": [s.duration.total_seconds() for s in bag.dagbag_stats],
    "dags": sorted(bag.dags),
    "sightsearch_imported": sorted(m for m in sys.modules if m.startswith("sightsearch")),
    "tasks": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} if dag else {},
    "schedule": str(dag.schedule) if dag else None,
    "catchup": dag.catchup if dag else None,
    "params": dict(dag.params) if dag else {},
    "retries": {t.task_id: [t.retries, t.retry_exponential_backoff is not False] for t in dag.tasks} if dag else {},
}))
"""


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An AIRFLOW_HOME of its own (SQLite metadata, migrated) pointing at airflow/dags."""
    if not (AIRFLOW_BIN / "airflow").exists():
        pytest.skip("Airflow is not installed: make airflow (make deploy-check does it)")
    home = tmp_path_factory.mktemp("airflow-home")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SIGHTSEARCH_", "AIRFLOW"))}
    env = {**clean, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": f"{AIRFLOW_BIN}{os.pathsep}{clean.get('PATH', '')}"}
    migrated = subprocess.run([str(AIRFLOW_BIN / "airflow"), "db", "migrate"], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    yield env


def inspect_dag(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run([str(AIRFLOW_BIN / "python"), "-c", INSPECT, str(DAGS)], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_dag_imports_fast_without_touching_sightsearch(airflow_env: dict[str, str]) -> None:
    found = inspect_dag(airflow_env)
    assert found["import_errors"] == {} and found["dags"] == [DAG_ID]
    assert max(found["seconds"]) < 2.0, found["seconds"]
    assert found["sightsearch_imported"] == []  # no project import, engine or connection at parse time


def test_the_dag_has_the_promised_shape(airflow_env: dict[str, str]) -> None:
    found = inspect_dag(airflow_env)
    assert found["tasks"] == {"scrape": ["process_images"], "process_images": ["validate"], "validate": ["store"],
                              "store": []}
    assert found["schedule"] == "@daily" and found["catchup"] is False
    assert found["params"] == {"seeds": [], "max_pages": 500}
    assert all(retries >= 2 and backoff for retries, backoff in found["retries"].values()), found["retries"]


def test_dags_test_loads_the_demo_shop_into_the_store(airflow_env: dict[str, str], tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = {**airflow_env, "SIGHTSEARCH_DATABASE_URL": store, "SIGHTSEARCH_DATA_DIR": str(tmp_path / "state"),
           "SIGHTSEARCH_RENDER": "never"}
    with running_demo_site(products=30, transient_failures=False) as shop:
        conf = json.dumps({"seeds": [shop + "/"], "max_pages": 80})
        result = subprocess.run([str(AIRFLOW_BIN / "airflow"), "dags", "test", DAG_ID, "-c", conf], env=env,
                                capture_output=True, text=True, timeout=480, check=False, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "DagRun Finished" in output, output[-4000:]
    engine = create_db_engine(store)
    with session_scope(engine) as session:
        products = session.scalar(select(func.count()).select_from(Product))
        run = session.scalars(select(CrawlRun)).one()
        assert products and run.status == "finished" and run.mode == "airflow"
        assert run.counts["loaded"] == products and run.seeds == [shop + "/"]
        assert not session.scalar(select(func.count()).select_from(StagedBatch))
    engine.dispose()
