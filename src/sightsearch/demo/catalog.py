"""The demo shop's catalogue: pure, deterministic data generated from a seed.

Every product draws from its own ``random.Random`` seeded by ``(seed, id)``, so adding products or changing the
special-product picks never reshuffles the others. Nothing here is random at request time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

CATEGORIES = ("kitchen", "outdoor", "audio", "toys", "office", "garden")
_NOUNS = {
    "kitchen": ("Chef Knife", "Cutting Board", "Saucepan", "Kettle", "Salad Bowl", "Coffee Grinder"),
    "outdoor": ("Tent", "Sleeping Bag", "Headlamp", "Trekking Pole", "Camp Stove", "Water Bottle"),
    "audio": ("Headphones", "Speaker", "Turntable", "Microphone", "Soundbar", "Amplifier"),
    "toys": ("Puzzle", "Building Set", "Kite", "Plush Bear", "Race Car", "Board Game"),
    "office": ("Desk Lamp", "Notebook", "Stapler", "Monitor Stand", "Office Chair", "Pen Set"),
    "garden": ("Watering Can", "Pruning Shears", "Planter", "Garden Hose", "Rake", "Bird Feeder"),
    # Only the JavaScript-rendered products (js_pages.py) use it; it is not one of CATEGORIES.
    "smart-home": ("Smart Plug", "Thermostat", "Doorbell Camera", "Light Strip", "Motion Sensor", "Smart Lock"),
}
_ADJECTIVES = ("Classic", "Compact", "Deluxe", "Sturdy", "Nordic", "Urban", "Pro", "Eco", "Vintage", "Smart")
_MATERIALS = ("Bamboo", "Steel", "Oak", "Ceramic", "Cotton", "Copper", "Recycled", "Carbon", "Linen", "Walnut")
BRANDS = ("Acme", "Northwind", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark")
COLOURS = ("black", "white", "red", "blue", "green", "sand", "grey")
BROKEN_KINDS = ("missing price", "negative price", "garbage title", "empty title", "missing price", "garbage title")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoProduct:
    """One product as the shop shows it at a given epoch; ``price`` is None when the page has none."""

    id: int
    title: str
    price: Decimal | None
    currency: str
    sku: str
    brand: str
    availability: str
    category: str
    description: str
    images: tuple[str, ...]
    format: str
    jsonld_variant: str = "plain"
    colour: str = "black"
    weight_kg: Decimal = Decimal("1.0")
    broken: str | None = None
    slug: str = ""
    related: tuple[int, ...] = field(default=())

    @property
    def key(self) -> str:
        """The stable product key, independent of title and URL."""
        return f"demo-{self.id:04d}"

    @property
    def path(self) -> str:
        """The product page's path on the demo site."""
        return f"/p/{self.slug}-{self.id}"


def slugify(text: str) -> str:
    """Lowercase ASCII slug; falls back to ``item`` for titles with no letters (garbage titles)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def make_product(seed: int, pid: int, category: str) -> DemoProduct:
    """Draw product ``pid`` from its own RNG, so it only depends on ``(seed, pid)``."""
    rng = random.Random(f"{seed}:product:{pid}")
    noun = rng.choice(_NOUNS[category])
    title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_MATERIALS)} {noun}"
    currency = "EUR" if rng.random() < 0.07 else "USD"
    # Expensive EUR items show the European thousands separator (1.299,00 €) that trips naive parsers.
    high = 1900 if currency == "EUR" else 400
    price = Decimal(str(round(rng.uniform(3, high), 2))).quantize(_CENT)
    fmt = ("jsonld", "microdata", "html")[pid % 3]
    variant = ("plain", "graph", "offers-list")[(pid // 3) % 3] if fmt == "jsonld" else "plain"
    slug = slugify(title)
    image_count = rng.randint(1, 3)
    images = tuple(f"/img/{slug}-{pid}-{n}.jpg" for n in range(1, image_count + 1))
    return DemoProduct(
        id=pid,
        title=title,
        price=price,
        currency=currency,
        sku=f"{category[:3].upper()}-{pid:05d}",
        brand=rng.choice(BRANDS),
        availability="InStock" if rng.random() < 0.85 else "OutOfStock",
        category=category,
        description=f"The {title.lower()} from {category}: built to last, tested by our team, shipped in two days.",
        images=images,
        format=fmt,
        jsonld_variant=variant,
        colour=rng.choice(COLOURS),
        weight_kg=Decimal(str(round(rng.uniform(0.1, 12), 1))),
        slug=slug,
    )


def break_product(product: DemoProduct, kind: str) -> DemoProduct:
    """Return ``product`` damaged the way ``kind`` says; the truth records ``kind`` as the reason."""
    if kind == "missing price":
        return replace(product, price=None, broken=kind)
    if kind == "negative price":
        return replace(product, price=-(product.price or Decimal("1.00")), broken=kind)
    if kind == "garbage title":
        return replace(product, title="!!!@@@###", broken=kind)
    return replace(product, title="", broken=kind)


def at_epoch(product: DemoProduct, seed: int, epoch: int) -> tuple[DemoProduct, dict[str, dict[str, str | None]]]:
    """Apply epoch ``epoch``'s price and stock changes; return the product and the changed fields vs epoch 0.

    About 10% of products change price and 5% flip stock at each epoch; broken products never change.
    """
    if epoch == 0 or product.broken or product.price is None:
        return product, {}
    rng = random.Random(f"{seed}:epoch:{epoch}:{product.id}")
    changes: dict[str, dict[str, str | None]] = {}
    if rng.random() < 0.10:
        factor = Decimal(str(rng.choice((0.8, 0.85, 0.9, 0.95, 1.05, 1.1, 1.15, 1.25))))
        new_price = (product.price * factor).quantize(_CENT)
        changes["price"] = {"from": str(product.price), "to": str(new_price)}
        product = replace(product, price=new_price)
    if rng.random() < 0.05:
        flipped = "OutOfStock" if product.availability == "InStock" else "InStock"
        changes["availability"] = {"from": product.availability, "to": flipped}
        product = replace(product, availability=flipped)
    return product, changes
