"""A distributed run's shared state in Redis, changed only through Lua scripts so each step is atomic.

Keys ``sightsearch:run:<id>:<name>``: ``meta`` (hash: options, status), ``counts`` (hash of counters), ``scope``
(set of sites), ``seen`` (Bloom filter of admitted URLs), ``pending`` (hash: fingerprint -> ``claimed`` | ``sent``
for every page admitted and not finished), ``records`` (list of extracted records waiting for the ETL), ``etl``
(hash: batch name -> claim time, batches being loaded) and ``batch:<name>`` (the records of one claimed batch).

The run is done when ``pending`` and ``etl`` are empty and ``records`` is drained. A page leaves ``pending`` in the
same script that counts it and queues its record, so a redelivered task can neither lose nor double a page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sightsearch.crawl.dedup import BloomParams, bloom_positions
from sightsearch.crawl.urls import url_fingerprint

RUN_TTL = 7 * 86_400  # a finished run's counts stay readable for a week

# KEYS: counts, seen, pending. ARGV: max_pages, k, then per URL: fingerprint and k positions.
# Per URL returns 1 (send a task: new, or claimed by a task that died before sending) or 0 (skip).
_ADMIT_LUA = """
local max_pages, k = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, k + 1 do
  local fp, send = ARGV[i], 0
  local state = redis.call('HGET', KEYS[3], fp)
  if state == 'claimed' then
    send = 1
  elseif not state then
    local seen = 1
    for j = i + 1, i + k do
      if redis.call('GETBIT', KEYS[2], ARGV[j]) == 0 then seen = 0; break end
    end
    if seen == 0 then
      if tonumber(redis.call('HGET', KEYS[1], 'admitted') or '0') < max_pages then
        for j = i + 1, i + k do redis.call('SETBIT', KEYS[2], ARGV[j], 1) end
        redis.call('HSET', KEYS[3], fp, 'claimed')
        redis.call('HINCRBY', KEYS[1], 'admitted', 1)
        send = 1
      else
        redis.call('HINCRBY', KEYS[1], 'links_over_budget', 1)
      end
    end
  end
  out[#out + 1] = send
end
return out
"""

# KEYS: pending. ARGV: fingerprints whose task was sent. Only still-pending pages are marked (a fast task may be done).
_MARK_SENT_LUA = """
for _, fp in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[1], fp) == 1 then redis.call('HSET', KEYS[1], fp, 'sent') end
end
return 1
"""

# KEYS: pending, counts, records. ARGV: fingerprint, counts JSON, record JSON or ''. Returns {pending, records} left,
# or -1 when another delivery of the same page already finished it.
_FINISH_PAGE_LUA = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return -1 end
for name, value in pairs(cjson.decode(ARGV[2])) do redis.call('HINCRBY', KEYS[2], name, value) end
if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[3], ARGV[3]) end
return {redis.call('HLEN', KEYS[1]), redis.call('LLEN', KEYS[3])}
"""

# KEYS: records, etl, batch. ARGV: batch name, size, minimum, now. A redelivered batch task gets its batch back.
_CLAIM_BATCH_LUA = """
if redis.call('EXISTS', KEYS[3]) == 1 then return redis.call('LRANGE', KEYS[3], 0, -1) end
if redis.call('LLEN', KEYS[1]) < tonumber(ARGV[3]) then return {} end
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
for _, item in ipairs(items) do redis.call('RPUSH', KEYS[3], item) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
return items
"""

# KEYS: etl, counts, batch. ARGV: batch name, counts JSON. Counts once even if two deliveries loaded the batch.
_COMPLETE_BATCH_LUA = """
local first = redis.call('HDEL', KEYS[1], ARGV[1])
if first == 1 then
  for name, value in pairs(cjson.decode(ARGV[2])) do redis.call('HINCRBY', KEYS[2], name, value) end
end
redis.call('DEL', KEYS[3])
return first
"""


class RunState:
    """The Redis state of run ``run_id`` on a ``redis.asyncio`` client."""

    def __init__(self, client: Any, run_id: str) -> None:
        self.client = client
        self.run_id = run_id
        self.prefix = f"sightsearch:run:{run_id}"
        self._admit = client.register_script(_ADMIT_LUA)
        self._mark_sent = client.register_script(_MARK_SENT_LUA)
        self._finish = client.register_script(_FINISH_PAGE_LUA)
        self._claim = client.register_script(_CLAIM_BATCH_LUA)
        self._complete = client.register_script(_COMPLETE_BATCH_LUA)

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def create(self, meta: Mapping[str, Any], sites: Sequence[str]) -> None:
        await self.client.hset(self.key("meta"), mapping={k: json.dumps(v) for k, v in meta.items()})
        await self.client.sadd(self.key("scope"), *sites)

    async def meta(self) -> dict[str, Any]:
        return {k.decode(): json.loads(v) for k, v in (await self.client.hgetall(self.key("meta"))).items()}

    async def set_meta(self, **values: Any) -> None:
        await self.client.hset(self.key("meta"), mapping={k: json.dumps(v) for k, v in values.items()})

    async def in_scope(self, sites: Sequence[str]) -> list[bool]:
        return [bool(flag) for flag in await self.client.smismember(self.key("scope"), list(sites))] if sites else []

    async def admit(self, urls: Sequence[str], max_pages: int, params: BloomParams) -> list[bool]:
        """Admit ``urls`` under the page budget, deduplicated fleet-wide; True for each URL to send a task for."""
        if not urls:
            return []
        args: list[Any] = [max_pages, params.hashes]
        for url in urls:
            args += [url_fingerprint(url), *bloom_positions(url, params)]
        flags = await self._admit(keys=[self.key("counts"), self.key("seen"), self.key("pending")], args=args)
        return [bool(flag) for flag in flags]

    async def mark_sent(self, urls: Sequence[str]) -> None:
        if urls:
            await self._mark_sent(keys=[self.key("pending")], args=[url_fingerprint(url) for url in urls])

    async def is_pending(self, url: str) -> bool:
        return bool(await self.client.hexists(self.key("pending"), url_fingerprint(url)))

    async def finish_page(self, url: str, counts: Mapping[str, int], record: Mapping[str, Any] | None) -> tuple[int, int] | None:
        """Count the page and queue its record, once per page; returns (pages pending, records waiting) or None."""
        result = await self._finish(keys=[self.key("pending"), self.key("counts"), self.key("records")],
                                    args=[url_fingerprint(url), json.dumps(dict(counts)),
                                          json.dumps(record, default=str) if record else ""])
        return None if result == -1 else (int(result[0]), int(result[1]))

    async def count(self, **counts: int) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            for name, value in counts.items():
                pipe.hincrby(self.key("counts"), name, value)
            await pipe.execute()

    async def counts(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in (await self.client.hgetall(self.key("counts"))).items()}

    async def claim_batch(self, name: str, size: int, *, minimum: int = 1) -> list[dict[str, Any]]:
        """Move up to ``size`` waiting records into batch ``name`` (at least ``minimum``, else nothing)."""
        items = await self._claim(keys=[self.key("records"), self.key("etl"), self.key(f"batch:{name}")],
                                  args=[name, size, minimum, time.time()])
        return [json.loads(item) for item in items]

    async def complete_batch(self, name: str, counts: Mapping[str, int]) -> bool:
        keys = [self.key("etl"), self.key("counts"), self.key(f"batch:{name}")]
        return bool(await self._complete(keys=keys, args=[name, json.dumps({k: int(v) for k, v in counts.items()})]))

    async def flag_batch(self, ttl: int = 30) -> bool:
        """True for the one caller that should schedule a batch task now (the task clears the flag when it starts;
        the TTL covers a caller that died before sending it)."""
        return bool(await self.client.set(self.key("batch_flag"), 1, nx=True, ex=ttl))

    async def clear_batch_flag(self) -> None:
        await self.client.delete(self.key("batch_flag"))

    async def progress(self) -> tuple[int, int, int]:
        """(pages pending, records waiting, batches loading): all zero when the run's work is done."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hlen(self.key("pending")).llen(self.key("records")).hlen(self.key("etl"))
            pending, records, batches = await pipe.execute()
        return int(pending), int(records), int(batches)

    async def release(self) -> None:
        """Free the finished run's bulky keys now; keep meta and counts readable for ``RUN_TTL``."""
        await self.client.delete(*(self.key(name) for name in ("seen", "pending", "records", "scope", "images")))
        for name in ("meta", "counts"):
            await self.client.expire(self.key(name), RUN_TTL)
