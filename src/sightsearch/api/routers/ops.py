"""Operations endpoints outside the versioned API: ``/health``, ``/ready`` and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import logging
from functools import lru_cache

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy import Engine, text

from sightsearch.api.deps import READ_ACCESS, KeyBeforeBody, StateDep
from sightsearch.api.errors import ERROR_RESPONSES, error_response
from sightsearch.api.telemetry import render
from sightsearch.storage.db import MIGRATIONS_DIR, current_revision

log = logging.getLogger(__name__)
router = APIRouter(route_class=KeyBeforeBody, tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    revision: str | None
    expected_revision: str


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(config).get_current_head())


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up and answering (no dependency is checked: that is ``/ready``)."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: ERROR_RESPONSES[500] | {"description": "Not ready"}})
async def ready(state: StateDep) -> Readiness | JSONResponse:
    """The database answers and its schema is at this code's migration head; else 503 and why."""
    expected = head_revision()
    try:
        revision = await run_in_threadpool(_revision, state.engine)
    except Exception as err:  # any failure to reach the store means "not ready"
        log.warning("readiness: database unreachable: %s", err)
        return error_response(503, "database_unavailable", "the database is not reachable")
    if revision != expected:
        return error_response(503, "schema_outdated", "the schema is not migrated; run `sightsearch db upgrade`",
                              {"revision": revision, "expected_revision": expected})
    return Readiness(status="ready", database="ok", revision=revision, expected_revision=expected)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return current_revision(engine)


@router.get("/metrics", dependencies=READ_ACCESS, response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text format"}})
async def metrics(state: StateDep) -> Response:
    """Store gauges and the API's own request counts and latencies, in the Prometheus text format."""
    body = await run_in_threadpool(render, state.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
