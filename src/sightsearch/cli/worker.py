"""The distributed mode's commands: ``worker``, ``beat`` and ``flower`` (Celery on Redis).

Celery is imported inside the commands, so the rest of the CLI starts without it.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from sightsearch.cli import app, console
from sightsearch.config import get_settings
from sightsearch.errors import ConfigurationError
from sightsearch.heap import settle_heap

QUEUE_NAMES = "fetch,render,images,etl"


def _require_broker() -> None:
    if not get_settings().broker_url:
        raise ConfigurationError("set SIGHTSEARCH_BROKER_URL=redis://host:port/db to run the distributed mode")


@app.command()
def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume.")] = QUEUE_NAMES,
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (default SIGHTSEARCH_WORKER_CONCURRENCY).")] = None,
    pool: Annotated[str, typer.Option(help="prefork (CPU-bound extraction and ETL) or threads (many slow fetches).")] = "prefork",
    hostname: Annotated[str | None, typer.Option(help="Celery node name, e.g. fetch1@%h.")] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "info",
) -> None:
    """Start a Celery worker on some queues; run one per queue to give each its own concurrency."""
    _require_broker()
    unknown = set(queues.split(",")) - set(QUEUE_NAMES.split(","))
    if unknown:
        raise typer.BadParameter(f"unknown queues {sorted(unknown)}; choose from {QUEUE_NAMES}")
    from sightsearch.workers.app import app as celery_app

    if pool not in ("prefork", "threads", "solo"):
        raise typer.BadParameter("choose prefork, threads or solo", param_hint="--pool")
    argv = ["worker", "-Q", queues, "-c", str(concurrency or get_settings().worker_concurrency), "-P", pool,
            "-l", loglevel]
    if hostname:
        argv += ["-n", hostname]
    settle_heap()  # before the pool forks: its processes share the frozen start-up heap and never walk it
    celery_app.worker_main(argv)


@app.command()
def beat(loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "info") -> None:
    """Start Celery beat: submits the periodic re-crawls of SIGHTSEARCH_SCHEDULES (run exactly one)."""
    _require_broker()
    from sightsearch.workers.app import app as celery_app

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.schedules:
        console.print("[yellow]SIGHTSEARCH_SCHEDULES is empty: beat will submit nothing[/yellow]")
    celery_app.start(["beat", "-l", loglevel, "--schedule", str(settings.data_dir / "beat-schedule")])


@app.command()
def flower() -> None:
    """Start Flower, the workers' web dashboard, with basic auth from SIGHTSEARCH_FLOWER_USER / _PASSWORD."""
    from sightsearch.workers.flower import flower_invocation

    command, extra_env = flower_invocation(get_settings())
    os.execvpe(command[0], command, {**os.environ, **extra_env})
