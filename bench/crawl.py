"""Pages per second of ``sightsearch crawl`` on the demo shop, side by side with Scrapy on the same shop, same run.

Each crawler gets its own fresh demo shop process, the same concurrency (total and per site) and robots.txt
obedience. SightSearch runs its full pipeline (extraction, five ETL stages, SQLite load); images are skipped on
both sides because the Scrapy spider does not fetch them, and so is JavaScript rendering (`--render never`). Two shops: a clean one, and the default one whose
five 429 (Retry-After: 1) and five 503 first answers SightSearch honours with site-wide pauses, where Scrapy's
retry middleware retries at once. Prints the median of ROUNDS runs.
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
        env = os.environ | {"SIGHTSEARCH_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                            "SIGHTSEARCH_PER_DOMAIN_CONCURRENCY": str(concurrency)}
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "sightsearch", "crawl", base_url + "/", "--max-pages", str(max_pages),
             "--concurrency", str(concurrency), "--no-images", "--render", "never", "--json"],
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
    parser.add_argument("--concurrency", type=int, default=8, help="total and per site, for both crawlers")
    args = parser.parse_args()
    print(f"pages/s, median of {args.rounds} rounds, wall clock including start-up, concurrency {args.concurrency}")
    print(f"{'shop':24}{'crawler':14}{'pages':>8}{'pages/s':>10}")
    for label, shop_args in (("clean", ("--no-transient",)), ("10 transient failures", ())):
        rates: dict[str, list[float]] = {"sightsearch": [], "scrapy": []}
        pages: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, runner in (("sightsearch", run_sightsearch), ("scrapy", run_scrapy)):
                with demo_shop(*shop_args) as base_url:
                    count, seconds = runner(base_url, args.max_pages, args.concurrency)
                rates[name].append(count / seconds)
                pages[name] = count
        ours, peer = statistics.median(rates["sightsearch"]), statistics.median(rates["scrapy"])
        print(f"{label:24}{'sightsearch':14}{pages['sightsearch']:>8}{ours:>10.1f}")
        print(f"{label:24}{'scrapy':14}{pages['scrapy']:>8}{peer:>10.1f}")
        print(f"{label:24}ratio sightsearch/scrapy: {ours / peer:.2f}")


if __name__ == "__main__":
    main()
