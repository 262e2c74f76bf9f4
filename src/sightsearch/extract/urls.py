"""Joining a page's links to its address cheaply: what ``urljoin`` gives, without parsing the common forms.

A shop's links are mostly plain: ``/p/blue-kettle-12?page=2`` or ``https://shop.example/p/12``. Such a link is
joined by concatenation (an absolute one is itself), which gives what :func:`urllib.parse.urljoin` gives (property
tests in ``tests/crawl/test_crawl_urls.py`` hold the two together); anything else goes through urljoin.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

# Path characters that no URL parser or canonicalizer changes, and ``name=value`` query pairs of unreserved ones.
SAFE_PATH = r"/[A-Za-z0-9._~!$&'()*+,=:@/-]*"
PAIR = r"[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*"
QUERY = rf"(?:\?({PAIR}(?:&{PAIR})*))?"
PLAIN_URL = re.compile(rf"(https?)://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[1-9][0-9]{{0,4}})?{SAFE_PATH}{QUERY}")
_PLAIN_REFERENCE = re.compile(rf"(?!//){SAFE_PATH}{QUERY}")
_HTTP = frozenset({"http", "https"})


def base_origin(base: str) -> str:
    """``scheme://host[:port]`` of an http(s) base URL, as :func:`join_url` wants it; empty for any other base."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in _HTTP and parts.netloc else ""


def join_url(base: str, origin: str, href: str) -> str:
    """``urljoin(base, href)`` (``origin`` from :func:`base_origin`): a plain absolute ``href`` is itself, a plain
    root-relative one is appended to the origin (no dot segment to resolve), anything else goes through urljoin."""
    if href[:1] == "/":
        if origin and _PLAIN_REFERENCE.fullmatch(href) and "/." not in href:
            return origin + href
    elif href[:4] == "http" and PLAIN_URL.fullmatch(href):  # no fragment: urljoin would keep it
        return href
    return urljoin(base, href)
