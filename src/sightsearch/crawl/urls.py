"""Canonical URLs, fingerprints and site keys: the identity of a page across a crawl."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

from sightsearch.extract.urls import QUERY, SAFE_PATH

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that track the visitor, not the page: two URLs differing only in them are the same page.
_TRACKING_PARAM = re.compile(
    r"^(utm_\w+|gclid|gclsrc|dclid|fbclid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|ref_src"
    r"|sessionid|session_id|sid|phpsessid|jsessionid|aspsessionid\w*|cfid|cftoken)$",
    re.IGNORECASE,
)
# Java servlets put the session in the path (";jsessionid=..."), which w3lib keeps as a path parameter.
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)


# A simple URL, canonicalized without parsing it: an http(s) scheme, a lower-case ASCII host, a port only when it is
# not the default, a path of characters that need no escaping and no dot segment, a query of ``name=value`` pairs of
# unreserved characters, and any fragment. Its canonical form is the same URL with the fragment and the tracking
# pairs dropped and the pairs sorted. Most links of real pages have this form, and a regex match replaces two URL
# parsers (tests hold it to the full path, character class by character class).
_SIMPLE_URL = re.compile(rf"(https?)://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::([1-9][0-9]{{0,4}}))?({SAFE_PATH}){QUERY}"
                         r"(#[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?")


def quick_canonical(url: str) -> str | None:
    """The canonical form of a simple URL (see above), computed without parsing it; None for any other URL."""
    match = _SIMPLE_URL.fullmatch(url)
    if match is None or "/." in match.group(3):
        return None
    scheme, port, query = match.group(1), match.group(2), match.group(4)
    if port is not None and (int(port) > 65535 or int(port) == _DEFAULT_PORTS[scheme]):
        return None
    if not query:
        return url if match.group(5) is None else url[: match.end(3)]
    pairs = [pair.split("=", 1) for pair in query.split("&")]
    kept = sorted(pair for pair in pairs if not _TRACKING_PARAM.match(pair[0]))
    if kept == pairs and match.group(5) is None:
        return url
    return url[: match.end(3)] + ("?" + "&".join(f"{name}={value}" for name, value in kept) if kept else "")


def split_url(url: str) -> SplitResult:
    """``urlsplit(url)``; a simple URL without a fragment is split from its regex match, in a third of the time."""
    return split_with_site(url)[0]


def split_with_site(url: str) -> tuple[SplitResult, str | None]:
    """``urlsplit(url)`` and, for a simple canonical URL, its :func:`site_of` (its host and port as written);
    None for the site of any other URL (ask :func:`site_of`)."""
    match = _SIMPLE_URL.fullmatch(url)
    if match is None or match.group(5) is not None:
        return urlsplit(url), None
    scheme, port = match.group(1), match.group(2)
    netloc = url[len(scheme) + 3 : match.start(3)]
    parts = SplitResult(scheme, netloc, match.group(3), match.group(4) or "", "")
    usual_port = port is None or int(port) != _DEFAULT_PORTS[scheme] and int(port) <= 65535
    return parts, netloc if usual_port else None


_CACHE_SIZE = 20_000  # URLs; about 5 MB. The links a crawl meets again (menus, pagers, the page just queued) fit.
_canonical_cache: dict[str, str] = {}
_site_cache: dict[str, str] = {}


def _remember(cache: dict[str, str], key: str, value: str) -> str:
    """Keep ``value`` for ``key`` in a bounded cache: emptied when full, so memory stays flat over a long crawl."""
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def canonicalize_url(url: str) -> str:
    """The canonical form of ``url``: lowercase scheme and host, no fragment, sorted query without
    tracking parameters, no default port. Two URLs for the same page canonicalize to the same string."""
    cached = _canonical_cache.get(url)
    if cached is not None:
        return cached
    quick = quick_canonical(url)
    return _remember(_canonical_cache, url, quick if quick is not None else _canonicalize(url))


def _canonicalize(url: str) -> str:
    parts = urlsplit(url.strip())
    params = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(name, value) for name, value in params if not _TRACKING_PARAM.match(name)])
    path = _PATH_SESSION.sub("", parts.path)
    cleaned = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
    canonical = urlsplit(_w3lib_canonicalize(cleaned))
    host = _bracketed((canonical.hostname or "").rstrip("."))
    netloc = host if canonical.port in (None, _DEFAULT_PORTS.get(canonical.scheme)) else f"{host}:{canonical.port}"
    if canonical.username:
        # Credentials in a URL are kept (they change the page) but never lowercased.
        auth = canonical.username + (f":{canonical.password}" if canonical.password else "")
        netloc = f"{auth}@{netloc}"
    return urlunsplit((canonical.scheme, netloc, canonical.path or "/", canonical.query, ""))


def _bracketed(host: str) -> str:
    """An IPv6 literal host back in its brackets (``hostname`` drops them), so a port can follow it."""
    return f"[{host}]" if ":" in host else host


def url_fingerprint(url: str) -> str:
    """SHA-1 hex digest of the canonical URL: the dedup key of the frontier."""
    return hashlib.sha1(canonicalize_url(url).encode("utf-8")).hexdigest()  # C, ~1 us: not worth a cache


def site_of(url: str) -> str:
    """The site key: the lower-case host, plus ``:port`` when it is not the scheme's default.

    The one key everywhere: products are stored under it (and filtered by it in the API), events and metrics are
    labelled with it, and the crawler scopes and throttles by it.
    """
    cached = _site_cache.get(url)
    return cached if cached is not None else _remember(_site_cache, url, _site_key(url))


def _site_key(url: str) -> str:
    parts = split_url(url)
    host = _bracketed((parts.hostname or "").rstrip("."))
    port = parts.port
    return f"{host}:{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme.lower()) else host


def same_site(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` share host and port (so the same robots.txt and rate limit apply)."""
    return site_of(a) == site_of(b)


def robots_url(url: str) -> str:
    """The robots.txt URL that governs ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/robots.txt", "", ""))


def is_http_url(url: str) -> bool:
    """True for absolute http(s) URLs with a host."""
    parts = urlsplit(url)
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)
