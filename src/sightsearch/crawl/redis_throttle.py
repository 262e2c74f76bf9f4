"""Fleet-wide per-site politeness: a token bucket in Redis, updated by one Lua script so N workers share one rate.

A request *reserves* the next token: the bucket may go below zero and the caller sleeps until its token is due, so
grants are spaced by ``1 / rate`` on Redis's clock whatever the number of workers, and nobody polls. A reservation
further away than ``max_wait`` is refused (the task re-schedules itself instead of holding a worker). A 429
halves the site's rate (multiplicative decrease, down to ``1 / max_slowdown``; a 503 only pauses), pauses the site for
Retry-After, and each quiet ``recovery_seconds`` doubles the rate back toward the configured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sightsearch.config import Settings

# KEYS[1]: the site's hash. ARGV: rate, burst, max_wait, recovery_seconds, ttl. Returns {granted, wait seconds}.
_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local rate, burst, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local recovery = tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'slowdown', 'calm_since', 'paused_until')
local tokens, ts = tonumber(s[1]) or burst, tonumber(s[2]) or now
local slowdown, calm = tonumber(s[3]) or 1, tonumber(s[4]) or now
local paused = tonumber(s[5]) or 0
while slowdown > 1 and now - calm >= recovery do
  slowdown = math.max(1, slowdown / 2)
  calm = calm + recovery
end
local effective = rate / slowdown
tokens = math.min(burst, tokens + (now - ts) * effective)
local granted, wait = 0, 0
if now < paused then
  wait = paused - now
else
  wait = math.max(0, (1 - tokens) / effective)
  if wait <= max_wait then
    tokens = tokens - 1
    granted = 1
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now), 'slowdown', tostring(slowdown),
           'calm_since', tostring(calm), 'paused_until', tostring(paused))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {granted, tostring(wait)}
"""

# KEYS[1]: the site's hash. ARGV: pause seconds, max_slowdown, ttl, slow down (1/0), min seconds between decreases.
# Returns the slowdown factor. Like TCP's one decrease per round trip: the 429s of requests already in flight when
# the first one arrived are answers to the same overload and halve the rate only once.
_PENALIZE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local s = redis.call('HMGET', KEYS[1], 'slowdown', 'paused_until', 'decreased_at')
local slowdown = tonumber(s[1]) or 1
if ARGV[4] == '1' and now - (tonumber(s[3]) or 0) >= tonumber(ARGV[5]) then
  slowdown = math.min(tonumber(ARGV[2]), slowdown * 2)
  redis.call('HSET', KEYS[1], 'decreased_at', tostring(now))
end
local paused = math.max(tonumber(s[2]) or 0, now + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'slowdown', tostring(slowdown), 'calm_since', tostring(now),
           'paused_until', tostring(paused), 'tokens', '0', 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return tostring(slowdown)
"""


@dataclass(frozen=True, slots=True)
class Reservation:
    """``granted``: the caller may start after sleeping ``wait`` seconds; otherwise it should come back in ``wait``."""

    granted: bool
    wait: float


def site_rate(settings: Settings, crawl_delay: float | None) -> tuple[float, int]:
    """The fleet-wide (requests per second, burst) for a site: the slowest of the configured rate, the configured
    delay and robots.txt Crawl-delay. A delay means no burst: two requests are never closer than it."""
    gap = max(settings.per_domain_delay, crawl_delay or 0.0)
    rate = settings.domain_rate if gap <= 0 else min(settings.domain_rate, 1.0 / gap)
    return rate, 1 if gap > 0 else settings.domain_burst


class RedisTokenBucket:
    """Token buckets per site on a ``redis.asyncio`` client, keys ``{prefix}:{site}`` expiring after a quiet day."""

    def __init__(self, client: Any, *, prefix: str = "sightsearch:bucket", recovery_seconds: float = 30.0,
                 max_slowdown: float = 64.0, ttl_seconds: int = 86_400, decrease_interval: float = 1.0) -> None:
        self.client = client
        self.decrease_interval = decrease_interval
        self.prefix = prefix
        self.recovery_seconds = recovery_seconds
        self.max_slowdown = max_slowdown
        self.ttl_seconds = ttl_seconds
        self._reserve = client.register_script(_RESERVE_LUA)
        self._penalize = client.register_script(_PENALIZE_LUA)

    async def reserve(self, site: str, rate: float, burst: int = 1, *, max_wait: float = 5.0) -> Reservation:
        """Reserve the next request slot of ``site`` at ``rate`` per second, unless it is more than ``max_wait`` away."""
        if rate <= 0:
            raise ValueError("a site's rate must be positive")
        granted, wait = await self._reserve(
            keys=[self._key(site)], args=[rate, burst, max_wait, self.recovery_seconds, self.ttl_seconds])
        return Reservation(bool(granted), float(wait))

    async def penalize(self, site: str, retry_after: float | None = None, *, slow_down: bool = True) -> float:
        """After a 429 (``slow_down``) or a 503: pause the site for ``retry_after`` seconds, and for a 429 halve its
        rate, at most once per ``decrease_interval``; returns the slowdown factor."""
        return float(await self._penalize(keys=[self._key(site)], args=[
            retry_after or 0.0, self.max_slowdown, self.ttl_seconds, int(slow_down), self.decrease_interval]))

    async def slowdown(self, site: str) -> float:
        """The site's current slowdown factor (1 when it runs at the configured rate)."""
        value = await self.client.hget(self._key(site), "slowdown")
        return float(value) if value is not None else 1.0

    def _key(self, site: str) -> str:
        return f"{self.prefix}:{site}"
