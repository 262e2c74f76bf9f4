"""CPU per request of HTTP clients for the crawler's fetcher: aiohttp (streamed, as ``crawl/http.py`` reads; the
fetcher's client), httpx (streamed; its client before issue 16) and impit (Rust; the client under Crawlee-py), 8
requests in flight over the same demo-shop pages, same run.

Measures the process's CPU time (every thread) per request, which is what the crawler's event loop pays for each
page before any extraction: the input for choosing the fetcher's client (see bench/PROFILE.md).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _demo import demo_shop  # noqa: E402

Fetch = Callable[[str], Awaitable[None]]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(fetch: Fetch, urls: list[str], in_flight: int) -> tuple[float, float]:
    """(CPU us per request, requests/s) for fetching every URL once with ``in_flight`` workers, after a warm-up."""
    for url in urls[:in_flight * 4]:
        await fetch(url)
    queue, started_cpu, started = list(urls), cpu_seconds(), time.perf_counter()

    async def worker() -> None:
        while queue:
            await fetch(queue.pop())

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return (cpu_seconds() - started_cpu) / len(urls) * 1e6, len(urls) / (time.perf_counter() - started)


async def compare(urls: list[str], in_flight: int) -> dict[str, tuple[float, float]]:
    import httpx
    import impit

    results = {}
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(limits=limits) as client:
        async def httpx_fetch(url: str) -> None:
            async with client.stream("GET", url) as response:
                b"".join([chunk async for chunk in response.aiter_bytes()])

        results["httpx (stream)"] = await measure(httpx_fetch, urls, in_flight)
    impit_client = impit.AsyncClient()

    async def impit_fetch(url: str) -> None:
        (await impit_client.get(url)).content

    results["impit"] = await measure(impit_fetch, urls, in_flight)
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as session:
        async def aiohttp_fetch(url: str) -> None:
            async with session.get(url) as response:
                b"".join([chunk async for chunk in response.content.iter_any()])

        results["aiohttp (stream)"] = await measure(aiohttp_fetch, urls, in_flight)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=8)
    args = parser.parse_args()
    with demo_shop("--products", str(args.requests), "--no-transient") as base_url:
        sitemap = urllib.request.urlopen(base_url + "/sitemap.xml").read().decode()
        urls = re.findall(r"<loc>([^<]+)</loc>", sitemap)[: args.requests]
        results = asyncio.run(compare(urls, args.in_flight))
    print(f"{len(urls)} demo-shop pages, {args.in_flight} in flight")
    print(f"{'client':18}{'CPU us/request':>16}{'requests/s':>12}")
    for name, (cpu, rate) in results.items():
        print(f"{name:18}{cpu:>16.0f}{rate:>12.0f}")
    httpx_cpu, aiohttp_cpu, impit_cpu = (results[name][0] for name in ("httpx (stream)", "aiohttp (stream)", "impit"))
    print(f"ratio CPU per request httpx / aiohttp (the fetcher's client): {httpx_cpu / aiohttp_cpu:.1f}; "
          f"aiohttp / impit (Crawlee's client): {aiohttp_cpu / impit_cpu:.2f}")


if __name__ == "__main__":
    main()
