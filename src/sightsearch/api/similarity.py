"""Which products look alike: an in-memory pHash index over the store's images, rebuilt when the store changes."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sightsearch.images import NearDuplicateIndex
from sightsearch.storage.models import ImageRecord, Product

# Wider queries than this scan every hash; the API caps the distance it accepts at the same value.
MAX_QUERY_DISTANCE = 24


@dataclass
class ImageCatalog:
    """Image URLs indexed by pHash, plus which products show each URL."""

    index: NearDuplicateIndex = field(default_factory=lambda: NearDuplicateIndex(MAX_QUERY_DISTANCE))
    products_by_url: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    phash_by_url: dict[str, str] = field(default_factory=dict)

    def similar_products(self, phash: str, max_distance: int) -> dict[int, tuple[int, str]]:
        """``{product id: (best distance, matching image URL)}`` of products with an image within ``max_distance``."""
        best: dict[int, tuple[int, str]] = {}
        for url, distance in self.index.query(phash, max_distance):
            for product_id in self.products_by_url.get(url, ()):
                if product_id not in best or distance < best[product_id][0]:
                    best[product_id] = (distance, url)
        return best


def _signature(session: Session) -> tuple[object, ...]:
    """Cheap aggregates that change whenever an image or a product's image list may have changed."""
    images = session.execute(select(func.count(), func.max(ImageRecord.id), func.max(ImageRecord.fetched_at))).one()
    products = session.execute(select(func.count(), func.max(Product.id), func.max(Product.updated_at))).one()
    return (*images, *products)


def _build(session: Session) -> ImageCatalog:
    catalog = ImageCatalog()
    for url, phash in session.execute(select(ImageRecord.url, ImageRecord.phash).where(ImageRecord.phash.is_not(None))):
        catalog.index.add(url, phash)
        catalog.phash_by_url[url] = phash
    for product_id, images in session.execute(select(Product.id, Product.images)):
        for url in images or ():
            if isinstance(url, str) and url in catalog.phash_by_url:
                catalog.products_by_url[url].add(product_id)
    return catalog


class ImageCatalogCache:
    """Holds the current ``ImageCatalog``; ``get`` rebuilds it when the store's signature moved."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog: ImageCatalog | None = None
        self._signature: tuple[object, ...] | None = None

    def get(self, session: Session) -> ImageCatalog:
        """The catalog for the store as it is now (one rebuild at a time; readers share the result)."""
        signature = _signature(session)
        with self._lock:
            if self._catalog is None or signature != self._signature:
                self._catalog, self._signature = _build(session), signature
            return self._catalog
