"""Pages per second of ``sightsearch crawl`` on the demo shop, side by side with Scrapy on the same shop, same run.

Each crawler gets its own fresh demo shop process (so both meet the same transient 503/429 answers), the same
concurrency and robots.txt obedience. SightSearch runs its full pipeline (extraction, five ETL stages, SQLite load);
images are skipped on both sides because the Scrapy spider does not fetch them. Prints the median of ROUNDS runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _demo import demo_shop  # noqa: E402

HERE = Path(__file__).parent


def run_sightsearch(base_url: str, max_pages: int, concurrency: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as folder:
        env = os.environ | {"SIGHTSEARCH_DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "sightsearch", "crawl", base_url + "/", "--max-pages", str(max_pages),
             "--concurrency", str(concurrency), "--no-images", "--json"],
            env=env, check=True, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - started
    counts = json.loads(out.stdout.strip().splitlines()[-1])["counts"]
    return counts.get("pages_fetched", 0), seconds


def run_scrapy(base_url: str, max_pages: int, concurrency: int) -> tuple[int, float]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, str(HERE / "_scrapy_spider.py"), base_url + "/", str(max_pages), str(concurrency)],
                         check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return json.loads(out.stdout.strip().splitlines()[-1])["pages"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"sightsearch": [], "scrapy": []}
    pages: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, runner in (("sightsearch", run_sightsearch), ("scrapy", run_scrapy)):
            with demo_shop() as base_url:
                count, seconds = runner(base_url, args.max_pages, args.concurrency)
            rates[name].append(count / seconds)
            pages[name] = count
    ours, peer = statistics.median(rates["sightsearch"]), statistics.median(rates["scrapy"])
    print(f"{'crawler':14}{'pages':>8}{'pages/s (median of ' + str(args.rounds) + ', wall clock incl. start-up)':>52}")
    print(f"{'sightsearch':14}{pages['sightsearch']:>8}{ours:>52.1f}")
    print(f"{'scrapy':14}{pages['scrapy']:>8}{peer:>52.1f}")
    print(f"ratio sightsearch/scrapy: {ours / peer:.2f}")


if __name__ == "__main__":
    main()
