"""``/api/v1/products``: filtered, sorted, cursor-paginated listing; detail with images, near-duplicates, prices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, Row, Select, bindparam, cast, select, type_coerce
from sqlalchemy import Text as Text_
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from sightsearch.api.deps import READ_ACCESS, IdPath, KeyBeforeBody, StateDep
from sightsearch.api.encode import json_response, row_encoder
from sightsearch.api.errors import ERROR_RESPONSES, ApiError
from sightsearch.api.pagination import decode_cursor, page_of
from sightsearch.api.product_query import PRODUCTS, ProductFilters, ProductSort, listing_query, sort_spec, sort_value
from sightsearch.api.routers import API_PREFIX
from sightsearch.api.schemas import ImageOut, Page, PricePoint, ProductDetail, ProductSummary, SimilarProduct
from sightsearch.api.inline import MoveToThread, is_inline
from sightsearch.api.query_model import QueryModel
from sightsearch.api.similarity import ImageCatalog, ImageCatalogCache
from sightsearch.images import hamming
from sightsearch.storage.models import ImageRecord, PriceObservation, Product

router = APIRouter(route_class=KeyBeforeBody, prefix=f"{API_PREFIX}/products",
                   tags=["products"], dependencies=READ_ACCESS, responses=ERROR_RESPONSES)

PRICE_HISTORY_LIMIT = 500
# Only the columns a response shows are read (the description and attributes make a listing row ~3x dearer).
SUMMARY_FIELDS = tuple(ProductSummary.model_fields)
# The image list is read as JSON text and goes out as it is: decoding and re-encoding 50 lists was a tenth of a page.
# The price and the update time are read as the driver gives them (on SQLite a float and a text) and written out by
# the encoder: SQLAlchemy's Decimal and datetime conversion of a page's rows cost about as much as reading them.
SUMMARY_COLUMNS = tuple(cast(PRODUCTS.c.images, Text_).label("images") if name == "images"
                        else type_coerce(PRODUCTS.c[name], NullType()).label(name) if name in ("price", "updated_at")
                        else PRODUCTS.c[name] for name in SUMMARY_FIELDS)
encode_summary = row_encoder(SUMMARY_FIELDS, fragments=("images",))
TYPED_SUMMARY_COLUMNS = tuple(PRODUCTS.c[name] for name in SUMMARY_FIELDS)  # rows a response model validates
DETAIL_FIELDS = tuple(name for name in ProductDetail.model_fields if hasattr(Product, name))
# Like the listing's images, the JSON of texts the detail only passes on goes out as stored: the same JSON, spaced
# as the store writes it. Its image list is read (the image records are looked up by URL), and so are the
# confidences: floats, which the store's JSON text could hold as NaN.
DETAIL_FRAGMENTS = ("attributes", "sources")
DETAIL_COLUMNS = [cast(PRODUCTS.c[name], Text_).label(name) if name in DETAIL_FRAGMENTS else PRODUCTS.c[name]
                  for name in DETAIL_FIELDS]
IMAGE_FIELDS = tuple(ImageOut.model_fields)
IMAGE_COLUMNS = [ImageRecord.__table__.c[name] for name in IMAGE_FIELDS]
PRICE_FIELDS = tuple(PricePoint.model_fields)
PRICE_COLUMNS = [PriceObservation.__table__.c[name] for name in PRICE_FIELDS]
encode_detail, encode_image = row_encoder(DETAIL_FIELDS, fragments=DETAIL_FRAGMENTS), row_encoder(IMAGE_FIELDS)
encode_price = row_encoder(PRICE_FIELDS)
# The detail's statements, built once with bound parameters (building them per request cost as much as running them).
PRODUCT_BY_ID = select(*DETAIL_COLUMNS).where(PRODUCTS.c.id == bindparam("id"))
IMAGES_BY_URL = select(*IMAGE_COLUMNS).where(ImageRecord.__table__.c.url.in_(bindparam("urls", expanding=True)))
# The newest observations when there are more than the limit (shown oldest first).
_PRICES = PriceObservation.__table__.c
NEWEST_PRICES = (select(*PRICE_COLUMNS).where(_PRICES.product_id == bindparam("id"))
                 .order_by(_PRICES.valid_from.desc(), _PRICES.id.desc()).limit(bindparam("limit")))


# Answered by api/conditional.py: every 200 of these routes carries an ETag to send back in If-None-Match.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"ETag": {"description": "Validator of this answer, for If-None-Match.",
                               "schema": {"type": "string"}}}},
    304: {"description": "Not modified: If-None-Match named the current ETag (no body)"}}


class ListingQuery(BaseModel):
    """The listing's query parameters (read by ``QueryModel``: FastAPI's own handling of 11 cost ~100 us a page)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    site: str | None = Field(None, max_length=255, description="Exact site (host[:port]).")
    category: str | None = Field(None, min_length=1, max_length=255)
    brand: str | None = Field(None, min_length=1, max_length=255, description="Brand, case-insensitive.")
    min_price: Decimal | None = Field(None, ge=0, le=10**15, description="Inclusive price bound.")
    max_price: Decimal | None = Field(None, ge=0, le=10**15, description="Inclusive price bound.")
    availability: str | None = Field(None, max_length=32, description="e.g. InStock, OutOfStock.")
    q: str | None = Field(None, max_length=200, description="Text in title, brand or SKU; any case.")
    updated_since: datetime | None = Field(None, description="Only products changed at or after this time.")
    sort: ProductSort = ProductSort.ID
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048, description="next_cursor of the previous page.")


LISTING_QUERY = QueryModel(ListingQuery)


@router.get("", response_model=Page[ProductSummary], responses=NOT_MODIFIED,
            openapi_extra={"parameters": LISTING_QUERY.parameters})
async def list_products(state: StateDep, query: Annotated[ListingQuery, Depends(LISTING_QUERY)]) -> Response:
    """Products matching every given filter, in ``sort`` order, ``limit`` at a time."""
    spec = sort_spec(query.sort)
    filters = ProductFilters(query.site, query.category, query.brand, query.min_price, query.max_price,
                             query.availability, query.q, query.updated_since)
    after = decode_cursor(spec, query.cursor) if query.cursor else None
    queries, params = listing_query(filters, spec, after, query.limit, SUMMARY_COLUMNS)
    # One thread hop for the whole database part; rows, not ORM objects, and no second validation of them.
    rows = await state.run_read(read_page, queries, params)
    items, next_cursor = page_of(rows, query.limit, spec, lambda product: sort_value(spec, product))
    body = {"items": [encode_summary(row) for row in items],
            "next_cursor": next_cursor}
    return json_response(body, Page[ProductSummary])


def read_page(engine: Engine, queries: tuple[Select[Any], ...], params: dict[str, Any]) -> list[Row[Any]]:
    """The rows of ``queries`` (with ``params``) in order, up to ``params["limit"]``, on a pooled connection held
    only for the page; a query runs only when the ones before it left the page short."""
    rows: list[Row[Any]] = []
    with engine.connect() as connection:
        for query in queries:
            rows += connection.execute(query, params | {"limit": params["limit"] - len(rows)}).all()
            if len(rows) >= params["limit"]:
                break
    return rows


@router.get("/{product_id}", response_model=ProductDetail, responses=NOT_MODIFIED)
async def get_product(product_id: IdPath, state: StateDep) -> Response:
    """One product with its image records, near-duplicate products and its last 500 prices (oldest first)."""
    body = await state.run_read(product_detail, state.images, product_id, state.settings.near_duplicate_distance)
    return json_response(body, ProductDetail)


def product_detail(engine: Engine, catalogs: ImageCatalogCache, product_id: int, max_distance: int) -> dict[str, Any]:
    """The detail document of one product (``ProductDetail``'s fields), or a 404 error. Read inline (``api.inline``),
    an image catalog due for a look at the store moves the read to a thread: the look may rebuild it under a lock."""
    # Core statements on one connection, no ORM session: a session of its own per request, with its commit, cost a
    # third of the route, and one over the connection still cost ~10%.
    inline = is_inline(engine)
    catalog = catalogs.current() if inline else None
    if inline and catalog is None:
        raise MoveToThread  # before any query, so that the thread does the whole read once
    with engine.connect() as connection:
        product = connection.execute(PRODUCT_BY_ID, {"id": product_id}).first()
        if product is None:
            raise ApiError(404, "not_found", f"no product with id {product_id}")
        urls = [url for url in product.images or () if isinstance(url, str)]
        image_rows = connection.execute(IMAGES_BY_URL, {"urls": urls}).all() if urls else []
        newest = connection.execute(NEWEST_PRICES, {"id": product_id, "limit": PRICE_HISTORY_LIMIT}).all()
        prices = [encode_price(point) for point in reversed(newest)]
        if catalog is None:
            catalog = catalogs.get(connection)
        similar = near_duplicates(connection, catalog, product_id, image_rows, max_distance)
    return {**encode_detail(product), "image_records": [encode_image(image) for image in image_rows],
            "near_duplicates": [near.model_dump(mode="json") for near in similar], "price_history": prices}


def near_duplicates(db: Connection | Session, catalog: ImageCatalog, product_id: int, images: list[Any],
                    max_distance: int) -> list[SimilarProduct]:
    """Other products with an image in a group of ``images`` (rows with ``phash`` and ``group_key``) or within
    ``max_distance`` of one; nearest first."""
    best: dict[int, tuple[int, str]] = {}
    grouped: set[int] = set()

    def offer(other: int, distance: int, url: str) -> None:
        if other != product_id and (other not in best or distance < best[other][0]):
            best[other] = (distance, url)

    phash_of_group = {image.group_key: image.phash for image in images if image.group_key and image.phash}
    if phash_of_group:
        members = db.execute(select(ImageRecord.url, ImageRecord.phash, ImageRecord.group_key)
                             .where(ImageRecord.group_key.in_(phash_of_group)))
        for url, phash, group in members:
            # Groups are transitive (a~b~c), so a member may be further than max_distance from this image.
            distance = hamming(phash, phash_of_group[group])
            for other in catalog.products_by_url.get(url, ()):
                offer(other, distance, url)
                grouped.add(other)
    for image in images:
        if image.phash:
            for other, (distance, url) in catalog.similar_products(image.phash, max_distance).items():
                offer(other, distance, url)
    return similar_list(db, best, grouped - {product_id})


def similar_list(db: Connection | Session, best: dict[int, tuple[int, str]],
                 grouped: set[int] | None = None) -> list[SimilarProduct]:
    """``best`` ({product id: (distance, image URL)}) as response items, nearest first, then by product id."""
    products = {p.id: p for p in db.execute(select(*TYPED_SUMMARY_COLUMNS).where(PRODUCTS.c.id.in_(best)))} if best else {}
    ordered = sorted((distance, pid, url) for pid, (distance, url) in best.items() if pid in products)
    return [SimilarProduct(product=ProductSummary.model_validate(products[pid]), distance=distance, image_url=url,
                           same_group=pid in (grouped or ())) for distance, pid, url in ordered]
