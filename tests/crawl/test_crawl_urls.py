"""Canonical URLs, fingerprints and site keys."""

from __future__ import annotations

import pytest

from sightsearch.crawl import canonicalize_url, same_site, site_of, url_fingerprint


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


def test_site_keys() -> None:
    assert site_of("https://Ex.com/a") == "ex.com"
    assert site_of("http://ex.com:8080/a") == "ex.com:8080"
    assert same_site("http://ex.com/a", "http://EX.com:80/b")
    assert same_site("http://ex.com/a", "https://ex.com/a")  # one shop, the key products are stored under
    assert not same_site("http://ex.com/a", "http://www.ex.com/a")
