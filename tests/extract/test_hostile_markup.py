"""Hostile pages for the extractor: a ``<meta charset>`` naming no text encoding, and start tags with so many
attributes that libxml2's quadratic duplicate check would take minutes (they are cut to ``MAX_ATTRIBUTES``)."""

from __future__ import annotations

import itertools
import json
import random
import time

import pytest
from lxml import etree

from sightsearch.demo import DemoShop
from sightsearch.demo.pages import render_site
from sightsearch.extract import extract_product
from sightsearch.extract.document import decode_html, parse_html

HOSTILE = ["zlib", "base64", "hex", "rot13", "bz2", "uu", "quopri", "undefined", "idna", "punycode", "utf-7",
           "unicode_escape", "x-user-defined", "replacement"]


def product_html(name: str = "Wasserkocher – Edelstahl", head: str = "", body: str = "") -> str:
    offer = {"@type": "Offer", "price": "24.90", "priceCurrency": "EUR"}
    data = {"@context": "https://schema.org", "@type": "Product", "name": name, "offers": offer}
    return (f"<html><head>{head}<title>{name}</title><script type='application/ld+json'>{json.dumps(data)}</script>"
            f"</head><body>{body}<h1>{name}</h1><p class='price'>24,90 €</p></body></html>")


@pytest.mark.parametrize("label", HOSTILE)
def test_a_meta_charset_naming_no_text_encoding_is_ignored(label: str) -> None:
    data = product_html(head=f'<meta charset="{label}">').encode()
    assert "Wasserkocher – Edelstahl" in decode_html(data)
    product = extract_product(data, "https://shop.example/p/1")
    assert (product.title, str(product.price), product.currency) == ("Wasserkocher – Edelstahl", "24.90", "EUR")


def many_attributes(count: int, separator: str = " ") -> str:
    return separator.join(f"a{n}=1" for n in range(count))


def widest(root: etree._Element) -> int:
    return max(len(element.attrib) for element in root.iter())


def test_a_tag_with_100k_attributes_parses_quickly_and_the_page_is_still_read() -> None:
    html = product_html(body=f"<div {many_attributes(100_000)}><b>inside</b></div>")  # 1 MB; ~20 s before the cap
    started = time.perf_counter()
    root = parse_html(html)
    product = extract_product(html.encode(), "https://shop.example/p/1")
    took = time.perf_counter() - started
    assert took < 5.0, f"{took:.1f}s"  # about 0.1 s here: a generous bound for a loaded 2-core machine
    from sightsearch.extract.document import MAX_ATTRIBUTES

    assert root is not None and widest(root) == MAX_ATTRIBUTES
    assert root.xpath("//div/b/text()") == ["inside"] and root.xpath("//div/@a0") == ["1"]
    assert (product.title, str(product.price)) == ("Wasserkocher – Edelstahl", "24.90")


@pytest.mark.parametrize("shape", [
    pytest.param('{} q=">" {}', id="a quoted > between the attributes"),
    pytest.param("<script>var s = '<p q=\"';</script><div {} {}>", id="a quote inside a script before the tag"),
    pytest.param("<script><!--<script></script><p q='</script><div {} {}>", id="a script's escaped inner script"),
    pytest.param("<textarea><p q='</textarea><div {} {}>", id="a quote inside a textarea"),
    pytest.param("<!-- <p q=' --><div {} {}>", id="a quote inside a comment"),
    pytest.param('<div a"b {} c"d {}>', id="quotes inside attribute names"),
    pytest.param("<div {}/{}>", id="slashes between the attributes"),
])
def test_no_markup_hides_a_tag_with_too_many_attributes(shape: str) -> None:
    first, second = many_attributes(15_000), " ".join(f"b{n}" for n in range(15_000))
    html = shape.format(first, second) if shape.startswith("<") else f"<div {shape.format(first, second)}>"
    started = time.perf_counter()
    root = parse_html(html)
    assert time.perf_counter() - started < 2.0
    assert root is not None and widest(root) <= 1000


def test_ordinary_pages_pass_through_unchanged() -> None:
    from sightsearch.extract.document import bound_attributes

    pages = list(render_site(DemoShop(products=40)).values())
    assert len(pages) > 40
    for text in pages:
        assert bound_attributes(text) is text


# A differential check against libxml2 itself, with a limit of 3: random markup built from the pieces that change how
# HTML is tokenized (quotes, raw-text elements, comments, script escapes, bogus comments, self-closing tags).
NAMES = ["p", "div", "script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "plaintext",
         "noscript", "template", "svg", "i", "SCRIPT", "Title", "scripts", "html", "body", "head", "table", "select"]
PIECES = ["<!--", "-->", "--!>", "<!-->", "<!--->", "<!", "<?", "</", ">", '"', "'", "=", "<", "-", "--", "/", "\n",
          "<!DOCTYPE html>", "<![CDATA[", "]]>", "</script>", "<script>", "</title >", "&amp;", "x", "word"]
CLOSES = [">", "/>", " />", "", " >", "\t>"]
VALUES = ["x", "a>b", "<p", "'", '"', " ", "</script>", "-->", "<!--", ""]


def attribute(rng: random.Random, name: str) -> str:
    value = rng.choice(VALUES)
    return rng.choice([f" {name}", f" {name}=x", f' {name}="{value.replace(chr(34), "")}"',
                       f" {name}='{value.replace(chr(39), '')}'", f'{name}="1"', f"/{name}",
                       f" {name} = y{value.replace(' ', '').replace('>', '')}", f'\n{name}="{value}'])


def random_markup(rng: random.Random) -> str:
    unique = (f"a{n}" for n in itertools.count())  # distinct names: libxml2 drops repeated ones, the cut counts them
    parts = []
    for _ in range(rng.randint(1, 12)):
        roll = rng.random()
        if roll < 0.45:
            attributes = "".join(attribute(rng, next(unique)) for _ in range(rng.randint(0, 6)))
            parts.append(f"<{rng.choice(NAMES)}{attributes}{rng.choice(CLOSES)}")
        elif roll < 0.6:
            parts.append("</" + rng.choice(NAMES) + rng.choice(["", ' x=">"', " a b"]) + rng.choice(CLOSES))
        else:
            piece = rng.choice(PIECES)
            parts.append(f" {next(unique)} " if piece == "word" else piece)
    return "".join(parts)


def libxml2_tree(text: str) -> tuple[int, bytes | None]:
    root = etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
    return (0, None) if root is None else (widest(root), etree.tostring(root))


def test_the_cut_agrees_with_libxml2_on_random_markup() -> None:
    from sightsearch.extract.document import bound_attributes

    rng, limit, cut = random.Random(20261128), 3, 0
    for _ in range(4000):
        text = random_markup(rng)
        bounded = bound_attributes(text, limit)
        widest_after, tree_after = libxml2_tree(bounded)
        widest_before, tree_before = libxml2_tree(text)
        assert widest_after <= limit, (text, bounded)  # no tag libxml2 reads keeps more than the limit...
        if widest_before <= limit:
            assert tree_after == tree_before, (text, bounded)  # ...and a page without such a tag parses the same
        cut += bounded != text
    assert cut > 1000  # the random markup does reach the cut
