"""What the heuristics share about one page: its visible text nodes in order and where the product sits."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from lxml import etree

from sightsearch.extract.currency import find_currency
from sightsearch.extract.document import Document, element_text

# Scripts and styles are already stripped from the tree (see Document); option lists are not read as content.
_VISIBLE_TEXT = "//body//text()[normalize-space()][not(parent::option or parent::textarea)]"
# Class/id/itemprop keywords that mark where a template keeps a field.
_KEYWORDS = {"price": ("price", "preis", "prix", "precio", "prezzo", "prijs"),
             "stock": ("stock", "availab", "inventory", "dostupnost", "lager", "soldout", "sold-out", "sold_out"),
             "brand": ("brand", "vendor", "manufacturer", "hersteller")}
_NO_KINDS: frozenset[str] = frozenset()
_ALL_KINDS = frozenset(_KEYWORDS)
_KIND_OF_WORD = {word: kind for kind, words in _KEYWORDS.items() for word in words}
_ANY_KEYWORD = re.compile("|".join(_KIND_OF_WORD), re.IGNORECASE)
_MARK_DEPTH = 4
_BEFORE_TITLE, _AFTER_TITLE = 150, 400  # visible texts around the title searched for the product's details
_DIRECTION_MARKS = dict.fromkeys([*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF])
# The same marks as one character class: deleting them with a regex is ~15x faster than str.translate with a dict.
_DIRECTION_MARK = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Containers of other products or of page chrome: prices, brands and stock texts found inside them are not
# the main product's. Keywords must start a class token or follow a separator, so "celwidget" is no "widget".
OFF_PRODUCT = re.compile(
    r"(?:^|[\s_-])(?:related|recommend|similar|sponsor|carousel|cross-?sell|upsell|also-|accessor|bundle|compar|"
    r"recent|viewed|cookie|consent|mini-?cart|you-?may|other-?products|product-?list|teaser|slick|swiper|promo)"
    r"|(?:^|\s)(?:footer|header|nav|menu|breadcrumb)",
    re.IGNORECASE,
)
_PAGE_ROOTS = {"body", "html"}
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+")  # "Blue Kettle - Shop": the site's name follows the separator


class Page:
    """A document seen as a person reads it: visible texts in order, the title element, off-product areas."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # Element -> index of its first visible text: distances are counted in visible texts, not elements.
        self._position: dict[etree._Element, int] = {}

    @cached_property
    def text_nodes(self) -> list[etree._ElementUnicodeResult]:
        """Visible, non-blank text nodes in document order (each knows its parent element)."""
        return self.doc.xpath(_VISIBLE_TEXT)

    @cached_property
    def texts(self) -> list[str]:
        """The visible texts, whitespace collapsed and bidi marks removed."""
        # Cleaned as one string and split again: much faster than cleaning node by node. str.split() collapses every
        # whitespace run (never the \x00 between texts, which is no whitespace), four times faster than a regex.
        joined = " ".join(_DIRECTION_MARK.sub("", "\x00".join(self.text_nodes)).split())
        texts = [text.strip() for text in joined.split("\x00")]
        if len(texts) == len(self.text_nodes):
            return texts
        return [" ".join(node.translate(_DIRECTION_MARKS).split()) for node in self.text_nodes]  # a NUL in a text

    @cached_property
    def joined_text(self) -> str:
        """All visible text as one string, for cheap "is this value shown anywhere" checks."""
        return " ".join(self.texts)

    def marked(self, kind: str) -> list[etree._Element]:
        """Elements holding visible text whose class, id or itemprop names a field (``price``, ``stock``,
        ``brand``): for each text, the nearest such element among its owner and the owner's close ancestors.

        Walking up from the visible texts is much cheaper than an XPath over every element of a 1 MB page.
        """
        return self._all_marked.get(kind, [])

    @cached_property
    def _all_marked(self) -> dict[str, list[etree._Element]]:
        kinds_of: dict[etree._Element, frozenset[str]] = {}
        found: dict[str, dict[etree._Element, None]] = {}
        positions = self._position
        start, stop = self.window
        for index, node in enumerate(self.text_nodes[start:stop], start):
            element = node.getparent()
            if element in positions:
                continue  # this element's texts were already walked up from
            positions[element], pending = index, _ALL_KINDS
            for _ in range(_MARK_DEPTH):
                if element is None or not pending:
                    break
                kinds = kinds_of.get(element)
                if kinds is None:
                    kinds = kinds_of[element] = _element_kinds(element)
                if kinds:  # most elements name no field: no set work for them
                    for kind in kinds & pending:
                        found.setdefault(kind, {}).setdefault(element, None)
                        positions.setdefault(element, index)
                    pending = pending - kinds
                element = element.getparent()
        return {kind: list(elements) for kind, elements in found.items()}

    @cached_property
    def anchor(self) -> etree._Element | None:
        """The element naming the product, around which its price and stock sit: the ``<h1>`` that shares the most
        words with the page ``<title>`` (a page may have promotional ``<h1>`` elements too), else the first one;
        without any ``<h1>``, the first visible text that is the title's name part (``Kettle`` of ``Kettle - Shop``).
        """
        title_words = _words(self.doc.title or "")
        best, best_overlap = None, -1
        for heading in self.doc.xpath("//body//h1"):
            text = element_text(heading)
            if not text or is_off_product(heading):
                continue
            overlap = len(_words(text) & title_words)
            if overlap > best_overlap:
                best, best_overlap = heading, overlap
        return best if best is not None else self._title_text_owner()

    def _title_text_owner(self) -> etree._Element | None:
        name = _TITLE_SUFFIX.split(self.doc.title or "")[0].strip().casefold()
        if len(name) < 4:
            return None
        for node, text in zip(self.text_nodes, self.texts, strict=False):
            if text.casefold() == name and not is_off_product(node.getparent()):
                return node.getparent()
        return None

    @cached_property
    def window(self) -> tuple[int, int]:
        """The range of visible texts where the product's own details sit: around the title when there is one.

        Reading only this window keeps the heuristics fast on 1 MB pages and away from footers and feeds.
        """
        anchor = self.anchor
        if anchor is None:
            return 0, len(self.text_nodes)
        inside = set(anchor.iter())
        at = next((i for i, node in enumerate(self.text_nodes) if node.getparent() in inside), 0)
        self._position[anchor] = at
        return max(0, at - _BEFORE_TITLE), min(len(self.text_nodes), at + _AFTER_TITLE)

    def position(self, element: etree._Element) -> int:
        """Index of the element's first visible text in :attr:`texts` (``len(texts)`` when it shows none)."""
        self._all_marked  # noqa: B018 - fills the positions of text owners and marked elements
        if element is self.anchor:
            return self._position.get(element, 0)
        if element in self._position:
            return self._position[element]
        inside = set(element.iter())
        for index, node in enumerate(self.text_nodes):
            if node.getparent() in inside:
                self._position[element] = index
                return index
        return len(self.text_nodes)

    def distance(self, element: etree._Element) -> float:
        """How far an element is from the product title, in visible texts; elements before it count double."""
        if self.anchor is None:
            return float(self.position(element))
        delta = self.position(element) - self.position(self.anchor)
        return float(delta if delta >= 0 else -2 * delta)


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text.casefold()) if len(word) > 1}


def _element_kinds(element: etree._Element) -> frozenset[str]:
    attributes = element.attrib
    if not ("class" in attributes or "id" in attributes or "itemprop" in attributes):
        return _NO_KINDS  # most elements: skip the string work
    return _label_kinds(f"{attributes.get('class', '')} {attributes.get('id', '')} {attributes.get('itemprop', '')}")


@lru_cache(maxsize=4096)  # a site's templates reuse their class names on every page
def _label_kinds(label: str) -> frozenset[str]:
    kinds = {_KIND_OF_WORD[match.lower()] for match in _ANY_KEYWORD.findall(label)}
    return frozenset(kinds) if kinds else _NO_KINDS


def marker(element: etree._Element) -> str:
    """The element's class and id, for rules that read what a template called its parts."""
    return f"{element.get('class') or ''} {element.get('id') or ''}"


@lru_cache(maxsize=4096)  # a site's templates reuse their class names on every page
def _off_product_marker(label: str) -> bool:
    return OFF_PRODUCT.search(label) is not None


def is_off_product(element: etree._Element, depth: int = 14) -> bool:
    """True when the element sits in a related-products list, a carousel, the header, footer or navigation."""
    for level, ancestor in enumerate(element.iterancestors()):
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if level >= depth or tag in _PAGE_ROOTS:
            break
        # <header> is left out: HTML5 templates wrap the product's own title block in one.
        if tag in {"nav", "footer", "aside"} or _off_product_marker(marker(ancestor)):
            return True
    return False


_CARD_DEPTH = 6  # how far up from a price to look for the card that holds it
_CARD_SIBLINGS = 2  # look-alike siblings (the card included) that make a grid or list of cards
_CARD_SHARE = 0.6  # the share of them that must link somewhere and show a price
_PRICED = re.compile(r"\d")


def _mostly_priced(parent: etree._Element, signature: tuple[object, object], cache: dict) -> bool:
    """True when at least 60% of ``parent``'s children with ``signature`` (two or more) link somewhere and show a
    price. Counting stops as soon as the answer is known: a grid of 24 priced cards is settled after 15."""
    key = (parent, signature)
    if key not in cache:
        alike = [child for child in parent if (child.tag, child.get("class")) == signature]
        cache[key] = len(alike) >= _CARD_SIBLINGS and _share_reaches(alike, _CARD_SHARE)
    return cache[key]


def _share_reaches(alike: list[etree._Element], share: float) -> bool:
    priced, total = 0, len(alike)
    for seen, child in enumerate(alike, 1):
        if child.find(".//a[@href]") is not None and _shows_price(child):
            priced += 1
        if priced / total >= share:
            return True
        if (priced + total - seen) / total < share:
            return False
    return False


def _shows_price(element: etree._Element) -> bool:
    text = " ".join(element.itertext())
    return len(text) < 2000 and bool(_PRICED.search(text)) and find_currency(text) is not None


def in_repeated_card(element: etree._Element, anchor: etree._Element | None, cache: dict) -> bool:
    """True when the element sits in one card of a grid or list of priced look-alike cards (a listing page, a
    "you may also like" strip): an ancestor among two or more elements of the same tag and class, most of
    which link somewhere and show a price, and which does not hold the page's title. Such prices belong to other
    products. Page sections that merely look alike (one template block per feature) rarely all show prices."""
    for level, ancestor in enumerate(element.iterancestors()):
        parent = ancestor.getparent()
        if level >= _CARD_DEPTH or parent is None or ancestor.tag in _PAGE_ROOTS:
            return False
        if _mostly_priced(parent, (ancestor.tag, ancestor.get("class")), cache):
            return anchor is None or anchor not in set(ancestor.iter())
    return False
