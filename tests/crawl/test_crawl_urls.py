"""Canonical URLs, fingerprints and site keys."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sightsearch.crawl import canonicalize_url, same_site, site_of, url_fingerprint
from sightsearch.crawl.urls import _canonicalize, quick_canonical, robots_url, split_url, split_with_site
from sightsearch.extract.urls import join_url, link_base


@pytest.mark.parametrize(
    "variant",
    [
        "HTTP://Shop.Example.COM:80/cat?b=2&a=1#reviews",
        "http://shop.example.com/cat?a=1&b=2&utm_source=news&utm_medium=mail",
        "http://shop.example.com/cat?gclid=xyz&a=1&fbclid=abc&b=2&sessionid=42",
        "http://shop.example.com./cat?a=1&b=2&PHPSESSID=deadbeef",
    ],
)
def test_variants_of_one_page_share_a_fingerprint(variant: str) -> None:
    assert canonicalize_url(variant) == "http://shop.example.com/cat?a=1&b=2"
    assert url_fingerprint(variant) == url_fingerprint("http://shop.example.com/cat?a=1&b=2")


def test_different_pages_keep_different_fingerprints() -> None:
    base = "https://shop.example.com/cat?a=1"
    others = ["https://shop.example.com/cat?a=2", "https://shop.example.com/Cat?a=1", "http://shop.example.com/cat?a=1",
              "https://shop.example.com:8443/cat?a=1", "https://shop.example.com/cat?a=1&page=2"]
    assert len({url_fingerprint(url) for url in [base, *others]}) == 6
    assert len(url_fingerprint(base)) == 40


def test_canonical_form_details() -> None:
    assert canonicalize_url("https://EX.com:443") == "https://ex.com/"
    assert canonicalize_url("http://ex.com:8080/a;jsessionid=AB12?q=a b") == "http://ex.com:8080/a?q=a+b"


@pytest.mark.parametrize("url", ["http://[2606:4700::1111]/", "https://[2606:4700::1111]:8443/a?b=1#x",
                                 "HTTP://[2606:4700:0:0::1111]:80/p/1", "http://[::ffff:8.8.8.8]/"])
def test_ipv6_literal_hosts_keep_their_brackets(url: str) -> None:
    canonical = canonicalize_url(url)
    assert "[" in canonical and canonicalize_url(canonical) == canonical  # stable: the frontier canonicalizes again
    assert urlsplit(canonical).port == (8443 if ":8443" in url else None)
    assert site_of(canonical).startswith("[") and robots_url(canonical).startswith(canonical.split("/")[0] + "//[")


def test_site_keys() -> None:
    assert site_of("https://Ex.com/a") == "ex.com"
    assert site_of("http://ex.com:8080/a") == "ex.com:8080"
    assert same_site("http://ex.com/a", "http://EX.com:80/b")
    assert same_site("http://ex.com/a", "https://ex.com/a")  # one shop, the key products are stored under
    assert not same_site("http://ex.com/a", "http://www.ex.com/a")


# URL pieces that sit on either side of the plain forms' borders: case, ports, dot segments, escapes, params,
# tracking and unsorted queries, fragments, whitespace, non-ASCII, userinfo, IPv6.
_HOSTS = ["ex.com", "EX.com", "ex.com.", "127.0.0.1", "ex.com:80", "ex.com:443", "ex.com:8080", "ex.com:080",
          "ex.com:99999", "xn--bcher-kva.de", "bücher.de", "a-b.ex", "user@ex.com", "[::1]", ""]
_PIECES = ["a", "Z", "0", "-", ".", "_", "~", "/", "//", "/./", "/../", "/.", "..", "%2f", "%41", ";", "?", "&", "=",
           "#", ":", "@", "+", "'", "(", "!", "$", ",", "*", " ", "\t", "é", "\\", "utm_source", "page=2", "b=1",
           "a=1"]
_TAILS = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


_NAMES = st.sampled_from(["a", "b", "B", "page", "utm_source", "SID", "q", "x.y", "a~", "", "é", "a b", "%41"])
_VALUES = st.sampled_from(["", "=", "=1", "=2", "=a", "=a=b", "=%2F", "=+"])
_QUERIES = st.lists(st.tuples(_NAMES, _VALUES).map("".join), max_size=5).flatmap(
    lambda pairs: st.sampled_from(["&", ";", "&&"]).map(lambda separator: separator.join(pairs)))
_FRAGMENTS = st.sampled_from(["", "#", "#top", "#a?b=1", "#x y"])
# Structured URLs reach the query forms (several pairs, unsorted, tracking, odd separators) that random pieces miss.
_PATHS = st.one_of(st.sampled_from(["p/1", "", "a/b/", "a/./b", "x%41"]), _TAILS)
_STRUCTURED = st.tuples(_PATHS, _QUERIES, _FRAGMENTS).map(lambda parts: f"/{parts[0]}?{parts[1]}{parts[2]}")


@settings(max_examples=3000, deadline=None)
@given(scheme=st.sampled_from(["http", "https", "HTTP", "ftp"]), host=st.sampled_from(_HOSTS),
       tail=st.one_of(_TAILS, _STRUCTURED))
def test_a_quick_canonical_form_is_what_full_canonicalization_gives(scheme: str, host: str, tail: str) -> None:
    url = f"{scheme}://{host}{tail}"
    quick = quick_canonical(url)
    if quick is not None:
        assert quick == _canonicalize(url)
    assert split_url(url) == urlsplit(url)
    _, site = split_with_site(url)
    assert site is None or site == site_of(url)


_SIMPLE_PAIRS = st.lists(st.sampled_from(["a=1", "b=", "b=2", "page=3", "utm_source=x", "SID=9", "q=a.b"]), max_size=4)


@settings(max_examples=1000, deadline=None)
@given(start=st.sampled_from(["http://ex.com", "https://127.0.0.1:8443", "http://a-b.ex:80"]),
       path=st.sampled_from(["/", "/p/1", "/a/./b", "/a/b/"]), pairs=_SIMPLE_PAIRS,
       fragment=st.sampled_from(["", "#", "#top"]))
def test_quick_canonical_forms_of_simple_links(start: str, path: str, pairs: list[str], fragment: str) -> None:
    url = f"{start}{path}{'?' if pairs else ''}{'&'.join(pairs)}{fragment}"
    quick = quick_canonical(url)
    assert quick is None or quick == _canonicalize(url)
    assert split_url(url) == urlsplit(url)
    _, site = split_with_site(url)
    assert site is None or site == site_of(url)


_BASES = ["http://ex.com/a/b?q=1", "https://EX.com:8443/a/", "http://ex.com", "ftp://ex.com/a", "", "/relative",
          "http://127.0.0.1:5000/c/x?page=2#top", "http://ex.com/a/./b/c", "http://ex.com/a//b/c",
          "http://ex.com/a;p/b;q", "http://ex.com/a/../b", "http://ex.com/%41/b", "http://ex.com/a:b/c",
          "HTTP://ex.com/a/b", "http://ex.com?x=1", "http://ex.com/a/b/", "http://ex.com/.a/b", "http://ex.com/a/b/.."]


@settings(max_examples=4000, deadline=None)
@given(base=st.sampled_from(_BASES),
       href=st.one_of(_TAILS, st.sampled_from(["http://", "https://", "//"]).flatmap(
           lambda start: st.sampled_from(_HOSTS).flatmap(lambda host: _TAILS.map(lambda tail: start + host + tail)))))
def test_joining_a_link_gives_what_urljoin_gives(base: str, href: str) -> None:
    assert join_url(link_base(base), href) == urljoin(base, href)


def test_the_quick_path_covers_the_usual_links() -> None:
    usual = {"http://127.0.0.1:8765/p/blue-kettle-12": "http://127.0.0.1:8765/p/blue-kettle-12",
             "https://shop.example.com/c/kitchen?page=2#top": "https://shop.example.com/c/kitchen?page=2",
             "https://www.example.de/dp/B07/ref=sr_1?qid=17&keywords=kettle&utm_source=x":
                 "https://www.example.de/dp/B07/ref=sr_1?keywords=kettle&qid=17",
             "https://ex.com/c?utm_source=x": "https://ex.com/c"}
    assert {url: quick_canonical(url) for url in usual} == usual == {url: _canonicalize(url) for url in usual}
    assert [quick_canonical(url) for url in ["http://ex.com:80/", "https://Ex.com/", "https://ex.com/a/../b",
                                             "https://ex.com/a%2fb", "https://ex.com/c?q=a b"]] == [None] * 5
    assert join_url(link_base("http://ex.com/a/b"), "/p/1?page=2") == "http://ex.com/p/1?page=2"
    assert join_url(link_base("http://ex.com/a/b?q=1"), "c.html?page=2") == "http://ex.com/a/c.html?page=2"
