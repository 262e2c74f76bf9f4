"""Joining a page's links to its address cheaply: what ``urljoin`` gives, without parsing the common forms.

A shop's links are mostly plain: ``/p/blue-kettle-12?page=2``, ``kettle-12.html`` or ``https://shop.example/p/12``.
Such a link is joined by concatenation (an absolute one is itself), which gives what
:func:`urllib.parse.urljoin` gives (property tests in ``tests/crawl/test_crawl_urls.py`` hold the two together);
anything else goes through urljoin.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

# Path characters that no URL parser or canonicalizer changes, and ``name=value`` query pairs of unreserved ones.
SAFE_PATH = r"/[A-Za-z0-9._~!$&'()*+,=:@/-]*"
PAIR = r"[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*"
QUERY = rf"(?:\?({PAIR}(?:&{PAIR})*))?"
PLAIN_URL = re.compile(rf"(https?)://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[1-9][0-9]{{0,4}})?{SAFE_PATH}{QUERY}")
_PLAIN_ROOTED = re.compile(rf"(?!//){SAFE_PATH}{QUERY}")
# A relative path whose first segment has no ":" (which would make it a scheme).
_PLAIN_RELATIVE = re.compile(rf"[A-Za-z0-9._~!$&'()*+,=@-]+(?:{SAFE_PATH})?{QUERY}")
_PLAIN_DIRECTORY = re.compile(r"/(?:[A-Za-z0-9._~!$&'()*+,=:@-]+/)*")
_HTTP = frozenset({"http", "https"})


class LinkBase(NamedTuple):
    """A page's address prepared for joining its links (:func:`link_base`)."""

    url: str
    origin: str  # scheme://host[:port]; empty unless the address is http(s) with a host
    directory: str  # the origin and the path up to its last "/"; empty when the path needs urljoin's cleaning


def link_base(url: str) -> LinkBase:
    """``url`` prepared for :func:`join_url`."""
    parts = urlsplit(url)
    if parts.scheme not in _HTTP or not parts.netloc:
        return LinkBase(url, "", "")
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path or "/"
    directory = path[: path.rfind("/") + 1]
    plain = _PLAIN_DIRECTORY.fullmatch(directory) and "/." not in directory
    return LinkBase(url, origin, origin + directory if plain else "")


def join_url(base: LinkBase, href: str) -> str:
    """``urljoin(base.url, href)``: a plain absolute ``href`` is itself, a plain root-relative one is appended to
    the origin and a plain relative one to the directory (no dot or empty segment to resolve); anything else goes
    through urljoin."""
    if href[:1] == "/":
        if base.origin and _PLAIN_ROOTED.fullmatch(href) and "/." not in href:
            return base.origin + href
    elif href[:4] == "http" and PLAIN_URL.fullmatch(href):  # no fragment: urljoin would keep it
        return href
    elif base.directory and _PLAIN_RELATIVE.fullmatch(href) and "/." not in "/" + href and "//" not in href:
        return base.directory + href
    return urljoin(base.url, href)
