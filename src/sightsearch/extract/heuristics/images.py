"""The product's main image when structured data gave none: the picture the template marks as the main one."""

from __future__ import annotations

import re

from sightsearch.extract.heuristics.page import Page, is_off_product, marker

_MAIN_IMAGE = re.compile(r"main|landing|primary|hero|zoom|product-?image|gallery", re.IGNORECASE)
# Lazy-loading templates keep the real address in a data attribute and a placeholder in src.
_SOURCE_ATTRIBUTES = ("data-old-hires", "data-zoom-image", "data-large", "data-src", "data-original", "src")


def _source(image: object) -> str | None:
    for attribute in _SOURCE_ATTRIBUTES:
        value = (image.get(attribute) or "").strip()  # type: ignore[attr-defined]
        if value and not value.startswith("data:"):
            return value
    return None


def main_image(page: Page) -> list[str]:
    """The first marked-as-main ``<img>`` (itself or its parent) near the product title, as an absolute URL."""
    for image in page.doc.xpath("//body//img"):
        parent = image.getparent()
        marks = marker(image) + " " + (marker(parent) if parent is not None else "")
        if not _MAIN_IMAGE.search(marks) or is_off_product(image):
            continue
        if (source := _source(image)) is not None:
            return [page.doc.absolute(source)]
    return []
