"""Fixtures for the distributed mode: a throwaway Redis, real Celery worker processes, a store they share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.distributed.fleet import Fleet
from tests.services.redis import redis_server, redis_url  # noqa: F401 (fixtures)


@pytest.fixture
def fleet(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Fleet]:
    """Start workers with ``fleet.start(name, env)``; all are stopped (and their logs shown on failure) after."""
    workers = Fleet(tmp_path)
    yield workers
    workers.stop()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for name in workers.processes:
            print(f"----- worker {name} -----\n{workers.log(name)[-6000:]}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
