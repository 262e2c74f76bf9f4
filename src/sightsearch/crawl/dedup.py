"""Fleet-wide URL dedup with bounded memory: a Bloom filter kept as a Redis bit string, set and tested in Lua.

RedisBloom is not in Debian's redis-server, so the filter is plain SETBIT/GETBIT over ``k`` positions computed here
(double hashing of the URL fingerprint). A filter sized for a million URLs at a one-in-ten-million false-positive
rate is 4.2 MB of bits (5 MiB as Redis allocates it), where a set of the same fingerprints costs about 90 MB; a false positive skips one URL, which a
crawler can afford and a product store never sees as a duplicate.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sightsearch.crawl.urls import url_fingerprint

MAX_BITS = 2**32  # a Redis string holds at most 512 MB

# KEYS[1] the bit string; ARGV[1] = k, then k positions per item. Returns 1 per item that was new (and is now set).
# Check and set in one script: two workers adding the same URL at once cannot both see it as new.
BLOOM_ADD_LUA = """
local k = tonumber(ARGV[1])
local added = {}
for item = 0, (#ARGV - 1) / k - 1 do
  local new = 0
  for i = 2 + item * k, 1 + (item + 1) * k do
    if redis.call('SETBIT', KEYS[1], ARGV[i], 1) == 0 then new = 1 end
  end
  added[#added + 1] = new
end
return added
"""

BLOOM_CONTAINS_LUA = """
local k = tonumber(ARGV[1])
local found = {}
for item = 0, (#ARGV - 1) / k - 1 do
  local all = 1
  for i = 2 + item * k, 1 + (item + 1) * k do
    if redis.call('GETBIT', KEYS[1], ARGV[i]) == 0 then all = 0; break end
  end
  found[#found + 1] = all
end
return found
"""


@dataclass(frozen=True, slots=True)
class BloomParams:
    """Bits and hash count of a filter for ``capacity`` items at false-positive rate ``error_rate``."""

    bits: int
    hashes: int

    @classmethod
    def for_capacity(cls, capacity: int, error_rate: float) -> BloomParams:
        """The optimal size: ``m = -n ln p / ln(2)^2`` bits and ``k = m / n ln 2`` hashes."""
        if capacity < 1 or not 0 < error_rate < 1:
            raise ValueError("a Bloom filter needs capacity >= 1 and 0 < error_rate < 1")
        bits = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
        if bits > MAX_BITS:
            raise ValueError(f"a Bloom filter for {capacity} items at {error_rate} needs more than 512 MB")
        return cls(bits=bits, hashes=max(1, round(bits / capacity * math.log(2))))

    @property
    def bytes(self) -> int:
        return math.ceil(self.bits / 8)


def bloom_positions(url: str, params: BloomParams) -> list[int]:
    """The ``k`` bit positions of ``url``'s canonical fingerprint (Kirsch-Mitzenmacher double hashing)."""
    digest = hashlib.sha256(url_fingerprint(url).encode("ascii")).digest()
    first, second = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:16], "big") | 1
    return [(first + i * second) % params.bits for i in range(params.hashes)]


def bloom_args(urls: Sequence[str], params: BloomParams) -> list[int]:
    """ARGV for the Lua scripts: ``k`` followed by every URL's positions."""
    return [params.hashes, *(pos for url in urls for pos in bloom_positions(url, params))]


class RedisBloomFilter:
    """A Bloom filter at ``key`` on a ``redis.asyncio`` client. Nothing is allocated until the first add."""

    def __init__(self, client: Any, key: str, params: BloomParams) -> None:
        self.client = client
        self.key = key
        self.params = params
        self._add = client.register_script(BLOOM_ADD_LUA)
        self._contains = client.register_script(BLOOM_CONTAINS_LUA)

    async def add_many(self, urls: Sequence[str]) -> list[bool]:
        """Add ``urls``; True for each one that was not in the filter before (new for sure)."""
        if not urls:
            return []
        return [bool(flag) for flag in await self._add(keys=[self.key], args=bloom_args(urls, self.params))]

    async def add(self, url: str) -> bool:
        return (await self.add_many([url]))[0]

    async def contains_many(self, urls: Sequence[str]) -> list[bool]:
        """True for each URL probably added (false positives at the configured rate, never false negatives)."""
        if not urls:
            return []
        return [bool(flag) for flag in await self._contains(keys=[self.key], args=bloom_args(urls, self.params))]

    async def contains(self, url: str) -> bool:
        return (await self.contains_many([url]))[0]
