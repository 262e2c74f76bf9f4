"""The Celery tasks: thin wrappers that run the same steps as the embedded mode and decide retry or dead letter.

``fetch_page`` / ``render_page`` (queues fetch / render): one URL each. ``prepare_images`` (images): claim a batch
of records and download its images, then hand it to ``load_batch`` (etl), which runs ``EtlPipeline``. ``finish_run``
(etl): drain the last records, wait for batches in flight, write the run's record. ``scheduled_crawl``: beat's
periodic re-crawl. Every task is safe to run twice, since ``acks_late`` redelivers a task whose worker died.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from celery import Task, shared_task  # type: ignore[import-untyped]
from celery.signals import worker_process_shutdown  # type: ignore[import-untyped]
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest
from sightsearch.crawl.politeness import SiteBusy
from sightsearch.crawl.throttle import backoff_delay
from sightsearch.errors import TransientError
from sightsearch.workers.app import CeleryScheduler
from sightsearch.workers.batches import BatchLoader
from sightsearch.workers.context import close_worker_context, worker_context
from sightsearch.workers.pages import PageStep, RetryLater

log = logging.getLogger(__name__)

# The fleet's own hiccups (Redis or the store briefly away): retried with back-off, not charged to the page.
INFRASTRUCTURE_ERRORS = (RedisConnectionError, RedisTimeoutError, OperationalError)
_RETRY_OPTIONS: dict[str, Any] = {
    "autoretry_for": (TransientError, *INFRASTRUCTURE_ERRORS), "retry_backoff": True, "retry_backoff_max": 60,
    "retry_jitter": True,
}

def countdown(settings: Settings, seconds: float) -> float:
    """A retry countdown short enough for the broker: the Redis transport redelivers a reserved task that waits
    longer than ``visibility_timeout``, so longer waits are done in hops (the request keeps its ``not_before``)."""
    return max(0.0, min(seconds, settings.broker_visibility_timeout / 2))


def _crawl(task: Task, run_id: str, data: dict[str, Any], *, render: bool) -> None:
    ctx = worker_context()
    request = CrawlRequest(**data)
    if (remaining := request.not_before - time.time()) > 0:
        raise task.retry(countdown=countdown(ctx.settings, remaining))
    step = PageStep(ctx, run_id, render, CeleryScheduler(task.app))
    try:
        ctx.run(step.crawl(request))
    except SiteBusy as busy:  # not a failure: the site's politeness slot is later than a task should sleep
        retry = {**data, "not_before": time.time() + busy.wait}
        raise task.retry(countdown=countdown(ctx.settings, busy.wait), kwargs={"run_id": run_id, "request": retry}) from None
    except RetryLater as later:  # the page handler's decision: attempt + 1, not before its back-off
        wait = later.request.not_before - time.time()
        raise task.retry(countdown=countdown(ctx.settings, wait),
                         kwargs={"run_id": run_id, "request": dataclasses.asdict(later.request)}) from None
    except INFRASTRUCTURE_ERRORS as err:
        raise task.retry(countdown=backoff_delay(task.request.retries + 1, 1.0, 30.0)) from err
    except Exception as err:  # a bug on one page must not hang the run: dead-letter it with the reason
        log.exception("fetch step failed on %s", request.url)
        ctx.run(step.fail(request, err))


# No retry limit at the Celery level: a page's attempts are counted in its request, politeness waits are not attempts.
@shared_task(bind=True, name="sightsearch.fetch_page", max_retries=None)
def fetch_page(self: Task, run_id: str, request: dict[str, Any]) -> None:
    """Fetch one URL over HTTP (through the proxy pool when configured)."""
    _crawl(self, run_id, request, render=False)


@shared_task(bind=True, name="sightsearch.render_page", max_retries=None)
def render_page(self: Task, run_id: str, request: dict[str, Any]) -> None:
    """Fetch one URL with the browser fetcher (the render queue's workers have the browser installed)."""
    _crawl(self, run_id, request, render=True)


@shared_task(bind=True, name="sightsearch.prepare_images", max_retries=10, **_RETRY_OPTIONS)
def prepare_images(self: Task, run_id: str) -> None:
    """Claim a batch of records, download its images, and send it to the ETL queue."""
    ctx = worker_context()
    loader = BatchLoader(ctx, run_id)
    ctx.run(loader.state.clear_batch_flag())
    records = ctx.run(loader.claim(self.request.id))
    if records:
        ctx.run(loader.prepare_images(records))
        self.app.send_task("sightsearch.load_batch", kwargs={"run_id": run_id, "name": self.request.id})


@shared_task(bind=True, name="sightsearch.load_batch", max_retries=10, **_RETRY_OPTIONS)
def load_batch(self: Task, run_id: str, name: str | None = None) -> None:
    """Load the named batch, or claim and load full batches until fewer than ``batch_size`` records wait."""
    ctx = worker_context()
    loader = BatchLoader(ctx, run_id)
    if name is None:
        ctx.run(loader.state.clear_batch_flag())
        ctx.run(loader.drain(self.request.id))
    elif records := ctx.run(loader.claim(name, minimum=1 << 30)):  # only its own batch, never fresh records
        ctx.run(loader.load(name, records))


@shared_task(bind=True, name="sightsearch.finish_run", max_retries=None, **_RETRY_OPTIONS)
def finish_run(self: Task, run_id: str) -> None:
    """Once no page is pending: load the last records, wait for batches in flight, then record the run."""
    ctx = worker_context()
    loader = BatchLoader(ctx, run_id)
    lock = loader.state.key("finishing")
    if not ctx.run(ctx.redis.set(lock, self.request.id, nx=True, ex=int(ctx.settings.broker_visibility_timeout))):
        return  # another finish task is at it
    try:
        pending, _, _ = ctx.run(loader.state.progress())
        if pending or ctx.run(loader.state.meta()).get("status") != "running":
            return
        ctx.run(loader.drain(f"{self.request.id}-final", minimum=1))
        if ctx.run(loader.state.progress())[2]:  # batches still loading elsewhere (or to be redelivered)
            raise self.retry(countdown=1.0)
        ctx.run(loader.finalize())
    finally:
        ctx.run(ctx.redis.delete(lock))


@shared_task(bind=True, name="sightsearch.scheduled_crawl", max_retries=5, **_RETRY_OPTIONS)
def scheduled_crawl(self: Task, seeds: list[str], max_pages: int | None = None, name: str = "") -> str:
    """Beat's periodic re-crawl: submit a run of ``seeds``; the fleet does the rest."""
    from sightsearch.workers.coordinator import submit

    ctx = worker_context()
    run_id = ctx.run(submit(ctx.redis, ctx.settings, seeds, max_pages=max_pages))
    log.info("scheduled crawl %s started run %s", name, run_id)
    return run_id


@worker_process_shutdown.connect
def _close_context(**_: Any) -> None:
    close_worker_context()


__all__ = ["countdown", "fetch_page", "finish_run", "load_batch", "prepare_images", "render_page",
           "scheduled_crawl"]
