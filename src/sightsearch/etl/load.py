"""Stage 5, load: idempotent upsert keyed by (site, product_key), with price history only on real change."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select, tuple_, update
from sqlalchemy.orm import Session

from sightsearch.etl.contract import Record, StageContext, StageResult
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import ImageRecord, PriceObservation, Product
from sightsearch.storage.upsert import insert_for

PRODUCT_COLUMNS = (
    "url", "title", "brand", "sku", "gtin", "mpn", "category", "description", "price", "old_price",
    "currency", "availability", "images", "attributes", "sources", "content_hash",
)
IMAGE_COLUMNS = ("width", "height", "format", "bytes", "sha256", "phash", "error")


def _row(record: Record, ctx: StageContext) -> dict[str, Any]:
    row = {name: record.get(name) for name in PRODUCT_COLUMNS}
    for name in ("price", "old_price"):
        row[name] = None if row[name] is None else Decimal(row[name])
    row["images"] = row["images"] or []
    row["attributes"] = row["attributes"] or {}
    row["sources"] = row["sources"] or {}
    row.update(site=record["site"], product_key=record["product_key"], last_seen=ctx.now, updated_at=ctx.now,
               first_seen=ctx.now, last_run_id=ctx.run_id)
    return row


def _price_state(price: Any, currency: Any, availability: Any) -> tuple[Decimal | None, str | None, str | None]:
    return (None if price is None else Decimal(price).normalize(), currency, availability)


class Loader:
    """The load stage bound to a database. ``loader(batch, ctx)`` upserts and returns the loaded records,
    each with ``product_id`` and ``change`` (``inserted``, ``updated`` or ``unchanged``)."""

    __name__ = "load"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, batch: Sequence[Record], ctx: StageContext) -> StageResult:
        result = StageResult("load")
        started = time.perf_counter()
        latest = {(r["site"], r["product_key"]): r for r in batch}  # the last copy of a product in a batch wins
        with session_scope(self.engine) as session:
            known = self._known(session, list(latest))
            self._upsert_images(session, latest.values(), ctx.now)
            for key, record in latest.items():
                result.records.append(self._load_one(session, record, known.get(key), ctx, result))
        result.metrics.update(records_in=len(batch), seconds=time.perf_counter() - started)
        return result

    @staticmethod
    def _known(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        if not keys:
            return {}
        rows = session.execute(
            select(Product.id, Product.site, Product.product_key, Product.content_hash, Product.price,
                   Product.currency, Product.availability).where(tuple_(Product.site, Product.product_key).in_(keys))
        )
        return {(row.site, row.product_key): row for row in rows}

    def _load_one(self, session: Session, record: Record, known: Any, ctx: StageContext, result: StageResult) -> Record:
        row = _row(record, ctx)
        if known is not None and known.content_hash == row["content_hash"]:
            session.execute(update(Product).where(Product.id == known.id).values(last_seen=ctx.now, last_run_id=ctx.run_id))
            result.count("unchanged")
            return {**record, "product_id": known.id, "change": "unchanged"}
        statement = insert_for(session, Product).values(**row)
        changed = {name: statement.excluded[name] for name in (*PRODUCT_COLUMNS, "last_seen", "updated_at", "last_run_id")}
        product_id = session.execute(
            statement.on_conflict_do_update(index_elements=["site", "product_key"], set_=changed).returning(Product.id)
        ).scalar_one()
        change = "inserted" if known is None else "updated"
        result.count(change)
        new_state = _price_state(row["price"], row["currency"], row["availability"])
        if known is None or _price_state(known.price, known.currency, known.availability) != new_state:
            self._record_price(session, product_id, row, ctx)
            result.count("price_changes")
        return {**record, "product_id": product_id, "change": change}

    @staticmethod
    def _record_price(session: Session, product_id: int, row: dict[str, Any], ctx: StageContext) -> None:
        session.execute(
            update(PriceObservation)
            .where(PriceObservation.product_id == product_id, PriceObservation.valid_to.is_(None))
            .values(valid_to=ctx.now)
        )
        session.add(PriceObservation(product_id=product_id, price=row["price"], currency=row["currency"],
                                     availability=row["availability"], valid_from=ctx.now, run_id=ctx.run_id))

    @staticmethod
    def _upsert_images(session: Session, records: Any, now: datetime) -> None:
        facts = {f["url"]: f for r in records for f in r.get("image_facts") or []}
        if not facts:
            return
        rows = [{"url": url, "fetched_at": now, **{c: fact.get(c) for c in IMAGE_COLUMNS}} for url, fact in facts.items()]
        statement = insert_for(session, ImageRecord).values(rows)
        session.execute(statement.on_conflict_do_update(
            index_elements=["url"], set_={c: statement.excluded[c] for c in (*IMAGE_COLUMNS, "fetched_at")}
        ))
