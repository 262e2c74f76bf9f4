"""Decoding and parsing: charsets from BOM and <meta>, detection fallback, and inputs that are not HTML at all."""

from __future__ import annotations

import codecs

import pytest

from sightsearch.extract import extract_product
from sightsearch.extract.document import country_from_host, decode_html, load_document


def _page(charset: str, body: str) -> str:
    return f'<html><head><meta charset="{charset}"><title>t</title></head><body><h1>{body}</h1></body></html>'


@pytest.mark.parametrize(
    ("charset", "text"),
    [("iso-8859-1", "Crème brûlée à 5 €"), ("windows-1252", "Größe – „Schuhe“ €"), ("shift_jis", "日本語の商品 1,280円")],
)
def test_meta_charset_is_honoured(charset: str, text: str) -> None:
    encoding = {"iso-8859-1": "cp1252"}.get(charset, charset)
    data = _page(charset, text).encode(encoding)
    assert text in decode_html(data)


def test_latin1_label_is_read_as_windows_1252_like_browsers() -> None:
    data = _page("ISO-8859-1", "price \x80 5").encode("latin-1")
    assert "price € 5" in decode_html(data)


def test_bom_beats_meta() -> None:
    data = codecs.BOM_UTF8 + _page("iso-8859-1", "Ærø €").encode("utf-8")
    assert "Ærø €" in decode_html(data)


def test_undeclared_non_utf8_is_detected() -> None:
    text = "Прекрасный товар, цена 1 000 руб. В наличии. " * 20
    data = f"<html><body><p>{text}</p></body></html>".encode("cp1251")
    assert "Прекрасный товар" in decode_html(data)


def test_declared_charset_that_lies_falls_back_to_utf8() -> None:
    data = '<meta charset="us-ascii"><p>Телефон</p>'.encode()
    assert "Телефон" in decode_html(data)


@pytest.mark.parametrize(
    "data", [b"", b"   ", b"\x00\xff\xfe garbage \x89PNG", "<<<>>>", "<html><body><div><p>unclosed"]
)
def test_garbage_never_raises(data: bytes | str) -> None:
    product = extract_product(data, "https://shop.example/p/1")
    assert product.url == "https://shop.example/p/1"
    assert product.price is None


def test_xml_declaration_in_str_input_is_accepted() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?><html><body><h1>Hi</h1></body></html>'
    doc = load_document(html, "https://a.example/")
    assert doc.tree is not None and doc.xpath("//h1/text()") == ["Hi"]


def test_language_and_country_hints() -> None:
    doc = load_document('<html lang="en-CA"><body></body></html>', "https://shop.example.com/x")
    assert (doc.lang, doc.country) == ("en", "CA")
    assert country_from_host("www.shop.co.uk") == "GB"
    assert country_from_host("shop.de") == "DE"
    assert country_from_host("shop.com") is None


def test_unclosed_title_does_not_swallow_the_page() -> None:
    html = '<html><head><title>Lamp\n<meta name="x"></head><body><h1>Lamp</h1><p class="price">$19.99</p></body>'
    doc = load_document(html, "https://a.example/")
    assert doc.title == "Lamp" and doc.xpath("//h1/text()") == ["Lamp"]
    assert extract_product(html, "https://a.example/").price is not None
