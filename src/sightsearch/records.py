"""The product record that extraction produces and the ETL stages consume."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class ExtractedProduct(BaseModel):
    """What the extractor found on one product page, before any cleansing.

    ``sources`` maps a field name to where its value came from (``jsonld``, ``microdata``, ``rdfa``, ``opengraph``,
    ``spec``, ``state:<framework>``, ``heuristic:<rule>``); a value guessed rather than read from the page has a
    source starting with ``inferred:`` (``inferred:priced``, ``inferred:country``). For the scored fields (price,
    availability, brand) ``confidence`` holds the winning candidate's score (0..1) and ``evidence`` says why it won.
    ``errors`` maps a source whose reader raised to the error, so failures are counted instead of looking like
    "not on the page".
    """

    url: str
    title: str | None = None
    price: Decimal | None = None
    old_price: Decimal | None = None
    currency: str | None = None
    sku: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    brand: str | None = None
    availability: str | None = None
    description: str | None = None
    category: str | None = None
    images: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    sources: dict[str, str] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)

    def is_product(self) -> bool:
        """True when the page looks like a product page: a title plus a price, sku or structured evidence."""
        structured_title = self.sources.get("title") in {"jsonld", "microdata", "rdfa", "spec"}
        return bool(self.title) and (self.price is not None or bool(self.sku) or bool(self.gtin) or structured_title)

    def to_output(self) -> dict[str, Any]:
        """The JSON shape printed by ``sightsearch extract``: prices as decimal strings."""
        data = self.model_dump(mode="json")
        for key in ("price", "old_price"):
            value = getattr(self, key)
            data[key] = None if value is None else format(value, "f")
        return data
