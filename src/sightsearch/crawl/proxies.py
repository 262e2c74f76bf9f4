"""Proxy rotation: a pool from configuration with health tracking, and a fetcher that sends each request through it.

A proxy that gets a ban answer (403, 429, or a captcha page) or fails to connect rests for a cooldown; after
``max_failures`` failures in a row it is retired for good. Assignment is per request (round robin over the healthy
proxies) or per site (sticky: a site keeps its proxy while it stays healthy, like a browser session). Proxy URLs
carry credentials: they appear only masked, in reprs, logs and error messages.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field

from sightsearch.errors import TransientFetchError
from sightsearch.redact import redact_text, redact_url, url_secrets

log = logging.getLogger(__name__)

BAN_STATUSES = frozenset({403, 429})
BAN_MARKERS = ("captcha", "are you a robot", "unusual traffic", "access denied")


def mask_proxy_url(url: str) -> str:
    """``url`` with its whole user-info masked (``http://***@10.0.0.1:3128``): a proxy key is often the user name."""
    return redact_url(url)


class NoProxyAvailable(TransientFetchError):
    """Every proxy is cooling down or retired; ``retry_after`` says when the first one is back (None: never)."""


@dataclass(eq=False)
class Proxy:
    """One proxy and its health. ``url`` holds the credentials and is excluded from the repr."""

    url: str = field(repr=False)
    label: str = ""
    failures: int = 0
    cooldown_until: float = 0.0
    retired: bool = False
    requests: int = 0
    bans: int = 0

    def __post_init__(self) -> None:
        self.label = self.label or mask_proxy_url(self.url)

    def available(self, now: float) -> bool:
        return not self.retired and now >= self.cooldown_until


class ProxyPool:
    """Chooses a healthy proxy per request or per site and tracks bans, cooldowns and retirement."""

    def __init__(self, urls: list[str], *, cooldown: float = 60.0, max_failures: int = 5, sticky: bool = False) -> None:
        if not urls:
            raise ValueError("a proxy pool needs at least one proxy URL")
        self.proxies = [Proxy(url) for url in urls]
        self.cooldown = cooldown
        self.max_failures = max_failures
        self.sticky = sticky
        self._turn = itertools.cycle(range(len(self.proxies)))
        self._sessions: dict[str, Proxy] = {}

    def choose(self, site: str = "") -> Proxy:
        """A healthy proxy: the site's own one when sticky, else the next in turn; raises ``NoProxyAvailable``."""
        now = time.monotonic()
        if self.sticky and (kept := self._sessions.get(site)) is not None and kept.available(now):
            return kept
        for _ in range(len(self.proxies)):
            proxy = self.proxies[next(self._turn)]
            if proxy.available(now):
                if self.sticky:
                    self._sessions[site] = proxy
                proxy.requests += 1
                return proxy
        waits = [p.cooldown_until - now for p in self.proxies if not p.retired]
        raise NoProxyAvailable("no healthy proxy: all are cooling down or retired",
                               retry_after=max(0.0, min(waits)) if waits else None)

    def succeeded(self, proxy: Proxy) -> None:
        proxy.failures = 0

    def banned(self, proxy: Proxy, reason: str) -> None:
        """The target refused us through ``proxy`` (403, 429, captcha): rest it, and retire it when it keeps failing."""
        proxy.bans += 1
        self.failed(proxy, f"banned: {reason}")

    def failed(self, proxy: Proxy, reason: str) -> None:
        proxy.failures += 1
        proxy.cooldown_until = time.monotonic() + self.cooldown
        if proxy.failures >= self.max_failures:
            proxy.retired = True
            log.warning("proxy %s retired after %d failures in a row (%s)", proxy.label, proxy.failures, reason)
        else:
            log.info("proxy %s cooling down %.0fs (%s)", proxy.label, self.cooldown, reason)
        self._sessions = {site: p for site, p in self._sessions.items() if p is not proxy}

    def scrub(self, text: str) -> str:
        """``text`` with every proxy URL and password masked (for error messages from the HTTP stack)."""
        for proxy in self.proxies:
            text = redact_text(text.replace(proxy.url, proxy.label), url_secrets(proxy.url))
        return text


def ban_reason(status: int, text: str) -> str | None:
    """Why a response looks like a ban (status or a captcha marker in the first 20 kB), or None."""
    if status in BAN_STATUSES:
        return f"HTTP {status}"
    head = text[:20_000].lower()
    return next((f"marker {marker!r}" for marker in BAN_MARKERS if marker in head), None)
