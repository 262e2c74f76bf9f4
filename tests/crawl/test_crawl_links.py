"""Link discovery (scope, skipping, classification, selectors) and sitemap parsing."""

from __future__ import annotations

from sightsearch.crawl import discover_links, parse_sitemap
from sightsearch.crawl.sitemap import MAX_SITEMAP_BYTES, is_sitemap_index
from sightsearch.extract.document import load_document, parse_html

PAGE = "http://shop.test/catalog/shoes?page=1"

LISTING_HTML = """
<html><head><base href="/catalog/"></head><body>
<nav><a href="/about">About</a><a href="/category/boots">Boots</a></nav>
<div itemscope itemtype="https://schema.org/Product"><a itemprop="url" href="/trail-runner">Trail</a></div>
<a href="p/123">Relative product</a> <a href="/shoes/sneaker-p-4711">Sneaker</a> <a href="/dp/B00X">Dp</a>
<a href="/shoes/boot-9876.html">Boot</a> <a href="/product/sandal">Sandal</a>
<ul class="pagination"><li><a href="/catalog/shoes/2">2</a></li></ul>
<a rel="next" href="/catalog/shoes?page=2&utm_source=x">Next</a>
<a href="/catalog/shoes?page=2">Next again</a>
<a href="/login" rel="nofollow">Login</a> <a href="mailto:x@shop.test">Mail</a> <a href="javascript:void(0)">JS</a>
<a href="/img/big.JPG">Photo</a> <a href="/styles.css">css</a> <a href="/manual.pdf">pdf</a>
<a href="https://elsewhere.test/p/1">Other site</a> <a href="http://shop.test:8080/p/1">Other port</a>
<a href="#top">Top</a>
</body></html>
"""


def test_links_are_scoped_skipped_and_classified() -> None:
    links = {link.url: link.kind for link in discover_links(LISTING_HTML, PAGE)}
    assert links == {
        "http://shop.test/about": "unknown",
        "http://shop.test/category/boots": "listing",
        "http://shop.test/trail-runner": "product",
        "http://shop.test/catalog/p/123": "product",  # resolved against <base href>
        "http://shop.test/shoes/sneaker-p-4711": "product",
        "http://shop.test/dp/B00X": "product",
        "http://shop.test/shoes/boot-9876.html": "product",
        "http://shop.test/product/sandal": "product",
        "http://shop.test/catalog/shoes/2": "listing",
        "http://shop.test/catalog/shoes?page=2": "listing",
        "http://shop.test/catalog/": "listing",  # "#top" resolved against the base
    }


def test_links_carry_referer_and_keep_page_order() -> None:
    links = discover_links('<a href="/b">b</a><a href="/a">a</a><a href="/b#x">b again</a>', "http://shop.test/")
    assert [link.url for link in links] == ["http://shop.test/b", "http://shop.test/a"]
    assert all(link.referer == "http://shop.test/" for link in links)


def test_selectors_decide_when_given() -> None:
    html = """<div class="tile"><a href="/x/1">one</a></div><a href="/p/2">looks like a product</a>
              <span class="more"><a href="/x?page=9">more</a></span><a rel="next" href="/next">next</a>"""
    links = {link.url: link.kind for link in discover_links(
        html, "http://shop.test/", product_link_selectors=[".tile a"], pagination_selectors=[".more a"])}
    assert links == {"http://shop.test/x/1": "product", "http://shop.test/p/2": "unknown",
                     "http://shop.test/x?page=9": "listing", "http://shop.test/next": "unknown"}


def test_a_tree_parsed_for_extraction_gives_the_same_links() -> None:
    # The crawler may parse a page once and share the tree: the Document (scripts removed) or the bare lxml tree.
    html = LISTING_HTML.replace("<body>", "<body><script>var a = '<a href=\\'/p/ghost\\'>';</script>"
                                          "<noscript><a href='/p/no-js'>x</a></noscript>")
    def described(source: object, **selectors: list[str]) -> list[tuple[str, str]]:
        return [(link.url, link.kind) for link in discover_links(source, PAGE, **selectors)]  # type: ignore[arg-type]

    for selectors in ({}, {"product_link_selectors": ["nav a"], "pagination_selectors": [".pagination a"]}):
        expected = described(html, **selectors)
        assert expected and described(load_document(html, PAGE), **selectors) == expected
        assert described(parse_html(LISTING_HTML), **selectors) == described(LISTING_HTML, **selectors)
    assert not {"http://shop.test/p/ghost", "http://shop.test/p/no-js"} & set(dict(described(html)))


def test_malformed_html_still_yields_links() -> None:
    html = "<div><a href='/p/1'>one<a href=/p/2>two</div></span><table><a href=\"/c/3\">three"
    assert [link.url for link in discover_links(html, "http://shop.test/x")] == [
        "http://shop.test/p/1", "http://shop.test/p/2", "http://shop.test/c/3"]


URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://shop.test/p/1</loc></url>
  <url><loc> /p/2 </loc></url>
  <url><loc>ftp://shop.test/file</loc></url>
</urlset>"""

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://shop.test/sitemap-products.xml</loc></sitemap>
</sitemapindex>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/hostname"><!ENTITY a "aaaaaaaaaa">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://shop.test/&secret;</loc></url><url><loc>&a;&a;</loc></url>
</urlset>"""


def test_parse_urlset_and_index() -> None:
    assert parse_sitemap(URLSET, "https://shop.test/sitemap.xml") == ["https://shop.test/p/1", "https://shop.test/p/2"]
    assert parse_sitemap(INDEX, "https://shop.test/") == ["https://shop.test/sitemap-products.xml"]
    assert is_sitemap_index(INDEX) and not is_sitemap_index(URLSET)


def test_sitemap_is_defused_and_bounded() -> None:
    # Neither the external entity nor the internal one is expanded: only the literal text before them is left.
    assert parse_sitemap(XXE, "https://shop.test/") == ["https://shop.test/"]
    assert parse_sitemap("<urlset><url><loc>", "https://shop.test/") == []
    assert parse_sitemap(b" " * (MAX_SITEMAP_BYTES + 1), "https://shop.test/") == []


def test_a_gzipped_sitemap_is_read_within_the_size_cap() -> None:
    import gzip

    assert parse_sitemap(gzip.compress(URLSET.encode()), "https://shop.test/") == ["https://shop.test/p/1",
                                                                                   "https://shop.test/p/2"]
    assert is_sitemap_index(gzip.compress(INDEX.encode()))
    # A bomb: 60 MB of blanks in ~60 KB. Inflating stops at the cap, so the sitemap is refused, not held in memory.
    bomb = gzip.compress(URLSET.encode()[:-11] + b" " * (MAX_SITEMAP_BYTES + 10 * 1024 * 1024) + b"</urlset>")
    assert len(bomb) < MAX_SITEMAP_BYTES // 100
    assert parse_sitemap(bomb, "https://shop.test/") == [] and not is_sitemap_index(bomb)
    # A broken stream (cut short, or a gzip header on garbage) is no sitemap and no error.
    assert parse_sitemap(gzip.compress(URLSET.encode())[:40], "https://shop.test/") == []
    assert parse_sitemap(b"\x1f\x8b" + b"garbage" * 10, "https://shop.test/") == []
