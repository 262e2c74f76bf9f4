"""Rows per second of the load stage on PostgreSQL, next to a raw COPY of the same rows in the same run.

COPY of the same Python records (formatted to COPY text, as the load stage does) into an index-free copy of the
products table is the physical limit for getting these rows into PostgreSQL; the load stage additionally reads the known hashes, upserts on the (site, product_key) key,
writes the price history and, on a re-load, skips unchanged rows. Starts a throwaway PostgreSQL on 127.0.0.1
unless SIGHTSEARCH_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sightsearch.etl.contract import StageContext  # noqa: E402
from sightsearch.etl.enrich import enrich  # noqa: E402
from sightsearch.etl.load import Loader, _row  # noqa: E402
from sightsearch.storage.db import create_db_engine, upgrade_schema  # noqa: E402
from sightsearch.storage.upsert import _copy_text  # noqa: E402
from tests.services.postgres import create_database, throwaway_postgres  # noqa: E402

def records(n: int, price: str) -> list[dict[str, Any]]:
    ctx = StageContext("bench")
    raw = [{"url": f"https://shop.example/p/{i}", "site": "shop.example", "product_key": f"sku:S{i}",
            "title": f"Stainless steel kettle model {i}", "brand": "Acme", "sku": f"S{i}", "category": "kitchen",
            "description": "A kettle. " * 20, "price": price, "old_price": None, "currency": "EUR",
            "availability": "InStock", "images": [f"https://shop.example/img/{i}.jpg"],
            "attributes": {"colour": "steel", "volume": "1.7 l"}, "sources": {"price": "jsonld"}} for i in range(n)]
    return enrich(raw, ctx).records


def run_loader(engine: Any, rows: list[dict[str, Any]], batch: int) -> float:
    loader, ctx = Loader(engine), StageContext("bench")
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        loader(rows[start:start + batch], ctx)
    return time.perf_counter() - started


def run_copy(url: str, rows: list[dict[str, Any]]) -> float:
    """COPY the same product rows, from the same Python records, into an index-free copy of the table."""
    import psycopg

    ctx = StageContext("bench")
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        connection.execute("CREATE TABLE copy_target (LIKE products INCLUDING DEFAULTS)")
        connection.commit()
        started = time.perf_counter()
        table_rows = [_row(r, ctx) for r in rows]
        columns = list(table_rows[0])
        payload = "".join("\t".join(_copy_text(row[c]) for c in columns) + "\n" for row in table_rows)
        with connection.cursor().copy(f"COPY copy_target ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(payload)
        connection.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    given = os.environ.get("SIGHTSEARCH_TEST_POSTGRES_URL")
    with (nullcontext(None) if given else throwaway_postgres()) as server:
        url = create_database(given or server.url)
        engine = create_db_engine(url)
        upgrade_schema(engine)
        first, changed = records(args.rows, "19.99"), records(args.rows, "17.49")
        copy_seconds = run_copy(url, first)
        insert_seconds = run_loader(engine, first, args.batch)
        same_seconds = run_loader(engine, first, args.batch)
        change_seconds = run_loader(engine, changed, args.batch)
    copy_rate = args.rows / copy_seconds
    print(f"{args.rows} product rows, batches of {args.batch}, PostgreSQL on 127.0.0.1")
    print(f"{'what':44}{'rows/s':>10}{'vs COPY':>10}")
    print(f"{'raw COPY into a copy of the table':44}{copy_rate:>10.0f}{1:>10.2f}")
    for label, seconds in (("load stage: new products (+ price history)", insert_seconds),
                           ("load stage: same rows again (skipped)", same_seconds),
                           ("load stage: every price changed", change_seconds)):
        rate = args.rows / seconds
        print(f"{label:44}{rate:>10.0f}{rate / copy_rate:>10.2f}")


if __name__ == "__main__":
    main()
