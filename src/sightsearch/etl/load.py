"""Stage 5, load: idempotent bulk upsert keyed by (site, product_key), price history only on real change.

A batch costs a fixed number of statements whatever its size: one read of the known rows, one ``INSERT ... ON
CONFLICT DO UPDATE ... WHERE content_hash differs ... RETURNING``, one touch of unchanged rows, and two for the
price history. Safe under concurrent loaders: the upsert locks the product rows it writes until commit, and the
price history is decided *after* the upsert, from the committed open rows, so two loaders of the same batch
never write the same price twice; a row another loader already brought up to date returns nothing and counts
as unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from sightsearch.etl.contract import Record, StageContext, StageResult
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import ImageRecord, PriceObservation, Product
from sightsearch.storage.upsert import in_list, insert_for, insert_rows, upsert_rows

PRODUCT_COLUMNS = (
    "url", "title", "brand", "sku", "gtin", "mpn", "category", "description", "price", "old_price",
    "currency", "availability", "images", "attributes", "sources", "confidence", "content_hash",
)
IMAGE_COLUMNS = ("width", "height", "format", "bytes", "sha256", "phash", "error")
PriceState = tuple[Decimal | None, str | None, str | None]


def _row(record: Record, ctx: StageContext) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(record, name) for name in PRODUCT_COLUMNS}
    row.update(site=record.site, product_key=record.product_key, first_seen=ctx.now, last_seen=ctx.now,
               updated_at=ctx.now, last_run_id=ctx.run_id)
    return row


def _state(price: Any, currency: str | None, availability: str | None) -> PriceState:
    return (None if price is None else Decimal(price).normalize(), currency, availability)


class Loader:
    """The load stage bound to a database. ``loader(batch, ctx)`` returns the batch's records, each with
    ``product_id`` (None when unchanged and unknown) and ``change``: ``inserted``, ``updated`` or ``unchanged``."""

    __name__ = "load"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, batch: Sequence[Record], ctx: StageContext) -> StageResult:
        result = StageResult("load")
        started = time.perf_counter()
        latest = {(r.site, r.product_key): r for r in batch}  # the last copy of a product in a batch wins
        with session_scope(self.engine) as session:
            known = self._known_hashes(session, list(latest))
            rows = {key: _row(record, ctx) for key, record in latest.items()}
            stale = {key: row for key, row in rows.items() if known.get(key, (None, None))[1] != row["content_hash"]}
            written = self._upsert(session, list(stale.values()))
            self._touch(session, [known[key][0] for key in rows if key not in written and key in known], ctx)
            changed_prices = self._write_price_history(session, {written[k]: rows[k] for k in written}, ctx)
            self._upsert_images(session, latest.values(), ctx)
        for key, record in latest.items():
            change = "unchanged" if key not in written else ("updated" if key in known else "inserted")
            result.count(change)
            product_id = written.get(key) or known.get(key, (None, None))[0]
            result.records.append(record.model_copy(update={"product_id": product_id, "change": change}))
        result.count("price_changes", changed_prices)
        result.metrics.update(records_in=len(batch), seconds=time.perf_counter() - started)
        return result

    @staticmethod
    def _known_hashes(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
        # One lookup per site (a batch is nearly always one site). On PostgreSQL the keys come as one array joined
        # by index probes: a 1,000-value IN list is compared linearly against every row of the site.
        by_site: dict[str, list[str]] = {}
        for site, key in keys:
            by_site.setdefault(site, []).append(key)
        table, known, connection = Product.__table__, {}, session.connection()
        for site, site_keys in by_site.items():
            if connection.dialect.name == "postgresql":
                rows = connection.execute(text(
                    "SELECT p.id, p.product_key, p.content_hash FROM unnest(CAST(:keys AS text[])) AS k(key) "
                    "JOIN products p ON p.site = :site AND p.product_key = k.key"), {"keys": site_keys, "site": site})
            else:
                rows = connection.execute(select(table.c.id, table.c.product_key, table.c.content_hash)
                                          .where(table.c.site == site, table.c.product_key.in_(site_keys)))
            known.update({(site, r.product_key): (r.id, r.content_hash) for r in rows})
        return known

    @staticmethod
    def _upsert(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        """Insert new and update changed products in bulk; returns the keys actually written."""
        written = upsert_rows(session, Product.__table__, rows, keys=("site", "product_key"),  # type: ignore[arg-type]
                              keep=("first_seen",), guard="content_hash")  # first_seen belongs to the first load
        return {(site, key): product_id for (site, key), product_id in written.items()}

    @staticmethod
    def _touch(session: Session, product_ids: list[int], ctx: StageContext) -> None:
        if product_ids:
            table = Product.__table__
            session.connection().execute(update(table).where(in_list(session, table.c.id, product_ids))
                                         .values(last_seen=ctx.now, last_run_id=ctx.run_id))

    @staticmethod
    def _write_price_history(session: Session, rows_by_id: dict[int, dict[str, Any]], ctx: StageContext) -> int:
        """Close the open observation and open a new one for each product whose price state changed."""
        if not rows_by_id:
            return 0
        history, connection = PriceObservation.__table__, session.connection()
        open_rows = connection.execute(
            select(history.c.product_id, history.c.price, history.c.currency, history.c.availability)
            .where(in_list(session, history.c.product_id, list(rows_by_id)), history.c.valid_to.is_(None))
        )
        current = {r.product_id: _state(r.price, r.currency, r.availability) for r in open_rows}
        moved = [pid for pid, row in rows_by_id.items()
                 if current.get(pid) != _state(row["price"], row["currency"], row["availability"])]
        if not moved:
            return 0
        to_close = [pid for pid in moved if pid in current]  # a new product has no open row to close
        if to_close:
            connection.execute(update(history).where(in_list(session, history.c.product_id, to_close), history.c.valid_to.is_(None))
                               .values(valid_to=ctx.now))
        insert_rows(session, history, [
            {"product_id": pid, "price": rows_by_id[pid]["price"], "currency": rows_by_id[pid]["currency"],
             "availability": rows_by_id[pid]["availability"], "valid_from": ctx.now, "run_id": ctx.run_id}
            for pid in moved
        ])
        return len(moved)

    @staticmethod
    def _upsert_images(session: Session, records: Any, ctx: StageContext) -> None:
        facts = {fact.url: fact for record in records for fact in record.image_facts}
        if not facts:
            return
        rows = [{"url": url, "fetched_at": ctx.now, **{c: getattr(fact, c) for c in IMAGE_COLUMNS}}
                for url, fact in facts.items()]
        statement = insert_for(session, ImageRecord).values(rows)
        session.execute(statement.on_conflict_do_update(
            index_elements=["url"], set_={c: statement.excluded[c] for c in (*IMAGE_COLUMNS, "fetched_at")}
        ))
