"""``/api/v1/products``: filtered, sorted, cursor-paginated listing; detail with images, near-duplicates, prices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from sightsearch.api.deps import READ_ACCESS, IdPath, SessionDep, SettingsDep, StateDep
from sightsearch.api.errors import ERROR_RESPONSES, ApiError
from sightsearch.api.pagination import decode_cursor, page_of
from sightsearch.api.product_query import ProductFilters, ProductSort, listing_query, sort_spec, sort_value
from sightsearch.api.routers import API_PREFIX
from sightsearch.api.schemas import ImageOut, Page, PricePoint, ProductDetail, ProductSummary, SimilarProduct
from sightsearch.api.similarity import ImageCatalog
from sightsearch.images import hamming
from sightsearch.storage.models import ImageRecord, PriceObservation, Product

router = APIRouter(prefix=f"{API_PREFIX}/products",
                   tags=["products"], dependencies=READ_ACCESS, responses=ERROR_RESPONSES)

PriceQuery = Annotated[Decimal | None, Query(ge=0, le=10**15, description="Inclusive price bound.")]
Text = Annotated[str | None, Query(min_length=1, max_length=255)]
PRICE_HISTORY_LIMIT = 500
SUMMARY_COLUMNS = [getattr(Product, name) for name in ProductSummary.model_fields]


@router.get("", response_model=Page[ProductSummary])
def list_products(
    session: SessionDep,
    site: Annotated[str | None, Query(max_length=255, description="Exact site (host[:port]).")] = None,
    category: Text = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=255, description="Brand, case-insensitive.")] = None,
    min_price: PriceQuery = None,
    max_price: PriceQuery = None,
    availability: Annotated[str | None, Query(max_length=32, description="e.g. InStock, OutOfStock.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title, brand or SKU; any case.")] = None,
    updated_since: Annotated[datetime | None, Query(description="Only products changed at or after this time.")] = None,
    sort: ProductSort = ProductSort.ID,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page.")] = None,
) -> dict[str, object]:
    """Products matching every given filter, in ``sort`` order, ``limit`` at a time."""
    spec = sort_spec(sort)
    filters = ProductFilters(site, category, brand, min_price, max_price, availability, q, updated_since)
    after = decode_cursor(spec, cursor) if cursor else None
    rows = list(session.execute(listing_query(filters, spec, after, limit, SUMMARY_COLUMNS)))
    items, next_cursor = page_of(rows, limit, spec, lambda product: sort_value(spec, product))
    # The table rows go out as they are: FastAPI validates them into the response model once (from attributes).
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{product_id}", response_model=ProductDetail)
def get_product(product_id: IdPath, session: SessionDep, state: StateDep, settings: SettingsDep) -> ProductDetail:
    """One product with its image records, near-duplicate products and its last 500 prices (oldest first)."""
    product = session.get(Product, product_id)
    if product is None:
        raise ApiError(404, "not_found", f"no product with id {product_id}")
    urls = [url for url in product.images or () if isinstance(url, str)]
    images = list(session.scalars(select(ImageRecord).where(ImageRecord.url.in_(urls)))) if urls else []
    # The newest observations when there are more than the limit, shown oldest first.
    newest = session.scalars(select(PriceObservation).where(PriceObservation.product_id == product.id)
                             .order_by(PriceObservation.valid_from.desc(), PriceObservation.id.desc())
                             .limit(PRICE_HISTORY_LIMIT))
    detail = ProductDetail.model_validate(product)
    detail.image_records = [ImageOut.model_validate(image) for image in images]
    detail.price_history = [PricePoint.model_validate(point) for point in reversed(list(newest))]
    catalog = state.images.get(session)
    detail.near_duplicates = near_duplicates(session, catalog, product, images, settings.near_duplicate_distance)
    return detail


def near_duplicates(session: Session, catalog: ImageCatalog, product: Product, images: list[ImageRecord],
                    max_distance: int) -> list[SimilarProduct]:
    """Other products with an image in a group of ``images`` or within ``max_distance`` of one; nearest first."""
    best: dict[int, tuple[int, str]] = {}
    grouped: set[int] = set()

    def offer(other: int, distance: int, url: str) -> None:
        if other != product.id and (other not in best or distance < best[other][0]):
            best[other] = (distance, url)

    phash_of_group = {image.group_key: image.phash for image in images if image.group_key and image.phash}
    if phash_of_group:
        members = session.execute(select(ImageRecord.url, ImageRecord.phash, ImageRecord.group_key)
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
    return similar_list(session, best, grouped - {product.id})


def similar_list(session: Session, best: dict[int, tuple[int, str]],
                 grouped: set[int] | None = None) -> list[SimilarProduct]:
    """``best`` ({product id: (distance, image URL)}) as response items, nearest first, then by product id."""
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(best)))} if best else {}
    ordered = sorted((distance, pid, url) for pid, (distance, url) in best.items() if pid in products)
    return [SimilarProduct(product=ProductSummary.model_validate(products[pid]), distance=distance, image_url=url,
                           same_group=pid in (grouped or ())) for distance, pid, url in ordered]
