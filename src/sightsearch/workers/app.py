"""The Celery application: Redis broker, one queue per kind of work, and the settings that make a crash lose nothing.

``celery -A sightsearch.workers.app worker -Q fetch`` (or ``sightsearch worker --queues fetch``) finds ``app`` here:
it is created on first access (PEP 562), never at import, and refuses to exist without a broker URL. Creating it opens
no connection; workers import the tasks (``shared_task``) through ``include``.

Crash safety: a task is acknowledged only after it ran (``acks_late``), a task whose pool process died is put back
(``task_reject_on_worker_lost``), each process reserves one task at a time (prefetch 1), and the Redis transport puts
the unacknowledged tasks of a worker killed outright back in their queue once ``visibility_timeout`` passed, checked
every ``unacked_restore_interval`` seconds by the surviving workers (``unacked_restore_throttle=1``: every check scans;
``unacked_mutex_expire`` short, so a worker killed in the middle of a sweep does not block the others for long).
"""

from __future__ import annotations

import dataclasses
import uuid
from functools import lru_cache
from typing import Any

from celery import Celery  # type: ignore[import-untyped]
from kombu import Exchange, Queue

from sightsearch.config import Settings, get_settings
from sightsearch.crawl.base import CrawlRequest
from sightsearch.errors import ConfigurationError

QUEUES = ("fetch", "render", "images", "etl")
ROUTES = {
    "sightsearch.fetch_page": {"queue": "fetch"},
    "sightsearch.render_page": {"queue": "render"},
    "sightsearch.prepare_images": {"queue": "images"},
    "sightsearch.load_batch": {"queue": "etl"},
    "sightsearch.finish_run": {"queue": "etl"},
    "sightsearch.scheduled_crawl": {"queue": "etl"},
}


def celery_config(settings: Settings) -> dict[str, Any]:
    """The Celery settings derived from ours."""
    from sightsearch.workers.schedule import beat_schedule

    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        # One direct exchange per queue: a Queue without one shares the default exchange and routing key, and every
        # task would be copied into every queue bound to it.
        "task_queues": [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        "task_default_queue": "fetch",
        "task_routes": ROUTES,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": settings.broker_visibility_timeout,
            "unacked_restore_interval": settings.broker_restore_interval,
            "unacked_restore_throttle": 1,
            # The sweep's lock: kombu keeps it 5 minutes by default, so a worker killed during its sweep would
            # stop every other worker from restoring anything for 5 minutes.
            "unacked_mutex_expire": max(5, round(settings.broker_restore_interval * 5)),
        },
        # A worker that loses the broker stops its running tasks: they will be redelivered, not run twice at once.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_send_task_events": True,  # Flower's live view
        "task_send_sent_event": True,
        "beat_schedule": beat_schedule(settings),
        "timezone": "UTC",
    }


def create_app(settings: Settings | None = None) -> Celery:
    """A Celery app for ``settings`` (the environment's by default)."""
    settings = settings or get_settings()
    if not settings.broker_url:
        raise ConfigurationError("the distributed mode needs a broker: set SIGHTSEARCH_BROKER_URL=redis://host:port/db")
    app = Celery("sightsearch", broker=settings.broker_url, include=["sightsearch.workers.tasks"])
    app.conf.update(celery_config(settings))
    return app


@lru_cache(maxsize=4)
def _app_for_broker(broker_url: str, settings_json: str) -> Celery:
    return create_app(Settings.model_validate_json(settings_json))


def app_for(settings: Settings) -> Celery:
    """A (cached) app for ``settings``: how a client that is not a worker sends tasks to the right broker."""
    return _app_for_broker(settings.broker_url or "", settings.model_dump_json())


class CeleryScheduler:
    """Hands work to the fleet by task name (routes pick the queue); the ``Scheduler`` of ``workers.pages``."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def page(self, run_id: str, request: CrawlRequest, *, render: bool = False) -> None:
        name = "sightsearch.render_page" if render else "sightsearch.fetch_page"
        self.celery.send_task(name, kwargs={"run_id": run_id, "request": dataclasses.asdict(request)})

    def batch(self, run_id: str, *, images: bool) -> None:
        name = "sightsearch.prepare_images" if images else "sightsearch.load_batch"
        self.celery.send_task(name, kwargs={"run_id": run_id})

    def finish(self, run_id: str) -> None:
        self.celery.send_task("sightsearch.finish_run", kwargs={"run_id": run_id},
                              task_id=f"{run_id}-finish-{uuid.uuid4().hex[:8]}")


@lru_cache(maxsize=1)
def _default_app() -> Celery:
    return create_app()


def __getattr__(name: str) -> Any:
    """``app``: the environment's Celery app, created on first use (what ``celery -A sightsearch.workers.app``
    and ``sightsearch worker`` load)."""
    if name == "app":
        return _default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
