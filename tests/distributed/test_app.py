"""The Celery configuration that crash safety and routing depend on."""

from __future__ import annotations

import pytest

from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest
from sightsearch.errors import TransientFetchError
from sightsearch.workers.app import create_app
from sightsearch.crawl.page import retry_delay
from sightsearch.workers.tasks import countdown


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, broker_url="redis://127.0.0.1:1/0", broker_visibility_timeout=20,
                    broker_restore_interval=2, max_retries=3, backoff_base=1, backoff_max=8, max_retry_after=30)


def test_each_task_reaches_exactly_its_own_queue(settings: Settings) -> None:
    router = create_app(settings).amqp.router
    routes = {name: router.route({}, f"sightsearch.{name}")["queue"] for name in
              ("fetch_page", "render_page", "prepare_images", "load_batch", "finish_run", "scheduled_crawl")}
    assert {name: q.name for name, q in routes.items()} == {
        "fetch_page": "fetch", "render_page": "render", "prepare_images": "images", "load_batch": "etl",
        "finish_run": "etl", "scheduled_crawl": "etl"}
    # Own exchange and routing key per queue: a shared default one would copy every task into every queue.
    assert len({(q.exchange.name, q.routing_key) for q in routes.values()}) == 4


def test_crash_safety_settings(settings: Settings) -> None:
    conf = create_app(settings).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options == {"visibility_timeout": 20, "unacked_restore_interval": 2,
                                             "unacked_restore_throttle": 1, "unacked_mutex_expire": 10}


def test_retry_delays_back_off_honour_retry_after_and_give_up(settings: Settings) -> None:
    request = CrawlRequest(url="http://ex.com/", attempt=0)
    delays = [retry_delay(settings, CrawlRequest(url="http://ex.com/", attempt=a), TransientFetchError("x"))
              for a in range(3)]
    assert all(d is not None and 0 <= d <= cap for d, cap in zip(delays, [1, 2, 4], strict=True))
    assert retry_delay(settings, request, TransientFetchError("429", retry_after=12)) == 12
    assert retry_delay(settings, request, TransientFetchError("429", retry_after=300)) is None  # beyond max_retry_after
    assert retry_delay(settings, CrawlRequest(url="http://ex.com/", attempt=3), TransientFetchError("x")) is None
    assert countdown(settings, 12) == 10 and countdown(settings, 3) == 3  # long waits hop under the visibility timeout


def test_a_run_is_refused_when_no_worker_answers(redis_url: str) -> None:
    from sightsearch.errors import ConfigurationError
    from sightsearch.workers.coordinator import require_workers

    with pytest.raises(ConfigurationError, match="sightsearch worker"):
        require_workers(Settings(_env_file=None, broker_url=redis_url), wait=0.5)
