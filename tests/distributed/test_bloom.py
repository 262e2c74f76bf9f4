"""The fleet-wide URL dedup on a real Redis: Bloom sizing, no false negatives, the promised error rate, and memory."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis

from sightsearch.crawl.dedup import BloomParams, RedisBloomFilter, bloom_positions


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Any]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    await connection.aclose()


def test_sizing_follows_the_textbook_formula() -> None:
    params = BloomParams.for_capacity(1_000_000, 1e-7)
    assert params.hashes == 23 and 4.1e6 < params.bytes < 4.3e6  # -n ln p / ln2^2 bits: 4.2 MB for a million URLs
    assert BloomParams.for_capacity(1000, 0.01).hashes == 7
    with pytest.raises(ValueError):
        BloomParams.for_capacity(10**12, 1e-9)  # more than a Redis string can hold


def test_positions_depend_on_the_canonical_url_only() -> None:
    params = BloomParams.for_capacity(1000, 0.01)
    assert bloom_positions("http://EX.com/a?b=1&a=2#x", params) == bloom_positions("http://ex.com/a?a=2&b=1", params)
    assert bloom_positions("http://ex.com/a", params) != bloom_positions("http://ex.com/b", params)


async def test_add_is_atomic_check_and_set(client: Any) -> None:
    bloom = RedisBloomFilter(client, "t:bloom", BloomParams.for_capacity(10_000, 1e-6))
    assert await bloom.add_many(["http://ex.com/1", "http://ex.com/2", "http://EX.com/1"]) == [True, True, False]
    assert await bloom.contains("http://ex.com/2") and not await bloom.contains("http://ex.com/3")
    # Ten concurrent adds of one URL: exactly one is told it is new.
    other = RedisBloomFilter(client, "t:bloom", bloom.params)
    results = await asyncio.gather(*(b.add("http://ex.com/race") for b in [bloom, other] * 5))
    assert sorted(results) == [False] * 9 + [True]


async def test_no_false_negatives_and_false_positives_near_the_target(client: Any) -> None:
    params = BloomParams.for_capacity(5000, 0.01)
    bloom = RedisBloomFilter(client, "t:fp", params)
    urls = [f"http://ex.com/p/{i}" for i in range(5000)]
    for start in range(0, len(urls), 500):
        await bloom.add_many(urls[start:start + 500])
    assert all(await bloom.contains_many(urls))
    probes = [f"http://ex.com/other/{i}" for i in range(5000)]
    false_positives = sum(await bloom.contains_many(probes))
    assert false_positives < 5000 * 0.02, false_positives  # 1% expected


async def test_a_million_urls_cost_megabytes_not_gigabytes(client: Any) -> None:
    """The filter's memory is fixed by its capacity; an exact set of fingerprints grows ~100 bytes per URL."""
    params = BloomParams.for_capacity(1_000_000, 1e-7)
    bloom = RedisBloomFilter(client, "t:million", params)
    sample = [f"https://shop.example/p/{i}?ref={i % 7}" for i in range(10_000)]
    for start in range(0, len(sample), 1000):
        assert all(await bloom.add_many(sample[start:start + 1000]))  # none of them a false positive
    bloom_bytes = await client.memory_usage("t:million")
    fingerprints = [hashlib.sha1(url.encode()).hexdigest() for url in sample]
    for start in range(0, len(fingerprints), 5000):
        await client.sadd("t:exact", *fingerprints[start:start + 5000])
    exact_bytes_per_url = await client.memory_usage("t:exact", samples=0) / len(sample)
    print(f"Bloom filter for 1M URLs: {bloom_bytes / 1e6:.1f} MB; exact set: ~{exact_bytes_per_url * 1e6 / 1e6:.0f} MB")
    assert bloom_bytes < 6_000_000  # 4.2 MB of bits in a 5 MiB allocation
    assert exact_bytes_per_url * 1_000_000 > 15 * bloom_bytes
