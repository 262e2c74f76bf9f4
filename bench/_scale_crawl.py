"""The scale run of bench/crawl.py: ``sightsearch crawl`` through the library (``EmbeddedRun``, as the CLI does), with
the time of every page so the rate can be reported per tenth of the crawl, and the process's peak RSS.

Run as ``python bench/_scale_crawl.py URL MAX_PAGES CONCURRENCY`` with SIGHTSEARCH_DATABASE_URL set; prints
``{"pages": N, "seconds": S, "tenths": [pages/s, ...], "peak_rss_mb": M}``. Seconds include start-up (imports).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def tenths(stamps: list[float], started: float) -> list[float]:
    """Pages/s in each tenth of the crawl (by pages): flat when the cost per page does not grow with the crawl."""
    rates, size, previous = [], len(stamps) / 10, started
    for index in range(1, 11):
        last = stamps[max(0, round(index * size) - 1)]
        rates.append(round(size / max(last - previous, 1e-9), 1))
        previous = last
    return rates


def main() -> None:
    from sightsearch.config import get_settings
    from sightsearch.runner import EmbeddedRun

    start, max_pages, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    settings = get_settings().model_copy(update={"download_images": False, "render": "never",
                                                 "concurrency": concurrency})
    stamps: list[float] = []

    def on_progress(counts: dict[str, int]) -> None:
        while len(stamps) < counts["pages"]:
            stamps.append(time.perf_counter())

    crawl_started = time.perf_counter()
    summary = asyncio.run(EmbeddedRun(settings, max_pages=max_pages, on_progress=on_progress).execute([start]))
    seconds = time.perf_counter() - STARTED
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": summary.counts["pages_fetched"], "seconds": seconds,
                      "tenths": tenths(stamps, crawl_started), "peak_rss_mb": round(peak_mb, 1),
                      "parser_peak_rss_mb": parser_peak_mb()}))


def parser_peak_mb() -> float:
    """Peak RSS of the largest page-parsing process (children of the pool's fork server, so not in RUSAGE_CHILDREN)."""
    from sightsearch.crawl import parsing

    pool = parsing._pool  # noqa: SLF001 - the benchmark reads the pool it measures
    peaks = []
    for pid in list(getattr(pool, "_processes", {}) or {}):
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks, default=0.0), 1)


if __name__ == "__main__":
    main()
