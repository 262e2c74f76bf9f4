"""The product listing's filters and sort orders, as SQL that means the same on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select

from sightsearch.api.errors import ApiError
from sightsearch.api.pagination import SortSpec
from sightsearch.storage.models import Product

# Table columns, not ORM attributes: a SELECT of ORM attributes costs ~40% more to run for the same rows.
PRODUCTS = Product.__table__


class ProductSort(StrEnum):
    """Sort orders of the product listing; a leading ``-`` means descending."""

    PRICE = "price"
    PRICE_DESC = "-price"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"
    TITLE = "title"
    TITLE_DESC = "-title"
    ID = "id"


_SORT_COLUMNS: dict[str, tuple[Any, str, bool]] = {
    "price": (PRODUCTS.c.price, "decimal", True),
    "updated_at": (PRODUCTS.c.updated_at, "datetime", False),
    "title": (PRODUCTS.c.title, "str", False),
    "id": (PRODUCTS.c.id, "int", False),
}


def sort_spec(sort: ProductSort) -> SortSpec:
    """The keyset spec of ``sort``."""
    name = sort.value.lstrip("-")
    column, kind, nullable = _SORT_COLUMNS[name]
    return SortSpec(sort.value, column, PRODUCTS.c.id, sort.value.startswith("-"), kind, nullable)  # type: ignore[arg-type]


def sort_value(spec: SortSpec, product: Any) -> Any:
    """The value of ``product`` (a row with the sort column) in the sort column, for the next cursor.

    The value as the driver gives it, never rounded: SQLite keeps a price of 0.12345 as it is (its Decimal at the
    column's scale, 0.1235, would make the cursor show it again going down, or skip past it going up), and
    PostgreSQL's driver gives the exact Decimal. A time read as stored comes from SQLite as text."""
    value = getattr(product, spec.column.key)
    return datetime.fromisoformat(value) if spec.kind == "datetime" and isinstance(value, str) else value


@dataclass
class ProductFilters:
    """Every filter of the listing; None means no filter."""

    site: str | None = None
    category: str | None = None
    brand: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    availability: str | None = None
    q: str | None = None
    updated_since: datetime | None = None

    def params(self) -> dict[str, Any]:
        """The bound values of the filters that are set (checked, normalised); raises a 422 ``ApiError``."""
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ApiError(422, "validation_error", "min_price is greater than max_price",
                           {"min_price": str(self.min_price), "max_price": str(self.max_price)})
        if any("\x00" in value for value in (self.site, self.category, self.brand, self.availability, self.q) if value):
            raise ApiError(422, "validation_error", "text filters cannot contain NUL characters")
        values = {"site": self.site, "category": self.category, "min_price": self.min_price,
                  "max_price": self.max_price, "brand": self.brand.lower() if self.brand is not None else None,
                  "availability": self.availability.lower() if self.availability is not None else None,
                  "updated_since": _utc(self.updated_since) if self.updated_since is not None else None,
                  "q": like_pattern(self.q) if self.q else None}
        return {name: value for name, value in values.items() if value is not None}


# One WHERE condition per filter, on a bound parameter of the filter's name.
_CONDITIONS: dict[str, Any] = {
    "site": lambda: PRODUCTS.c.site == bindparam("site"),
    "category": lambda: PRODUCTS.c.category == bindparam("category"),
    "brand": lambda: func.lower(PRODUCTS.c.brand) == bindparam("brand"),
    "availability": lambda: func.lower(PRODUCTS.c.availability) == bindparam("availability"),
    "min_price": lambda: PRODUCTS.c.price >= bindparam("min_price"),
    "max_price": lambda: PRODUCTS.c.price <= bindparam("max_price"),
    "updated_since": lambda: PRODUCTS.c.updated_at >= bindparam("updated_since"),
    "q": lambda: or_(*(column.ilike(bindparam("q"), escape="\\")
                       for column in (PRODUCTS.c.title, PRODUCTS.c.brand, PRODUCTS.c.sku))),
}


def like_pattern(text: str) -> str:
    """``%text%`` for a case-insensitive substring match in which ``%`` and ``_`` of ``text`` are literal."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _utc(value: datetime) -> datetime:
    # SQLite compares stored UTC strings; a +02:00 input must become UTC first, a naive one is taken as UTC.
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as err:  # 9999-12-31T23:00-05:00 has no UTC datetime
        raise ApiError(422, "validation_error", "updated_since is out of range") from err


def listing_query(filters: ProductFilters, spec: SortSpec, after: tuple[Any, Any] | None, limit: int,
                  columns: tuple[Any, ...]) -> tuple[tuple[Select[Any], ...], dict[str, Any]]:
    """The SELECTs of one page, to run in order until ``limit + 1`` rows are read (to know whether more follow),
    and their parameters: filters, keyset position, order.

    Several SELECTs when the sort column may be NULL (its values, then its NULLs; ``SortSpec.segments``). Only
    ``columns`` are read: skipping the description and the JSON attributes makes a page ~3x cheaper. The
    statements depend only on which filters are set, so they are built once per shape and reused: building and
    caching a fresh SELECT cost as much as running it.
    """
    params = filters.params() | {"limit": limit + 1}
    after_null = after is not None and after[0] is None
    if after is not None:
        params |= {"after_id": after[1]} | ({} if after_null else {"after_value": after[0]})
    shape = (spec, tuple(name for name in _CONDITIONS if name in params), after is not None, after_null, columns)
    return _statements(*shape), params


@lru_cache(maxsize=512)
def _statements(spec: SortSpec, filters: tuple[str, ...], has_after: bool, after_null: bool,
                columns: tuple[Any, ...]) -> tuple[Select[Any], ...]:
    query = select(*columns).where(*(_CONDITIONS[name]() for name in filters))
    after = (None if after_null else 0, 0) if has_after else None  # only its shape matters here
    value = None if after_null else bindparam("after_value", type_=spec.column.type)
    last_id = bindparam("after_id", type_=spec.id_column.type)
    return tuple(query.where(*where).order_by(*order).limit(bindparam("limit"))
                 for where, order in spec.segments(after, value, last_id))
