"""The product record that extraction produces and the ETL stages consume."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


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


class ImageFact(BaseModel):
    """What the image stage learned about one image URL: metadata and hashes, or the error that stopped it."""

    url: str
    width: int | None = None
    height: int | None = None
    format: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    phash: str | None = None
    error: str | None = None


class ProductRecord(ExtractedProduct):
    """The record the ETL stages hand each other, typed at every boundary; prices stay ``Decimal`` throughout.

    Extraction fills the product fields, ``sources``, ``confidence`` and ``errors``; the page handler adds
    ``run_id`` and ``fetched_at``; *transform* adds ``site`` and ``product_key``; *enrich* adds
    ``discount_percent``, ``seen_at``, ``image_facts`` and ``content_hash``; *load* adds ``product_id`` and
    ``change``. It is serialised only where it leaves the process: Celery (the run's Redis list), the dead-letter
    table and parked batches.
    """

    model_config = ConfigDict(extra="ignore")

    # provenance (page handler)
    run_id: str | None = None
    fetched_at: datetime | None = None
    # transform
    site: str | None = None
    product_key: str | None = None
    # enrich
    discount_percent: float | None = None
    seen_at: datetime | None = None
    image_facts: list[ImageFact] = Field(default_factory=list)
    content_hash: str | None = None
    # load
    product_id: int | None = None
    change: str | None = None

    @field_validator("price", "old_price", mode="before")
    @classmethod
    def _price_text(cls, value: Any) -> Any:
        """Prices arrive as Decimal, numbers, or decimal strings (JSON); anything else is kept for *transform* to
        reject with the reason, so an unreadable price becomes a dead letter, not a parsing crash."""
        if value is None or isinstance(value, Decimal) or value == "":
            return value or None
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None

    def to_payload(self) -> dict[str, Any]:
        """The JSON form stored with a dead letter or sent through Celery (prices as decimal strings)."""
        return self.model_dump(mode="json", exclude_defaults=True)
