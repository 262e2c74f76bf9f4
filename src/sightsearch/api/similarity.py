"""Which products look alike: an in-memory pHash index over the store's images, rebuilt when the store changes."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from sightsearch.images import NearDuplicateIndex
from sightsearch.storage.models import ImageRecord, Product

# Wider queries than this scan every hash; the API caps the distance it accepts at the same value.
MAX_QUERY_DISTANCE = 24


# The index answers the usual near-duplicate distance from a few buckets; wider queries (up to MAX_QUERY_DISTANCE)
# scan every distinct hash, which is still milliseconds for tens of thousands of images.
DEFAULT_INDEX_DISTANCE = 6
# The store's signature costs a few aggregate queries; it is looked at no more often than this (seconds).
RECHECK_SECONDS = 1.0


@dataclass
class ImageCatalog:
    """Image URLs indexed by pHash, plus which products show each URL."""

    index: NearDuplicateIndex = field(default_factory=lambda: NearDuplicateIndex(DEFAULT_INDEX_DISTANCE))
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


def _signature(session: Connection | Session) -> tuple[object, ...]:
    """Cheap aggregates that change whenever an image or a product's image list may have changed."""
    images = session.execute(select(func.count(), func.max(ImageRecord.id), func.max(ImageRecord.fetched_at))).one()
    products = session.execute(select(func.count(), func.max(Product.id), func.max(Product.updated_at))).one()
    return (*images, *products)


def _build(session: Connection | Session, index_distance: int) -> ImageCatalog:
    catalog = ImageCatalog(NearDuplicateIndex(index_distance))
    for url, phash in session.execute(select(ImageRecord.url, ImageRecord.phash).where(ImageRecord.phash.is_not(None))):
        catalog.index.add(url, phash)
        catalog.phash_by_url[url] = phash
    for product_id, images in session.execute(select(Product.id, Product.images)):
        for url in images or ():
            if isinstance(url, str) and url in catalog.phash_by_url:
                catalog.products_by_url[url].add(product_id)
    return catalog


class ImageCatalogCache:
    """Holds the current ``ImageCatalog``; ``get`` rebuilds it when the store's signature moved.

    The signature is read at most every ``recheck_seconds``: a new image shows up in similarity answers within that
    time, and a busy API does not run aggregate queries over the whole store on every request.
    """

    def __init__(self, index_distance: int = DEFAULT_INDEX_DISTANCE, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.index_distance, self.recheck_seconds = min(index_distance, MAX_QUERY_DISTANCE), recheck_seconds
        self._lock = threading.Lock()
        self._catalog: ImageCatalog | None = None
        self._signature: tuple[object, ...] | None = None
        self._checked_at = -math.inf

    def expire(self) -> None:
        """Look at the store's signature on the next ``get`` (the store is known to have changed)."""
        self._checked_at = -math.inf

    def current(self) -> ImageCatalog | None:
        """The catalog when it needs no look at the store yet, else None (without reading or waiting)."""
        catalog = self._catalog
        if catalog is not None and time.monotonic() - self._checked_at < self.recheck_seconds:
            return catalog
        return None

    def get(self, session: Connection | Session) -> ImageCatalog:
        """The catalog for the store as it is now (one rebuild at a time; readers share the result)."""
        catalog = self.current()
        if catalog is not None:
            return catalog
        signature = _signature(session)
        with self._lock:
            if self._catalog is None or signature != self._signature:
                self._catalog, self._signature = _build(session, self.index_distance), signature
            self._checked_at = time.monotonic()
            return self._catalog
