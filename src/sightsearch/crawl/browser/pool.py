"""The session pool: sessions started on demand, reused, recycled after N pages or past a memory ceiling."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sightsearch.config import Settings
from sightsearch.crawl.browser.session import BrowserSession

log = logging.getLogger(__name__)

ProxySource = Callable[[], str | None]
"""Gives the proxy of a new session (``scheme://host:port``), or None for a direct connection."""


@dataclass(frozen=True, slots=True)
class Recycled:
    """Why and when a session was replaced: ``reason`` is ``pages``, ``memory`` or ``crashed``."""

    reason: str
    pages: int
    memory_bytes: int


def proxy_cycle(proxies: Sequence[str]) -> ProxySource:
    """A ``ProxySource`` that hands out ``proxies`` in turn (None for each session when the list is empty)."""
    if not proxies:
        return lambda: None
    turns = itertools.cycle(list(proxies))
    lock = threading.Lock()

    def next_proxy() -> str | None:
        with lock:
            return next(turns)

    return next_proxy


class SessionPool:
    """Blocking and thread-safe; the fetcher's semaphore keeps at most ``browser_sessions`` checked out."""

    def __init__(self, settings: Settings, proxy_for_session: ProxySource,
                 on_recycle: Callable[[Recycled], None] | None = None) -> None:
        self._settings = settings
        self._proxy_for_session = proxy_for_session
        self._on_recycle = on_recycle
        self._idle: list[BrowserSession] = []
        self._busy: set[BrowserSession] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.started = 0

    def acquire(self) -> BrowserSession:
        """An idle session, or a new one (a fresh profile, the next proxy) when none is idle."""
        with self._lock:
            session = self._idle.pop() if self._idle else None
        if session is None:
            session = BrowserSession(self._settings, self._proxy_for_session())
            with self._lock:
                self.started += 1
        with self._lock:
            self._busy.add(session)
        return session

    def release(self, session: BrowserSession, *, crashed: bool = False) -> None:
        """Give ``session`` back after a page; closed instead when it crashed, is worn out, or the pool closed."""
        session.pages += 1
        reason = "crashed" if crashed else self._wear(session)
        with self._lock:
            self._busy.discard(session)
            keep = reason is None and not self._closed
            if keep:
                self._idle.append(session)
        if keep:
            return
        memory = session.memory_bytes() if reason in ("pages", "memory") else 0
        session.close()
        if reason is not None:
            log.debug("browser session replaced (%s) after %d pages", reason, session.pages)
            if self._on_recycle is not None:
                self._on_recycle(Recycled(reason, session.pages, memory))

    def _wear(self, session: BrowserSession) -> str | None:
        if session.pages >= self._settings.browser_pages_per_session:
            return "pages"
        if session.memory_bytes() > self._settings.browser_max_memory_mb * 1024 * 1024:
            return "memory"
        return None

    def memory_bytes(self) -> int:
        """Resident memory of every live session's browser processes."""
        with self._lock:
            sessions = [*self._idle, *self._busy]
        return sum(session.memory_bytes() for session in sessions)

    def close(self) -> None:
        """Close the idle sessions now; busy ones close when released."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for session in idle:
            session.close()
