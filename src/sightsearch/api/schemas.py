"""Response and request models of the API, separate from the table models so the store can change freely."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

T = TypeVar("T")


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC, so say so."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def money(value: Decimal) -> str:
    """A price as a string with at least two decimals (``12.50``, ``0.1234``), never a float."""
    value = value.normalize()
    return format(value.quantize(Decimal("0.01")) if value.as_tuple().exponent > -2 else value, "f")  # type: ignore[operator]


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
Money = Annotated[Decimal, PlainSerializer(money, return_type=str, when_used="json")]


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Model, Generic[T]):
    """One page of a listing; pass ``next_cursor`` as ``cursor`` for the next one (null on the last page)."""

    items: list[T]
    next_cursor: str | None


class ProductSummary(Model):
    id: int
    site: str
    product_key: str
    url: str
    title: str
    brand: str | None
    sku: str | None
    category: str | None
    price: Money | None
    currency: str | None
    availability: str | None
    images: list[Any]
    updated_at: UtcDatetime


class ImageOut(Model):
    id: int
    url: str
    width: int | None
    height: int | None
    format: str | None
    bytes: int | None
    sha256: str | None
    phash: str | None
    group_key: str | None
    error: str | None
    fetched_at: UtcDatetime


class PricePoint(Model):
    price: Money | None
    currency: str | None
    availability: str | None
    valid_from: UtcDatetime
    valid_to: UtcDatetime | None
    run_id: str | None


class SimilarProduct(BaseModel):
    """A product whose image looks like the query's: its Hamming distance (0-64) and the image that matched."""

    product: ProductSummary
    distance: int
    image_url: str
    same_group: bool = False


class ProductDetail(ProductSummary):
    gtin: str | None
    mpn: str | None
    description: str | None
    old_price: Money | None
    attributes: dict[str, Any]
    sources: dict[str, str] = Field(default_factory=dict, description=(
        "Where each field's value came from (jsonld, microdata, spec, heuristic:..., state:...); a value guessed "
        "rather than read from the page has a source starting with 'inferred:' (e.g. stock assumed from a price)."))
    confidence: dict[str, float] = Field(default_factory=dict, description=(
        "Extraction confidence (0..1) of the scored fields (price, availability, brand)."))
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    last_run_id: str | None
    image_records: list[ImageOut] = []
    near_duplicates: list[SimilarProduct] = []
    price_history: list[PricePoint] = []


class ImageDetail(ImageOut):
    product_ids: list[int] = []


class QueryImage(BaseModel):
    width: int
    height: int
    format: str
    phash: str


class ImageSearchResult(BaseModel):
    query: QueryImage
    max_distance: int
    matches: list[SimilarProduct]


class RunOut(Model):
    id: str
    seeds: list[Any]
    status: str
    mode: str
    counts: dict[str, Any]
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    seconds: float | None
    error: str | None


class RunDetail(RunOut):
    live_counts: dict[str, int] = Field(default_factory=dict, description="Counters of a run crawling in this process.")
    events: dict[str, int] = Field(default_factory=dict, description="Events published by the run, by type.")
    dead_letters: int = 0


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seeds: list[Annotated[str, Field(min_length=1, max_length=2048)]] = Field(min_length=1, max_length=100)
    max_pages: int | None = Field(None, ge=1, description="Page budget; at most the server's SIGHTSEARCH_MAX_PAGES.")


class RunAccepted(BaseModel):
    id: str
    status: str = "submitted"
    url: str


class DeadLetterOut(Model):
    id: int
    run_id: str | None
    stage: str
    reason: str
    site: str | None
    url: str | None
    status: str
    occurrences: int
    created_at: UtcDatetime
    last_seen_at: UtcDatetime
    resolved_at: UtcDatetime | None


class DeadLetterDetail(DeadLetterOut):
    payload: dict[str, Any]


class FailureAction(BaseModel):
    id: int
    status: str
    message: str


class FailureReason(BaseModel):
    stage: str
    reason: str
    count: int
