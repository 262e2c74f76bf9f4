"""The fleet-wide token bucket on a real Redis: spacing across clients, refusal of long waits, 429 slow-down."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis

from sightsearch.config import Settings
from sightsearch.crawl.redis_throttle import RedisTokenBucket, site_rate


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Any]]:
    connections = [redis.Redis.from_url(redis_url) for _ in range(3)]
    yield connections
    for connection in connections:
        await connection.aclose()


async def test_three_clients_share_one_rate(clients: list[Any]) -> None:
    buckets = [RedisTokenBucket(client) for client in clients]
    starts: list[float] = []

    async def crawl(bucket: RedisTokenBucket) -> None:
        for _ in range(4):
            slot = await bucket.reserve("shop:80", rate=10.0, burst=1, max_wait=5.0)
            assert slot.granted
            await asyncio.sleep(slot.wait)
            starts.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(crawl(bucket) for bucket in buckets))
    starts.sort()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) > 0.1 - 0.03, gaps  # 10/s for the three together: one start every 0.1 s
    assert starts[-1] - began >= 11 * 0.1 - 0.03


async def test_a_reservation_too_far_away_is_refused(clients: list[Any]) -> None:
    bucket = RedisTokenBucket(clients[0])
    assert (await bucket.reserve("s:1", rate=1.0, burst=1, max_wait=0.5)).granted
    refused = await bucket.reserve("s:1", rate=1.0, burst=1, max_wait=0.5)
    assert not refused.granted and 0.9 < refused.wait <= 1.0
    assert (await bucket.reserve("s:1", rate=1.0, burst=1, max_wait=2.0)).granted  # the refusal took no token


async def test_429_halves_the_rate_pauses_and_recovers(clients: list[Any]) -> None:
    bucket = RedisTokenBucket(clients[0], recovery_seconds=1.0, decrease_interval=0.0)
    assert await bucket.penalize("s:2", retry_after=0.3, slow_down=False) == 1.0  # a 503 pauses only
    assert await bucket.penalize("s:2", retry_after=0.3) == 2.0
    paused = await bucket.reserve("s:2", rate=10.0, burst=1, max_wait=5.0)
    assert not paused.granted and 0.2 < paused.wait <= 0.3  # Retry-After is honoured fleet-wide
    assert await bucket.penalize("s:2") == 4.0  # multiplicative decrease
    await asyncio.sleep(0.35)
    first = await bucket.reserve("s:2", rate=10.0, burst=1, max_wait=5.0)
    second = await bucket.reserve("s:2", rate=10.0, burst=1, max_wait=5.0)
    assert second.wait - first.wait == pytest.approx(0.4, abs=0.02)  # 10/s slowed down 4x: 0.4 s apart
    await asyncio.sleep(2.0)  # two quiet recovery periods: 4x -> 2x -> 1x
    await bucket.reserve("s:2", rate=10.0, burst=1, max_wait=5.0)
    assert await bucket.slowdown("s:2") == 1.0


async def test_a_burst_of_429s_halves_the_rate_once(clients: list[Any]) -> None:
    bucket = RedisTokenBucket(clients[0], decrease_interval=1.0)
    assert [await bucket.penalize("s:3") for _ in range(5)] == [2.0] * 5  # in-flight requests answered by one overload


def test_site_rate_takes_the_slowest_of_rate_delay_and_crawl_delay() -> None:
    settings = Settings(_env_file=None, domain_rate=4.0, domain_burst=3, per_domain_delay=0.0)
    assert site_rate(settings, None) == (4.0, 3)
    assert site_rate(settings, 2.0) == (0.5, 1)
    assert site_rate(settings.model_copy(update={"per_domain_delay": 1.0}), 0.5) == (1.0, 1)


async def test_a_worker_that_wakes_late_takes_a_new_slot(clients: list[Any]) -> None:
    """Worker A's slot is now and B's in 0.5 s, but A wakes up 0.6 s late (a starved CPU). Sending then would put
    A's request on top of B's; A takes a new slot instead and goes 0.5 s after B."""
    from sightsearch.crawl.politeness import FleetPoliteness

    class Starved(FleetPoliteness):
        stalls = [0.6]

        async def _sleep(self, seconds: float) -> None:
            await asyncio.sleep(seconds + (self.stalls.pop() if self.stalls else 0.0))

    settings = Settings(_env_file=None, per_domain_delay=0.5, domain_rate=5.0)  # type: ignore[call-arg]
    late, on_time = Starved(settings, RedisTokenBucket(clients[0])), FleetPoliteness(settings, RedisTokenBucket(clients[1]))
    sent: dict[str, float] = {}

    async def request(name: str, politeness: FleetPoliteness) -> None:
        async with politeness.slot("s:late", None):
            sent[name] = time.monotonic()

    first = asyncio.create_task(request("late", late))
    await asyncio.sleep(0.05)  # A holds the first slot; B reserves the next one
    await asyncio.gather(first, request("on time", on_time))
    assert not Starved.stalls  # A did wake up late
    assert abs(sent["late"] - sent["on time"]) >= 0.5 - 0.05, sent  # never together, whichever went first
