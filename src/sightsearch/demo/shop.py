"""``DemoShop``: the whole catalogue, the special products (broken, transient, odd images) and the ground truth."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sightsearch.demo.catalog import BROKEN_KINDS, CATEGORIES, DemoProduct, at_epoch, break_product, make_product
from sightsearch.demo.js_pages import JS_CATEGORY
from sightsearch.demo.traps import TRAP_PRODUCTS

PAGE_SIZE = 24
BOMB_IMAGE = "/img/bomb.png"
DISALLOWED = ("/private/wholesale-prices",)
# (size, JPEG quality) of each member of a near-duplicate group: resized, re-encoded, or both.
_DUPLICATE_VARIANTS = ((320, 85), (240, 85), (400, 60))


@dataclass(frozen=True)
class ImageSpec:
    """How to draw one JPEG: the picture's seed, its square size in pixels and the JPEG quality."""

    seed: int
    size: int = 320
    quality: int = 85


class DemoShop:
    """The generated catalogue: deterministic for a given ``(products, seed, epoch)``, pure data, no I/O."""

    def __init__(self, products: int = 300, seed: int = 7, epoch: int = 0, crawl_delay: float | None = None,
                 transient_failures: bool = True, js_products: int | None = None) -> None:
        if products < 1:
            raise ValueError("a demo shop needs at least one product")
        self.seed, self.epoch, self.crawl_delay = seed, epoch, crawl_delay
        self.transient_failures = transient_failures
        self.image_specs: dict[str, ImageSpec] = {}
        self.near_duplicate_groups: list[list[str]] = []
        self.transient: dict[str, list[str]] = {"503": [], "429": []}
        self.image_failures: list[dict[str, str]] = []
        self.changes: dict[int, dict[str, dict[str, str | None]]] = {}
        base = [make_product(seed, pid, CATEGORIES[(pid - 1) % len(CATEGORIES)]) for pid in range(1, products + 1)]
        self.products = self._apply_specials(base)
        self.js_products = self._js_only(products, js_products)
        self.by_path = {product.path: product for product in self.products + self.js_products}

    @property
    def categories(self) -> tuple[str, ...]:
        """The listed categories: the six of every shop, plus the JavaScript-only one when it has products."""
        return CATEGORIES + ((JS_CATEGORY,) if self.js_products else ())

    def category_products(self, category: str) -> list[DemoProduct]:
        """The products of ``category`` in listing order (by id)."""
        return [product for product in self.products + self.js_products if product.category == category]

    def _js_only(self, products: int, count: int | None) -> list[DemoProduct]:
        """Products whose page is an app shell; ids follow the others so they never reshuffle them.

        12 by default, scaled like the other specials (none below 50 products). They do not change with the
        epoch, so ``changed_since_epoch_0`` stays what an HTTP-only crawl can observe.
        """
        if count is None:
            count = _Picker([], products).count(12)
        first = products + 1
        made = [make_product(self.seed, pid, JS_CATEGORY) for pid in range(first, first + count)]
        for product in made:
            for n, url in enumerate(product.images):
                self.image_specs[url] = ImageSpec(seed=product.id * 10 + n)
        return [replace(product, format="js") for product in made]

    def _apply_specials(self, base: list[DemoProduct]) -> list[DemoProduct]:
        """Pick the special products from a shuffled id list, so the picks are disjoint and seed-stable."""
        ids = [product.id for product in base]
        random.Random(f"{self.seed}:specials").shuffle(ids)
        scale = _Picker(ids, len(base))
        broken = {pid: BROKEN_KINDS[i] for i, pid in enumerate(scale.take(6))}
        code_503, code_429, bad_images = scale.take(5), scale.take(5), scale.take(2)
        groups = [scale.take(2 + i % 2) for i in range(scale.count(10))]
        products, by_category = [], _ids_by_category(base)
        for product in base:
            product = self._with_images(product, bad_images, groups)
            if product.id in broken:
                product = break_product(product, broken[product.id])
            product, self.changes[product.id] = at_epoch(product, self.seed, self.epoch)
            products.append(replace(product, related=_related(by_category, product, self.seed)))
        by_id = {product.id: product for product in products}
        if self.transient_failures:  # off for benchmarks that measure raw speed apart from politeness
            self.transient = {"503": [by_id[i].path for i in code_503], "429": [by_id[i].path for i in code_429]}
        self.near_duplicate_groups = [[by_id[pid].images[0] for pid in group] for group in groups if len(group) > 1]
        return products

    def _with_images(self, product: DemoProduct, bad_images: list[int], groups: list[list[int]]) -> DemoProduct:
        """Register the product's image specs; near-duplicate members share one picture seed."""
        for n, url in enumerate(product.images):
            self.image_specs[url] = ImageSpec(seed=product.id * 10 + n)
        for group_no, group in enumerate(groups):
            if product.id in group:
                size, quality = _DUPLICATE_VARIANTS[group.index(product.id)]
                self.image_specs[product.images[0]] = ImageSpec(seed=100_000 + group_no, size=size, quality=quality)
        if product.id not in bad_images:
            return product
        if bad_images.index(product.id) == 0:
            bad, reason = BOMB_IMAGE, "decompression bomb"
        else:
            bad, reason = f"/img/missing-{product.id}.jpg", "404 not found"
        self.image_failures.append({"path": product.path, "image": bad, "reason": reason})
        return replace(product, images=(bad, *product.images[1:]))

    def truth(self) -> dict[str, Any]:
        """The ground truth as JSON-serializable data; paths only, so it holds on any port."""
        return {
            "base_url_independent": True,
            "seed": self.seed,
            "epoch": self.epoch,
            "products": [_product_truth(product) for product in self.products],
            # Separate from "products" (whose counts tests and benchmarks rely on): only a browser finds these.
            "js_only": [_product_truth(product) for product in self.js_products],
            "near_duplicate_groups": self.near_duplicate_groups,
            "transient": self.transient,
            "disallowed": list(DISALLOWED),
            "image_failures": self.image_failures,
            "changed_since_epoch_0": [
                {"key": product.key, "path": product.path, "fields": self.changes[product.id]}
                for product in self.products
                if self.changes[product.id]
            ],
            "trap_products": TRAP_PRODUCTS,
        }

    def write_truth(self, path: str | Path) -> None:
        """Write ``truth()`` as indented JSON to ``path``."""
        Path(path).write_text(json.dumps(self.truth(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class _Picker:
    """Hands out disjoint slices of the shuffled ids, scaled down for shops smaller than the default 300."""

    def __init__(self, ids: list[int], total: int) -> None:
        self._ids, self._total, self._next = ids, total, 0

    def count(self, default: int) -> int:
        if self._total < 50:
            return 0
        return min(default, max(1, round(default * self._total / 300)))

    def take(self, default: int) -> list[int]:
        count = self.count(default)
        picked = self._ids[self._next : self._next + count]
        self._next += count
        return picked


def _ids_by_category(base: list[DemoProduct]) -> dict[str, list[int]]:
    """Product ids per category, in catalog order (so a 30,000-product shop starts in seconds, not minutes)."""
    grouped: dict[str, list[int]] = {}
    for product in base:
        grouped.setdefault(product.category, []).append(product.id)
    return grouped


def _related(by_category: dict[str, list[int]], product: DemoProduct, seed: int) -> tuple[int, ...]:
    """Three other products of the same category, shown with their prices to tempt naive extractors."""
    same = [other for other in by_category[product.category] if other != product.id]
    return tuple(random.Random(f"{seed}:related:{product.id}").sample(same, min(3, len(same))))


def _product_truth(product: DemoProduct) -> dict[str, Any]:
    return {
        "key": product.key,
        "path": product.path,
        "title": product.title,
        "price": None if product.price is None else str(product.price),
        "currency": product.currency,
        "sku": product.sku,
        "brand": product.brand,
        "availability": product.availability,
        "category": product.category,
        "images": list(product.images),
        "format": product.format,
        "broken": product.broken,
    }
