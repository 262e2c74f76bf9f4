"""Decode a page once, parse it once with lxml, and keep what every source needs to read it.

Every extraction source works on the same :class:`Document`, so a page is decoded and parsed a single time.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

from charset_normalizer import from_bytes
from lxml import etree

from sightsearch.extract.embedded import json_attributes, take_scripts
from sightsearch.extract.urls import LinkBase, join_url, link_base

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# A <title> whose text runs into another tag instead of </title>.
_UNCLOSED_TITLE = re.compile(r"<title\b[^>]*>([^<]*)<(?!/title)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Browsers read these labels as a superset (WHATWG encoding standard); decoding strictly would garble real pages.
_LABEL_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "utf-8",
                  "ascii": "utf-8", "shift-jis": "cp932", "shift_jis": "cp932", "sjis": "cp932", "gb2312": "gb18030",
                  "gbk": "gb18030", "x-sjis": "cp932", "euc-kr": "cp949"}


def _declared_charset(data: bytes) -> str | None:
    """The charset named by a BOM or a ``<meta>`` tag near the top of the page, if Python knows it."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii", "ignore").strip().lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes) -> str:
    """Decode page bytes the way a browser would: BOM, then ``<meta charset>``, then UTF-8, then a guess.

    Never raises: undecodable bytes become U+FFFD.
    """
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared).lstrip("\ufeff")
        except UnicodeDecodeError:
            pass  # the declaration lies; fall through to detection rather than trust it with replacements
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else declared or "cp1252"
    return data.decode(encoding, errors="replace")


def _close_title(text: str) -> str:
    """Close a ``<title>`` that was never closed, which would otherwise swallow the whole page as its text."""
    match = _UNCLOSED_TITLE.search(text, 0, 65536)
    return text if match is None else text[: match.end(1)] + "</title>" + text[match.end(1) :]


def parse_html(text: str) -> etree._Element | None:
    """Parse HTML leniently with lxml; ``None`` when there is no document at all."""
    if not text.strip():
        return None
    text = _close_title(text)
    # Parsing UTF-8 bytes sidesteps lxml's refusal of str input that carries an XML encoding declaration.
    # A plain etree parser: lxml.html's element classes cost a Python lookup per element, a third of the run time.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, UnicodeError):
        return None
    return root


def country_from_host(host: str) -> str | None:
    """The country a host's top-level domain names (``shop.co.uk`` -> ``GB``), or ``None`` for generic TLDs."""
    labels = host.lower().rstrip(".").split(".")
    tld = labels[-1] if labels else ""
    if len(tld) != 2 or not tld.isalpha():
        return None
    return "GB" if tld == "uk" else tld.upper()


@dataclass
class Document:
    """One parsed page: its tree, its address and the language and country hints read from it.

    ``tree`` holds only what a person can see: scripts, styles and templates are removed after parsing (which
    halves the cost of reading the visible text); the JSON-LD blocks are kept aside in ``jsonld_texts``.
    """

    url: str
    tree: etree._Element | None
    lang: str | None = None
    country: str | None = None
    host: str = ""
    jsonld_texts: list[str] = field(default_factory=list)
    has_item_markup: bool = True  # False when the source has no itemprop/itemscope/typeof at all: skip the search
    state_texts: list[tuple[str, str]] = field(default_factory=list)  # (framework, script text): see extract.state
    json_attributes: list[str] = field(default_factory=list)  # data-* attribute values holding priced JSON
    parsed: dict[str, object] = field(default_factory=dict)  # what readers parsed once and share (JSON-LD blocks)

    def xpath(self, query: str) -> list:
        """Run an XPath query on the tree; an empty list when the page did not parse."""
        if self.tree is None:
            return []
        try:
            return compiled_xpath(query)(self.tree)
        except etree.XPathError:
            return []

    @cached_property
    def item_elements(self) -> list[etree._Element]:
        """Elements carrying microdata or RDFa attributes, found in one pass for every structured-data reader."""
        if not self.has_item_markup:
            return []
        # Walking the attribute axis is about four times faster in libxml2 than testing every element.
        return self.xpath("//@itemscope/.. | //@typeof/.. | //@itemprop/..")

    def absolute(self, link: str) -> str:
        """``urljoin(url, link)``, plain links joined without parsing (:func:`sightsearch.extract.urls.join_url`)."""
        return join_url(self._link_base, link)

    @cached_property
    def _link_base(self) -> LinkBase:
        return link_base(self.url)

    @cached_property
    def title(self) -> str | None:
        """The ``<title>`` text, whitespace collapsed."""
        found = self.xpath("//title/text()")
        return clean_text(found[0]) if found else None


@lru_cache(maxsize=512)
def compiled_xpath(query: str) -> etree.XPath:
    """``query`` compiled once: lxml compiles a string query again on every call. Raises ``XPathSyntaxError``."""
    return etree.XPath(query)


_DESCENDANT_TEXTS = etree.XPath(".//text()", smart_strings=False)  # plain strings: joined, never asked for a parent


def clean_text(value: object) -> str:
    """Collapse whitespace (including no-break spaces) in a text value."""
    return " ".join(str(value).split())


def element_text(element: etree._Element) -> str:
    """The text of an element, whitespace collapsed (scripts and styles are already gone from the tree)."""
    try:
        parts = _DESCENDANT_TEXTS(element)
    except (etree.XPathError, ValueError):
        return ""
    return clean_text(" ".join(parts))


def _language_hints(tree: etree._Element | None) -> tuple[str | None, str | None]:
    """The page language and, when the language tag has one, its region (``en-CA`` -> ``en``, ``CA``)."""
    if tree is None:
        return None, None
    raw = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not raw:
        metas = tree.xpath("//meta[@http-equiv][translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
                           "='content-language']/@content")
        raw = metas[0] if metas else ""
    parts = re.split(r"[-_]", raw.strip())
    lang = parts[0].lower() if parts and parts[0].isalpha() and len(parts[0]) in (2, 3) else None
    region = parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 and parts[1].isalpha() else None
    return lang, region


def load_document(html: str | bytes, url: str) -> Document:
    """Decode (when given bytes) and parse a page, and read its language and country hints."""
    text = decode_html(html) if isinstance(html, bytes) else html
    tree = parse_html(text)
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    lang, region = _language_hints(tree)
    jsonld_texts, state_texts = take_scripts(tree)
    return Document(url=url, tree=tree, lang=lang, country=country_from_host(host) or region, host=host,
                    jsonld_texts=jsonld_texts, has_item_markup="itemprop" in text or "typeof" in text,
                    state_texts=state_texts, json_attributes=json_attributes(text))
