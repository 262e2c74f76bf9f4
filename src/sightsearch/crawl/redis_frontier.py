"""The Redis frontier: the memory frontier's contract on shared state, so many processes can crawl one run.

Keys under ``prefix``: ``:seen`` (Bloom filter of URL fingerprints, bounded memory), ``:products`` and ``:others``
(lists of JSON requests, products popped first), ``:delayed`` (sorted set of retries scored by ``not_before``).
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from typing import Any

from typing_extensions import override

from sightsearch.crawl.base import CrawlRequest, Frontier
from sightsearch.crawl.dedup import BloomParams, RedisBloomFilter

# KEYS: products, others, delayed. ARGV: now. Due retries go to the front of their list (they already waited once),
# then one request is popped; all in one script so two workers never pop the same request.
_POP_LUA = """
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[3], member)
  local request = cjson.decode(member)
  local target = KEYS[2]
  if request['kind'] == 'product' then target = KEYS[1] end
  redis.call('LPUSH', target, member)
end
local popped = redis.call('LPOP', KEYS[1])
if not popped then popped = redis.call('LPOP', KEYS[2]) end
return popped
"""


def request_to_json(request: CrawlRequest) -> str:
    """A request as JSON; a nonce keeps two identical retries distinct members of the sorted set."""
    return json.dumps({**dataclasses.asdict(request), "nonce": uuid.uuid4().hex[:12]})


def request_from_json(data: str | bytes) -> CrawlRequest:
    fields = json.loads(data)
    fields.pop("nonce", None)
    return CrawlRequest(**fields)


class RedisFrontier(Frontier):
    """A frontier shared through Redis. ``client`` is a ``redis.asyncio.Redis``; its owner closes it."""

    def __init__(self, client: Any, prefix: str, *, capacity: int = 1_000_000, error_rate: float = 1e-7) -> None:
        self._client = client
        self._keys = [f"{prefix}:products", f"{prefix}:others", f"{prefix}:delayed"]
        self._seen = RedisBloomFilter(client, f"{prefix}:seen", BloomParams.for_capacity(capacity, error_rate))
        self._pop = client.register_script(_POP_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str, **options: Any) -> RedisFrontier:
        """A frontier on a new client for ``url`` (connects on first use)."""
        import redis.asyncio as redis

        return cls(redis.Redis.from_url(url), prefix, **options)

    @override
    async def add(self, request: CrawlRequest) -> bool:
        if not await self._seen.add(request.url):
            return False
        await self._client.rpush(self._list_for(request), request_to_json(request))
        return True

    @override
    async def mark_seen(self, url: str) -> bool:
        return await self._seen.add(url)

    @override
    async def requeue(self, request: CrawlRequest) -> None:
        if request.not_before > time.time():
            await self._client.zadd(self._keys[2], {request_to_json(request): request.not_before})
        else:
            await self._client.rpush(self._list_for(request), request_to_json(request))

    @override
    async def pop(self) -> CrawlRequest | None:
        popped = await self._pop(keys=self._keys, args=[time.time()])
        return request_from_json(popped) if popped is not None else None

    @override
    async def seen(self, url: str) -> bool:
        return await self._seen.contains(url)

    @override
    async def size(self) -> int:
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.llen(self._keys[0]).llen(self._keys[1]).zcard(self._keys[2])
            return sum(await pipe.execute())

    async def clear(self) -> None:
        """Delete every key of this frontier (a finished run's state)."""
        await self._client.delete(*self._keys, self._seen.key)

    async def aclose(self) -> None:
        """Close the client (call it only when this frontier created it, as ``from_url`` does)."""
        await self._client.aclose()

    def _list_for(self, request: CrawlRequest) -> str:
        return self._keys[0] if request.kind == "product" else self._keys[1]
