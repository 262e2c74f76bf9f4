"""Requests per second and p50/p99 latency of ``GET /api/v1/products?limit=50``, next to a bare FastAPI endpoint.

Both servers run the same way in the same run: uvicorn, one process, on a free loopback port, started as
subprocesses. SightSearch serves a temporary SQLite store filled with a few thousand products (``sightsearch serve``);
the peer is a FastAPI app with one route returning, as a constant, the same JSON document the product listing
returned, so the difference is what the real endpoint costs: the key-less read check, the session, the keyset
query, the ORM rows, the response model and the middleware (metrics, body limit, error catcher).

The load tool is ``wrk`` when it is installed (``apt-get install wrk``), else a bounded httpx async loop: a fixed
number of keep-alive connections, each sending its next request when the previous one answered, for a fixed time.
Both tools share the machine with the servers; the ratio is the number to compare between machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

PATH = "/api/v1/products?limit=50"
BARE_APP = textwrap.dedent("""
    import json, sys
    import uvicorn
    from fastapi import FastAPI

    DOCUMENT = json.loads(open(sys.argv[1], encoding="utf-8").read())
    app = FastAPI()

    @app.get("/api/v1/products")
    def products(limit: int = 50):
        return DOCUMENT

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
""")


def fill_store(url: str, count: int) -> None:
    """A migrated SQLite store with ``count`` products of a few shops, with prices, brands and images."""
    from sqlalchemy import insert

    from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
    from sightsearch.storage.models import Product

    engine = create_db_engine(url)
    upgrade_schema(engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"site": f"shop{n % 5}.example", "product_key": f"sku:S{n:05d}", "url": f"https://shop{n % 5}.example/{n}",
             "title": f"Sturdy ceramic kettle model {n}", "brand": ["Acme", "Globex", "Initech"][n % 3],
             "sku": f"S{n:05d}", "category": ["kitchen", "audio", "outdoor"][n % 3],
             "price": Decimal(f"{10 + n % 490}.{n % 100:02d}"), "currency": "USD",
             "availability": "InStock" if n % 7 else "OutOfStock", "images": [f"https://cdn.example/{n}.jpg"],
             "attributes": {}, "sources": {}, "content_hash": f"{n:064x}", "updated_at": start + timedelta(seconds=n)}
            for n in range(count)]
    with session_scope(engine) as session:
        session.execute(insert(Product), rows)
    engine.dispose()


@contextmanager
def server(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """A server subprocess; yields its base URL once it answers, stops it after."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + PATH, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            process.terminate()
            raise RuntimeError(f"server did not start: {process.communicate(timeout=10)[1].decode()[-2000:]}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def httpx_load(url: str, connections: int, seconds: float) -> tuple[float, list[float]]:
    """Requests per second and every latency, from ``connections`` keep-alive clients for ``seconds``."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        end = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < end:
                started = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def wrk_load(url: str, connections: int, seconds: float) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 in seconds, from ``wrk --latency``."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", url],
                         check=True, capture_output=True, text=True).stdout
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

    def percentile(name: str) -> float:
        value, unit = re.search(rf"^\s*{name}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * units[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rps, percentile("50"), percentile("99")


def measure(url: str, tool: str, connections: int, seconds: float) -> tuple[float, float, float]:
    """Warm up, then (requests/s, p50 s, p99 s)."""
    asyncio.run(httpx_load(url, connections, 1.0))
    if tool == "wrk":
        return wrk_load(url, connections, seconds)
    rps, latencies = asyncio.run(httpx_load(url, connections, seconds))
    cuts = statistics.quantiles(latencies, n=100)
    return rps, cuts[49], cuts[98]


def interleaved(urls: dict[str, str], tool: str, args: argparse.Namespace) -> dict[str, tuple[float, float, float]]:
    """Median (req/s, p50, p99) per server over ``args.rounds`` rounds that alternate the servers.

    Alternating, with both servers up, spreads the load of other processes on the machine over both sides.
    """
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in urls}
    for _ in range(args.rounds):
        for name, url in urls.items():
            runs[name].append(measure(url + PATH, tool, args.connections, args.seconds))
    return {name: tuple(statistics.median(column) for column in zip(*values, strict=True))  # type: ignore[misc]
            for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements per server; medians")
    parser.add_argument("--tool", choices=["auto", "wrk", "httpx"], default="auto")
    args = parser.parse_args()
    tool = ("wrk" if shutil.which("wrk") else "httpx") if args.tool == "auto" else args.tool
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        fill_store(url, args.products)
        ours_port, bare_port = free_port(), free_port()
        env = os.environ | {"SIGHTSEARCH_DATABASE_URL": url, "SIGHTSEARCH_DATA_DIR": folder}
        command = [sys.executable, "-m", "sightsearch", "serve", "--port", str(ours_port)]
        with server(command, ours_port, env) as ours_url:
            document = httpx.get(ours_url + PATH).json()
            body = Path(folder) / "document.json"
            size = body.write_text(json.dumps(document), encoding="utf-8")
            with server([sys.executable, "-c", BARE_APP, str(body), str(bare_port)], bare_port) as bare_url:
                results = interleaved({"sightsearch": ours_url, "bare fastapi": bare_url}, tool, args)
    print(f"GET {PATH}: {args.products} products in SQLite, {size} byte response, load tool {tool}, "
          f"{args.connections} connections, median of {args.rounds} x {args.seconds:.0f} s, uvicorn 1 process each")
    print(f"{'server':16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, (rps, p50, p99) in results.items():
        print(f"{name:16}{rps:>10.0f}{p50 * 1000:>10.2f}{p99 * 1000:>10.2f}")
    ours, peer = results["sightsearch"], results["bare fastapi"]
    print(f"ratio sightsearch/bare: req/s {ours[0] / peer[0]:.2f}, "
          f"p50 {ours[1] / peer[1]:.2f}x, p99 {ours[2] / peer[2]:.2f}x")


if __name__ == "__main__":
    main()
