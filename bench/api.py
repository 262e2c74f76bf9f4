"""Requests/s and p99 latency of the product listing and product detail, next to a bare FastAPI route, with wrk.

Both servers run the same way in the same run: uvicorn, one process each, the same HTTP parser and event loop, on a
free loopback port. SightSearch serves a temporary SQLite store of 30,000 products (each with an image record and a
short price history) through ``sightsearch serve``; the peer is a FastAPI app whose two routes return, as constant
bytes, the very documents SightSearch answered (``Response(content=...)``), so the difference is everything the real
endpoints do: the read-access check, the query, the rows, the JSON encoding and the middleware (Host and cross-site
checks, metrics, body limit, error catcher). The same peer process also serves the documents the idiomatic way,
returned as dicts that FastAPI encodes itself ("bare doc"), a second reference. The load tool is ``wrk`` (Debian
package ``wrk``); it shares the machine with the servers, so the ratios, and the server CPU time per request (which
does not depend on what else runs), are the numbers to compare between machines.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _demo import free_port

LISTING = "/api/v1/products?limit=50"
BARE_APP = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import uvicorn
    from fastapi import FastAPI, Response

    folder = Path(sys.argv[1])
    LISTING, DETAIL = (folder / "listing.json").read_bytes(), (folder / "detail.json").read_bytes()
    LISTING_DOC, DETAIL_DOC = json.loads(LISTING), json.loads(DETAIL)
    app = FastAPI()

    @app.get("/api/v1/products")
    def products(limit: int = 50) -> Response:
        return Response(content=LISTING, media_type="application/json")

    @app.get("/api/v1/products/{product_id}")
    def product(product_id: int) -> Response:
        return Response(content=DETAIL, media_type="application/json")

    @app.get("/doc/api/v1/products")
    def products_doc(limit: int = 50) -> dict:
        return LISTING_DOC

    @app.get("/doc/api/v1/products/{product_id}")
    def product_doc(product_id: int) -> dict:
        return DETAIL_DOC

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False,
                server_header=False, http=sys.argv[3], loop=sys.argv[4])
""")


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(command: list[str], base: str, probe: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """A server subprocess, ready once ``probe`` answers 200 (yields its pid); stopped after."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + probe, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            process.terminate()
            raise RuntimeError(f"server did not start: {process.communicate(timeout=10)[1].decode()[-2000:]}")
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(url: str, connections: int, seconds: float, pid: int) -> tuple[float, float, float]:
    """Requests/s, p99 latency (s) and server CPU time per request (s), from ``wrk --latency`` against the server
    ``pid``; any non-2xx answer fails the run. CPU per request does not depend on what else the machine runs."""
    cpu_before = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url],
                         check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors against {url}:\n{out}")
    value, unit = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    cpu = cpu_seconds(pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return rps, float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit], cpu / max(requests, 1)


def interleaved(targets: dict[str, tuple[str, int]], args: argparse.Namespace) -> dict[str, tuple[float, ...]]:
    """Median (req/s, p99, CPU per request) per target (URL, server pid) over ``args.rounds`` rounds that alternate
    the targets after a warm-up.

    Alternating, with both servers up, spreads the load of other processes on the machine over both sides.
    """
    for url, pid in targets.values():
        wrk(url, args.connections, 1, pid)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, (url, pid) in targets.items():
            runs[name].append(wrk(url, args.connections, args.seconds, pid))
    return {name: tuple(statistics.median(column) for column in zip(*values, strict=True))
            for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=30_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements per target; medians")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/api.py measures with wrk: apt-get install wrk")
    from sightsearch.cli.serve import server_options

    options = server_options()
    detail = f"/api/v1/products/{args.products // 2}"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        fill_store(url, args.products)
        ours, bare = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
        env = os.environ | {"SIGHTSEARCH_DATABASE_URL": url, "SIGHTSEARCH_DATA_DIR": folder}
        command = [sys.executable, "-m", "sightsearch", "serve", "--port", ours.rsplit(":", 1)[1]]
        with server(command, ours, LISTING, env) as ours_pid:
            sizes = {}
            for name, path in (("listing", LISTING), ("detail", detail)):
                body = httpx.get(ours + path).raise_for_status().content
                sizes[name] = (Path(folder) / f"{name}.json").write_bytes(body)
            bare_command = [sys.executable, "-c", BARE_APP, folder, bare.rsplit(":", 1)[1], options["http"],
                            options["loop"]]
            with server(bare_command, bare, LISTING) as bare_pid:
                targets = {}
                for name, path in (("listing", LISTING), ("detail", detail)):
                    targets |= {f"{name} sightsearch": (ours + path, ours_pid), f"{name} bare": (bare + path, bare_pid),
                                f"{name} bare doc": (bare + "/doc" + path, bare_pid)}
                results = interleaved(targets, args)
    print(f"API on {args.products} products in SQLite; wrk -t2 -c{args.connections}, median of {args.rounds} x "
          f"{args.seconds:.0f} s; uvicorn 1 process each, http={options['http']}, loop={options['loop']}")
    print("bare: constant bytes in a Response; bare doc: the same document as a dict, encoded by FastAPI")
    print(f"{'endpoint':10}{'server':13}{'req/s':>8}{'p99 ms':>9}{'CPU ms/req':>12}{'req/s ratio':>13}"
          f"{'CPU ratio':>11}")
    for name, path in (("listing", LISTING), ("detail", detail)):
        ours_rps, _, ours_cpu = results[f"{name} sightsearch"]
        for peer in ("sightsearch", "bare", "bare doc"):
            rps, p99, cpu = results[f"{name} {peer}"]
            ratios = "" if peer == "sightsearch" else f"{ours_rps / rps:>13.2f}{cpu / ours_cpu:>11.2f}"
            print(f"{name:10}{peer:13}{rps:>8.0f}{p99 * 1000:>9.2f}{cpu * 1000:>12.3f}{ratios}")
        print(f"{'':10}GET {path}, {sizes[name]} bytes; ratios are sightsearch / peer (CPU: peer's / ours)")


if __name__ == "__main__":
    main()
