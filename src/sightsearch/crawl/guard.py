"""A URL guard checked before every request a fetcher sends, redirect hops included.

Runs submitted by API clients use one (``sightsearch.api.ssrf.url_guard``) so that a public seed cannot redirect
the crawler, or point its images, to loopback, private or cloud-metadata addresses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

UrlGuard = Callable[[str], Awaitable[None]]
"""Raises (a ``PermanentFetchError``) when the URL must not be requested."""


def guarded_transport(guard: UrlGuard | None, **options: object) -> httpx.AsyncBaseTransport | None:
    """The transport a guard pins connections with (``crawl.ssrf.SsrfGuard.transport``), or None for httpx's own."""
    make = getattr(guard, "transport", None)
    return make(**options) if make is not None else None


def guard_hook(guard: UrlGuard) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request event hook that runs ``guard`` on each outgoing request's URL."""

    async def check(request: httpx.Request) -> None:
        await guard(str(request.url))

    return check
