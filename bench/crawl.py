"""Pages per second of ``sightsearch crawl`` on the demo shop, side by side with Scrapy and Crawlee-py, same run.

Every crawler gets its own fresh demo shop process (``--products 5000 --no-transient`` by default), 8 requests in
flight (total and per site), robots.txt obeyed, images and JavaScript rendering off, and is timed by wall clock
including its start-up. SightSearch runs its full pipeline (extraction, five ETL stages, SQLite load); the peers
fetch, extract links and read three CSS fields (see _scrapy_spider.py, _crawlee_spider.py). ``wrk`` first checks
that the shop is not the bottleneck. ``--scale`` adds the 30,000-product shop: pages/s per tenth of the crawl,
peak RSS, and the ratio to the 5,000-product figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _demo import demo_shop  # noqa: E402

HERE = Path(__file__).parent
Result = tuple[int, float, float]  # pages, seconds, CPU seconds of the crawler's whole process tree
_CPU_SAMPLE = 0.05  # seconds between samples of the process tree's CPU times


def _tree_cpu(process: psutil.Process, seen: dict[int, float]) -> None:
    """Record the CPU seconds (user + system) of ``process`` and of every descendant (parser processes too)."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return
    for member in members:
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        seen[member.pid] = max(seen.get(member.pid, 0.0), times.user + times.system)


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[dict, float, float]:
    """Run ``command``; its last stdout line (JSON), wall seconds, and the CPU seconds of its process tree (sampled
    every 50 ms; CPU is what a crawler costs whatever else the machine runs, so it is reported beside pages/s)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched, seen = psutil.Process(child.pid), {}
    while child.poll() is None:
        _tree_cpu(watched, seen)
        time.sleep(_CPU_SAMPLE)
    seconds = time.perf_counter() - started
    stdout, stderr = child.communicate()
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command, stdout, stderr)
    return json.loads(stdout.strip().splitlines()[-1]), seconds, sum(seen.values())


def _sightsearch_env(folder: str, concurrency: int) -> dict[str, str]:
    return os.environ | {"SIGHTSEARCH_DATABASE_URL": f"sqlite:///{folder}/bench.db", "SIGHTSEARCH_DATA_DIR": folder,
                         "SIGHTSEARCH_PER_DOMAIN_CONCURRENCY": str(concurrency)}


def run_sightsearch(base_url: str, max_pages: int, concurrency: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        out, seconds, cpu = _timed(
            [sys.executable, "-m", "sightsearch", "crawl", base_url + "/", "--max-pages", str(max_pages),
             "--concurrency", str(concurrency), "--no-images", "--render", "never", "--json"],
            env=_sightsearch_env(folder, concurrency))
    return out["counts"].get("pages_fetched", 0), seconds, cpu


def run_scrapy(base_url: str, max_pages: int, concurrency: int) -> Result:
    out, seconds, cpu = _timed([sys.executable, str(HERE / "_scrapy_spider.py"), base_url + "/", str(max_pages),
                                str(concurrency)])
    return out["pages"], seconds, cpu


def run_crawlee(base_url: str, max_pages: int, concurrency: int) -> Result:
    out, seconds, cpu = _timed([sys.executable, str(HERE / "_crawlee_spider.py"), base_url + "/", str(max_pages),
                                str(concurrency)])
    return out["pages"], seconds, cpu


CRAWLERS = {"sightsearch": run_sightsearch, "scrapy": run_scrapy, "crawlee": run_crawlee}


def server_rate(products: int) -> float | None:
    """Requests/s the demo shop serves to wrk (16 connections, 5 s, a product page): the ceiling of any crawler."""
    if shutil.which("wrk") is None:
        return None
    with demo_shop("--products", str(products), "--no-transient") as base_url:
        out = subprocess.run(["wrk", "-t2", "-c16", "-d5s", base_url + "/p/sturdy-ceramic-kettle-1"],
                             check=True, capture_output=True, text=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(found.group(1)) if found else None


def compare(products: int, shop_args: tuple[str, ...], rounds: int, max_pages: int, concurrency: int) -> float:
    """Print each crawler's median pages/s over ``rounds`` and the ratios; returns SightSearch's figure."""
    rates: dict[str, list[float]] = {name: [] for name in CRAWLERS}
    cpu: dict[str, list[float]] = {name: [] for name in CRAWLERS}
    pages: dict[str, int] = {}
    for _ in range(rounds):
        for name, runner in CRAWLERS.items():
            with demo_shop("--products", str(products), *shop_args) as base_url:
                count, seconds, cpu_seconds = runner(base_url, max_pages, concurrency)
            rates[name].append(count / seconds)
            cpu[name].append(cpu_seconds * 1000 / max(count, 1))
            pages[name] = count
    label = f"{products} products" + (", transient" if not shop_args else "")
    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name, rate in medians.items():
        print(f"{label:28}{name:14}{pages[name]:>8}{rate:>10.1f}{statistics.median(cpu[name]):>12.2f}")
    for peer in ("scrapy", "crawlee"):
        print(f"{label:28}ratio sightsearch/{peer}: {medians['sightsearch'] / medians[peer]:.2f} pages/s, "
              f"{statistics.median(cpu[peer]) / statistics.median(cpu['sightsearch']):.2f} CPU per page (peer / ours)")
    return medians["sightsearch"]


def scale(products: int, concurrency: int, small_rate: float) -> None:
    """The big shop, whole: pages/s per tenth of the crawl, peak RSS, and the ratio to the small shop's rate."""
    with demo_shop("--products", str(products), "--no-transient") as base_url, \
            tempfile.TemporaryDirectory() as folder:
        out, seconds, _ = _timed([sys.executable, str(HERE / "_scale_crawl.py"), base_url + "/", str(products * 2),
                                  str(concurrency)], env=_sightsearch_env(folder, concurrency))
    rate = out["pages"] / seconds
    print(f"scale: {products} products, {out['pages']} pages in {seconds:.1f} s = {rate:.1f} pages/s, "
          f"peak RSS {out['peak_rss_mb']:.0f} MB (+ {out.get('parser_peak_rss_mb', 0):.0f} MB in the parser process)")
    print("scale: pages/s per tenth of the crawl: " + " ".join(f"{r:.0f}" for r in out["tenths"]))
    print(f"scale: ratio pages/s at {products} vs the small shop: {rate / small_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--max-pages", type=int, default=10_000, help="above the shop's page count: the whole shop")
    parser.add_argument("--concurrency", type=int, default=8, help="total and per site, for every crawler")
    parser.add_argument("--transient", action="store_true", help="also the shop with ten first-hit 429/503 answers")
    parser.add_argument("--scale", type=int, nargs="?", const=30_000, default=0, help="products of the big shop")
    args = parser.parse_args()
    served = server_rate(args.products)
    print(f"demo shop alone under wrk: {served:,.0f} requests/s" if served else "wrk not installed: shop not checked")
    print(f"pages/s, median of {args.rounds} rounds, wall clock including start-up, concurrency {args.concurrency}")
    print("CPU ms/page: CPU time of the crawler's whole process tree (parser processes included) per page")
    print(f"{'shop':28}{'crawler':14}{'pages':>8}{'pages/s':>10}{'CPU ms/page':>12}")
    small_rate = compare(args.products, ("--no-transient",), args.rounds, args.max_pages, args.concurrency)
    if args.transient:
        compare(args.products, (), args.rounds, args.max_pages, args.concurrency)
    if args.scale:
        scale(args.scale, args.concurrency, small_rate)


if __name__ == "__main__":
    main()
