"""Stage 3, validate: every record must satisfy the product contract, or it is rejected with the reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sightsearch.etl.contract import Record, StageContext, StageResult, run_per_record
from sightsearch.vocabulary import AVAILABILITY_VALUES, currency_known, plausible_old_price

MAX_PRICE = Decimal("1000000000")
# Titles a template shows when the product's name is missing: loading them would hide the missing name.
PLACEHOLDER_TITLES = frozenset({"product", "item", "untitled", "no title", "title", "product name", "n/a", "none",
                                "null", "undefined", "default", "page not found", "404", "home"})
_WORD = re.compile(r"[^\W\d_]{2,}")


class ProductContract(BaseModel):
    """What a product must be to enter the store. Field errors become the dead letter's reason."""

    model_config = ConfigDict(extra="allow")

    url: str = Field(pattern=r"^https?://[^\s/]+")
    site: str = Field(min_length=1)
    product_key: str = Field(min_length=1, max_length=512)
    title: str = Field(min_length=2, max_length=1000)
    price: Decimal
    old_price: Decimal | None = None
    currency: str
    availability: str | None = None
    images: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title_has_words(cls, title: str) -> str:
        if title.strip().casefold() in PLACEHOLDER_TITLES:
            raise ValueError(f"title {title!r} is a placeholder, not a product name")
        letters = sum(ch.isalpha() for ch in title)
        if not _WORD.search(title) or letters < len(title.replace(" ", "")) / 2:
            raise ValueError("title looks like garbage (too few letters)")
        return title

    @field_validator("price")
    @classmethod
    def _price_in_range(cls, price: Decimal) -> Decimal:
        if price <= 0:
            raise ValueError(f"price must be positive, got {price}")
        if price >= MAX_PRICE:
            raise ValueError(f"price {price} is implausibly large")
        return price

    @field_validator("currency")
    @classmethod
    def _currency_is_iso(cls, currency: str) -> str:
        if not currency_known(currency):
            raise ValueError(f"currency {currency!r} is not an ISO 4217 code")
        return currency

    @field_validator("availability")
    @classmethod
    def _availability_known(cls, value: str | None) -> str | None:
        if value is not None and value not in AVAILABILITY_VALUES:
            raise ValueError(f"availability {value!r} is not a schema.org value")
        return value

    @field_validator("images")
    @classmethod
    def _images_are_http(cls, images: list[str]) -> list[str]:
        bad = [u for u in images if not u.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"image URL {bad[0]!r} is not http(s)")
        return images

    @model_validator(mode="after")
    def _old_price_above_price(self) -> "ProductContract":
        if not plausible_old_price(self.old_price, self.price):
            self.old_price = None
        return self


def describe(err: ValidationError) -> str:
    """One line per failed field: ``price: price is missing``."""
    parts = []
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing" or (item["type"] in {"decimal_type", "string_type"} and item.get("input") is None):
            message = "is missing"
        parts.append(message if message.startswith(where) else f"{where}: {message}")
    return "; ".join(parts)


def _validate_record(record: Record, result: StageResult) -> Record | None:
    try:
        contract = ProductContract.model_validate(record.model_dump())
    except ValidationError as err:
        result.reject(record, describe(err))
        return None
    return record if contract.old_price == record.old_price else record.model_copy(update={"old_price": None})


def validate(batch: Sequence[Record], ctx: StageContext) -> StageResult:
    """Check every record against ``ProductContract``."""
    return run_per_record("validate", batch, _validate_record)
