"""A URL guard checked before every request a fetcher sends, redirect hops included.

Runs submitted by API clients use one (``sightsearch.crawl.ssrf.url_guard``) so that a public seed cannot redirect
the crawler, or point its images, to loopback, private or cloud-metadata addresses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

UrlGuard = Callable[[str], Awaitable[None]]
"""Raises (a ``PermanentFetchError``) when the URL must not be requested."""
