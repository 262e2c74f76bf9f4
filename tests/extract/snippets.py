"""Helpers for extraction tests: a product URL and a page around a snippet."""

from __future__ import annotations

URL = "https://shop.example.com/p/blue-kettle"


def page(body: str, head: str = "", lang: str = "en") -> str:
    """A minimal product page around a body snippet."""
    return f'<!doctype html><html lang="{lang}"><head><title>Blue Kettle</title>{head}</head><body>{body}</body></html>'
