"""The product record that extraction produces and the ETL stages consume."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class ExtractedProduct(BaseModel):
    """What the extractor found on one product page, before any cleansing.

    ``sources`` maps a field name to where its value came from (``jsonld``, ``microdata``, ``rdfa``, ``opengraph``,
    ``spec``, ``heuristic:<rule>``), so a user can see why a value was chosen.
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

    def is_product(self) -> bool:
        """True when the page looks like a product page: a title plus a price, sku or structured evidence."""
        return bool(self.title) and (self.price is not None or bool(self.sku) or bool(self.gtin) or "title" in self.sources and self.sources["title"] in {"jsonld", "microdata", "rdfa", "spec"})

    def to_output(self) -> dict[str, Any]:
        """The JSON shape printed by ``sightsearch extract``: prices as decimal strings."""
        data = self.model_dump(mode="json")
        for key in ("price", "old_price"):
            value = getattr(self, key)
            data[key] = None if value is None else format(value, "f")
        return data
