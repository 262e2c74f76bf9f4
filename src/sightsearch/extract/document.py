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

from sightsearch.crawl.decode import meta_charset, text_codec
from sightsearch.extract.embedded import json_attributes, take_scripts
from sightsearch.extract.urls import LinkBase, join_url, link_base

# A <title> whose text runs into another tag instead of </title>.
_UNCLOSED_TITLE = re.compile(r"<title\b[^>]*>([^<]*)<(?!/title)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# A page that declares ASCII promised 7-bit bytes: read strictly as UTF-8 (its superset), one that breaks the promise
# falls through to detection instead of the browsers' windows-1252, which would accept any bytes, garbled.
_ASCII_LABELS = frozenset({"ascii", "us-ascii", "ansi_x3.4-1968"})


def _declared_charset(data: bytes) -> str | None:
    """The charset named by a BOM or a ``<meta>`` tag near the top of the page, if it is a text encoding."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    label = meta_charset(data)
    if label is not None and label.strip().lower() in _ASCII_LABELS:
        return "utf-8"
    return text_codec(label)


def decode_html(data: bytes) -> str:
    """Decode page bytes the way a browser would: BOM, then ``<meta charset>``, then UTF-8, then a guess.

    Never raises: undecodable bytes become U+FFFD.
    """
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared).lstrip("\ufeff")
        except UnicodeError:
            pass  # the declaration lies; fall through to detection rather than trust it with replacements
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else declared or "cp1252"
    return data.decode(encoding, errors="replace")


# libxml2 checks each attribute of a start tag against the ones before it: N attributes cost N^2 (150,000 of them,
# 1.3 MB, took 52 s). A tag past the limit keeps its first MAX_ATTRIBUTES: real pages stay near 30 per element, and a
# 5 MB page of tags at the limit still parses in 0.16 s (1.4 s at 1,000).
MAX_ATTRIBUTES = 256
_WS = "\t\n\f\r "
# One attribute, as the HTML tokenizer reads it (libxml2 2.14 follows it): a name (which may start with "="), then
# maybe "=" and a quoted value (an unclosed one runs to the end) or an unquoted one. Possessive: no backtracking.
# The first branch is the common name="value", read in fewer steps.
_VALUE = rf"""(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^{_WS}>]++)"""
_ATTRIBUTE = (rf"""(?:[ ][a-zA-Z][-a-zA-Z0-9_:.]*+="[^"]*+"|[{_WS}/]*+[^{_WS}/>][^{_WS}/>=]*+"""
              rf"""(?:=(?:"[^"]*+(?:"|\Z)|[{_WS}]*+{_VALUE}?)|[{_WS}]++=[{_WS}]*+{_VALUE}?)?)""")
_TAG_CLOSE = rf"(?P<close>[{_WS}/]*+(?:>|\Z))"
# Elements whose text is not markup, up to their end tag (plaintext: to the end of the page).
_RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext", "title", "textarea")


def _any_case(word: str) -> str:
    """``word`` as a case-blind pattern of character classes (faster than an inline ``(?i:...)`` in a hot loop)."""
    return "".join(f"[{char}{char.upper()}]" for char in word)


@lru_cache(maxsize=4)
def _markup_patterns(limit: int) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Patterns for :func:`bound_attributes`: the markup it reads in one C-speed match (text, start tags of at most
    ``limit`` attributes, end tags, comments; the plain ``<a href="x">`` and ``</a>`` first, in fewer steps), a whole
    start tag, and a start tag's first ``limit`` attributes."""
    raw = "|".join(_any_case(name) for name in _RAW_TEXT)
    not_raw = rf"(?!(?:{raw})(?:[{_WS}/>]|\Z))"
    plain = re.compile(rf"""(?:[^<]++
        | </[a-zA-Z][a-zA-Z0-9]*+>
        | <{not_raw}[a-zA-Z][a-zA-Z0-9]*+(?:[ ][a-zA-Z][-a-zA-Z0-9_:.]*+="[^"]*+"){{0,{limit}}}+[ ]?/?>
        | <{not_raw}[A-Za-z][^{_WS}/>]*+(?:{_ATTRIBUTE}){{0,{limit}}}+[{_WS}/]*+(?:>|\Z)
        | </(?:[A-Za-z][^{_WS}/>]*+(?:{_ATTRIBUTE})*+[{_WS}/]*+(?:>|\Z)|[^>]*+>?)
        | <!--(?:-?>|(?:[^-]++|-(?!-!?>))*+(?:--!?>|\Z))
        | <[!?][^>]*+>?
        | <(?![A-Za-z!?/])
        )*+""", re.VERBOSE)
    tag = re.compile(rf"<(?P<name>[A-Za-z][^{_WS}/>]*+)(?:{_ATTRIBUTE})*+{_TAG_CLOSE}")
    first = re.compile(rf"<[A-Za-z][^{_WS}/>]*+(?:{_ATTRIBUTE}){{0,{limit}}}+")
    return plain, tag, first


_RAW_TEXT_ENDS = {name: re.compile(rf"</{_any_case(name)}(?=[{_WS}/>])") for name in _RAW_TEXT}
_SCRIPT_MARKS = re.compile(rf"<!--(?P<shut>-*>)?|-->|<(?P<end>/)?{_any_case('script')}(?=[{_WS}/>])")


def _raw_text_end(text: str, start: int, name: str) -> int:
    """Where the text of raw-text element ``name`` starting at ``start`` ends: at its end tag, else the page's end."""
    if name == "script":
        return _script_end(text, start)
    end = _RAW_TEXT_ENDS[name].search(text, start) if name != "plaintext" else None
    return end.start() if end is not None else len(text)


def _script_end(text: str, start: int) -> int:
    """The end of a script's text by the tokenizer's script states: inside ``<!-- <script>``, ``</script>`` does not
    end it (it ends that inner "script"), and ``-->`` ends the escape."""
    end = _RAW_TEXT_ENDS["script"].search(text, start)
    stop = end.start() if end is not None else len(text)
    if text.find("<!--", start, stop) < 0:  # the common case: no escape before the first </script>
        return stop
    escaped = double = False
    for mark in _SCRIPT_MARKS.finditer(text, start):
        if mark.group("shut") is not None or mark.group() == "-->":
            escaped = double = False
        elif mark.group().startswith("<!--"):
            escaped = True
        elif mark.group("end"):
            if not double:
                return mark.start()
            double = False
        elif escaped:
            double = True
    return len(text)


def bound_attributes(text: str, limit: int = MAX_ATTRIBUTES) -> str:
    """``text`` with every start tag cut to its first ``limit`` attributes (the others dropped), so that libxml2's
    quadratic duplicate check stays cheap. Tags are found as libxml2's tokenizer finds them (quotes, comments, raw
    text, script escapes), so no markup hides one; a page without such a tag comes back as the same object."""
    plain, tag, first = _markup_patterns(limit)
    position = plain.match(text).end()
    if position == len(text):
        return text
    pieces, copied = [], 0
    while position < len(text):  # at a raw-text element's start tag, or one with too many attributes
        start = tag.match(text, position)
        name, close = start.group("name").lower(), start.group("close")
        kept = first.match(text, position).end()
        if kept < start.start("close"):  # the space keeps "/>" a self-closing mark after an unquoted value
            pieces += [text[copied:kept], " ", close]
            copied = start.end()
        position = start.end()
        if name in _RAW_TEXT and not close.endswith("/>"):  # libxml2 reads <script/> as an empty element
            position = _raw_text_end(text, position, name)
        position = plain.match(text, position).end()
    return "".join([*pieces, text[copied:]])


def _close_title(text: str) -> str:
    """Close a ``<title>`` that was never closed, which would otherwise swallow the whole page as its text."""
    match = _UNCLOSED_TITLE.search(text, 0, 65536)
    return text if match is None else text[: match.end(1)] + "</title>" + text[match.end(1) :]


def parse_html(text: str) -> etree._Element | None:
    """Parse HTML leniently with lxml; ``None`` when there is no document at all. A start tag past
    ``MAX_ATTRIBUTES`` attributes keeps its first ones (:func:`bound_attributes`): the rest of the page still parses."""
    if not text.strip():
        return None
    text = bound_attributes(_close_title(text))
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
