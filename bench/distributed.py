"""Pages per second on the demo shop: the embedded mode, then the distributed mode with 1 and 2 Celery workers.

Same run, same machine, each crawl against a fresh demo shop process with no transient failures, images and browser
rendering off (the fetch, extract and ETL path only). The distributed timings run from submitting the run to its end (workers already started),
so they include the ETL batches and the run's finish. A "worker" is one ``sightsearch worker`` process with
``--concurrency`` pool processes on all of fetch, images and etl. Needs Debian's redis-server.

    .venv/bin/python bench/distributed.py [--max-pages 2000] [--concurrency 1] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from _demo import demo_shop

from tests.services.redis import throwaway_redis


def bench_env(folder: str, redis_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTSEARCH_")}
    return clean | {"SIGHTSEARCH_DATABASE_URL": f"sqlite:///{folder}/bench.db", "SIGHTSEARCH_BROKER_URL": redis_url,
                    "SIGHTSEARCH_DOWNLOAD_IMAGES": "false", "SIGHTSEARCH_RENDER": "never", "SIGHTSEARCH_DOMAIN_RATE": "10000",
                    "SIGHTSEARCH_DOMAIN_BURST": "64", "SIGHTSEARCH_DATA_DIR": f"{folder}/state"}


def run_embedded(base_url: str, max_pages: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as folder:
        env = bench_env(folder, "redis://unused")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "sightsearch", "crawl", base_url + "/", "--max-pages",
                              str(max_pages), "--no-images", "--json"], env=env, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    return json.loads(out.stdout.strip().splitlines()[-1])["counts"].get("pages_fetched", 0), seconds


@contextmanager
def workers(count: int, concurrency: int, env: dict[str, str], logs: Path) -> Iterator[None]:
    processes = [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sightsearch.workers.app", "worker", "-Q", "fetch,images,etl",
         "-c", str(concurrency), "-n", f"bench{i}@%h", "--without-gossip", "--without-mingle", "-l", "info"],
        env=env, stdout=open(logs / f"w{i}.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,  # noqa: SIM115
    ) for i in range(count)]
    try:
        for i in range(count):
            while b"ready." not in (logs / f"w{i}.log").read_bytes():
                time.sleep(0.1)
        yield
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def run_distributed_bench(base_url: str, max_pages: int, count: int, concurrency: int, redis_url: str) -> tuple[int, float]:
    from sightsearch.config import Settings
    from sightsearch.workers import run_distributed

    with tempfile.TemporaryDirectory() as folder:
        env = bench_env(folder, redis_url)
        os.environ.update({k: v for k, v in env.items() if k.startswith("SIGHTSEARCH_")})
        settings = Settings(_env_file=None)
        from sightsearch.storage.db import get_engine, upgrade_schema

        upgrade_schema(get_engine(settings.database_url))  # not part of the crawl's time, as for a running fleet
        with workers(count, concurrency, env, Path(folder)):
            started = time.perf_counter()
            summary = run_distributed([base_url + "/"], settings, max_pages, None, timeout=900)
            seconds = time.perf_counter() - started
    return summary.counts.get("pages_fetched", 0), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is missing: apt-get install redis-server")
    rates: dict[str, list[float]] = {}
    pages: dict[str, int] = {}
    with throwaway_redis() as redis_server:
        for round_number in range(args.rounds):
            runs: dict[str, Callable[[str], tuple[int, float]]] = {
                "embedded": partial(run_embedded, max_pages=args.max_pages)}
            for count in (1, 2):
                runs[f"distributed x{count}"] = partial(
                    run_distributed_bench, max_pages=args.max_pages, count=count, concurrency=args.concurrency,
                    redis_url=f"{redis_server}/{round_number * 2 + count}")
            for name, run in runs.items():
                with demo_shop("--no-transient") as base_url:
                    pages[name], seconds = run(base_url)
                rates.setdefault(name, []).append(pages[name] / seconds)
    print(f"pages/s on the demo shop, median of {args.rounds} round(s); "
          f"workers: 1 process x {args.concurrency} pool process(es) each; cores: {os.cpu_count()}")
    print(f"{'mode':18}{'pages':>8}{'pages/s':>10}{'vs embedded':>13}")
    embedded = statistics.median(rates["embedded"])
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:18}{pages[name]:>8}{rate:>10.1f}{rate / embedded:>13.2f}")
    one, two = statistics.median(rates["distributed x1"]), statistics.median(rates["distributed x2"])
    print(f"scaling 2 workers / 1 worker: {two / one:.2f}")


if __name__ == "__main__":
    main()
