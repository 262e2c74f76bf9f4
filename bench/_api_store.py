"""The store ``bench/api.py`` serves, and the URLs its cold runs rotate over."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

LISTING = "/api/v1/products?limit=50"


def fill_store(url: str, count: int) -> None:
    """A migrated SQLite store with ``count`` products of a few shops: prices, brands, one image, three prices."""
    from sqlalchemy import insert

    from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
    from sightsearch.storage.models import ImageRecord, PriceObservation, Product

    engine = create_db_engine(url)
    upgrade_schema(engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    products = [{"id": n + 1, "site": f"shop{n % 5}.example", "product_key": f"sku:S{n:05d}",
                 "url": f"https://shop{n % 5}.example/{n}", "title": f"Sturdy ceramic kettle model {n}",
                 "brand": ["Acme", "Globex", "Initech"][n % 3], "sku": f"S{n:05d}",
                 "category": ["kitchen", "audio", "outdoor"][n % 3], "description": "A kettle. " * 20,
                 "price": Decimal(f"{10 + n % 490}.{n % 100:02d}"), "currency": "USD",
                 "availability": "InStock" if n % 7 else "OutOfStock", "images": [f"https://cdn.example/{n}.jpg"],
                 "attributes": {"colour": ["red", "blue"][n % 2]}, "sources": {}, "content_hash": f"{n:064x}",
                 "updated_at": start + timedelta(seconds=n)} for n in range(count)]
    images = [{"url": f"https://cdn.example/{n}.jpg", "width": 800, "height": 600, "format": "JPEG", "bytes": 50_000,
               "sha256": f"{n:064x}", "phash": f"{(n * 0x9E3779B97F4A7C15) % 2**64:016x}", "fetched_at": start}
              for n in range(count)]
    prices = [{"product_id": n + 1, "price": Decimal(f"{10 + (n + k) % 490}.00"), "currency": "USD",
               "availability": "InStock", "valid_from": start + timedelta(days=k),
               "valid_to": start + timedelta(days=k + 1) if k < 2 else None} for n in range(count) for k in range(3)]
    with session_scope(engine) as session:
        for model, rows in ((Product, products), (ImageRecord, images), (PriceObservation, prices)):
            session.execute(insert(model), rows)
    engine.dispose()


def cold_paths(url: str, page: int = 50) -> dict[str, list[str]]:
    """Shuffled URLs that each name a different answer: the listing from every cursor of seven sort orders (a page
    boundary every ``page`` products, as the API's own cursors) and the detail of every product."""
    from sqlalchemy import select

    from sightsearch.api.pagination import encode_cursor
    from sightsearch.api.product_query import PRODUCTS, ProductSort, sort_spec
    from sightsearch.storage.db import create_db_engine

    engine = create_db_engine(url)
    listing, details = [], []
    with engine.connect() as connection:
        for sort in ProductSort:
            spec = sort_spec(sort)
            rows = connection.execute(select(spec.column, PRODUCTS.c.id).order_by(*spec.order_by())).all()
            listing.append(f"{LISTING}&sort={sort.value}")
            listing += [f"{LISTING}&sort={sort.value}&cursor={encode_cursor(spec, value, last_id)}"
                        for value, last_id in rows[page - 1:-1:page]]
        details = [f"/api/v1/products/{product_id}" for (product_id,) in connection.execute(select(PRODUCTS.c.id))]
    engine.dispose()
    for paths in (listing, details):
        random.Random(16).shuffle(paths)
    return {"listing": listing, "detail": details}
