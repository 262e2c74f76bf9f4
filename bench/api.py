"""Requests/s and p99 latency of the product listing and product detail, next to a bare FastAPI route, with wrk.

Both servers run the same way in the same run: uvicorn, one process each, the same HTTP parser and event loop, on a
free loopback port. SightSearch serves a temporary SQLite store of 30,000 products (each with an image record and a
short price history) through ``sightsearch serve`` with its default settings; the peer is a FastAPI app whose two
routes return, as constant bytes, the very documents SightSearch answered (``Response(content=...)``), so the
difference is everything the real endpoints do: the read-access check, the query, the rows, the JSON encoding, the
ETag and the middleware (Host and cross-site checks, metrics, body limit, error catcher). The same peer process also
serves the documents the idiomatic way, returned as dicts that FastAPI encodes itself ("bare doc"), a second
reference.

SightSearch keeps answers in memory until the store changes (``api_response_cache_mb``), so each endpoint is
measured twice: *hot*, wrk on one URL (nearly every request a kept answer), and *cold*, wrk with a Lua script
rotating over 4,200 listing pages (seven sort orders, every cursor) or all 30,000 product ids, each run starting
where the previous one stopped, so that nearly every request is computed; the hit rate printed comes from the
server's own ``sightsearch_api_kept_answers_total``. The bare routes get the same URLs. A third figure, *off*, is
one URL on a second SightSearch server that keeps nothing (``api_response_cache_mb=0``): every request computed,
as before there was a cache. The load tool is ``wrk``
(Debian package ``wrk``); it shares the machine with the servers, so the ratios, and the server CPU time per request
(which does not depend on what else runs), are the numbers to compare between machines.
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _api_store import LISTING, cold_paths, fill_store
from _demo import free_port

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


# Each wrk thread walks the list from its own place (threads half a list apart), from the start the bench gives.
ROTATE_LUA = """
local count = 0
function setup(thread)
  count = count + 1
  thread:set("thread_number", count)
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  position = tonumber(args[2]) + (thread_number - 1) * math.floor(#paths / 2)
end
function request()
  position = position + 1
  return wrk.format("GET", paths[position % #paths + 1])
end
"""


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


@dataclass
class Target:
    """What one wrk measurement hits: a URL (cold: a base and a file of paths, walked from ``start``)."""

    url: str
    pid: int
    paths: Path | None = None
    start: int = 0
    metrics: str | None = None  # the server's /metrics, to count kept answers


def wrk(target: Target, connections: int, seconds: float) -> tuple[float, float, float, int]:
    """Requests/s, p99 latency (s), server CPU time per request (s) and the request count, from ``wrk --latency``
    against ``target``; any non-2xx answer fails the run. CPU per request does not depend on what else the
    machine runs."""
    cpu_before = cpu_seconds(target.pid)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", target.url]
    if target.paths is not None:
        command += ["-s", str(target.paths.with_suffix(".lua")), "--", str(target.paths), str(target.start)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors against {target.url}:\n{out}")
    value, unit = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    cpu = cpu_seconds(target.pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    target.start += requests // 2 + 1  # each thread moved about half of them; the next run goes on from there
    return rps, float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit], cpu / max(requests, 1), requests


def kept_answers(metrics_url: str) -> tuple[float, float]:
    """(hits, misses) of the server's kept answers so far."""
    text = httpx.get(metrics_url).raise_for_status().text
    found = dict(re.findall(r'^sightsearch_api_kept_answers_total\{result="(\w+)"\} ([\d.e+]+)$', text, re.M))
    return float(found.get("hit", 0)), float(found.get("miss", 0))


def interleaved(targets: dict[str, Target], args: argparse.Namespace) -> dict[str, tuple[float, ...]]:
    """Median (req/s, p99, CPU per request) and the hit rate per target over ``args.rounds`` rounds that
    alternate the targets after a warm-up.

    Alternating, with both servers up, spreads the load of other processes on the machine over both sides.
    """
    for target in targets.values():
        wrk(target, args.connections, 1)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in targets}
    kept = {name: [0.0, 0.0] for name in targets}
    for _ in range(args.rounds):
        for name, target in targets.items():
            before = kept_answers(target.metrics) if target.metrics else (0.0, 0.0)
            *figures, _ = wrk(target, args.connections, args.seconds)
            runs[name].append(tuple(figures))  # type: ignore[arg-type]
            if target.metrics:
                after = kept_answers(target.metrics)
                kept[name] = [kept[name][0] + after[0] - before[0], kept[name][1] + after[1] - before[1]]
    return {name: (*(statistics.median(column) for column in zip(*values, strict=True)),
                   kept[name][0] / max(sum(kept[name]), 1)) for name, values in runs.items()}


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
        rotations = {}
        for name, paths in cold_paths(url).items():
            rotations[name] = Path(folder) / f"{name}-paths.txt"
            rotations[name].write_text("\n".join(paths) + "\n")
            rotations[name].with_suffix(".lua").write_text(ROTATE_LUA)
        ours, unkept, bare = (f"http://127.0.0.1:{free_port()}" for _ in range(3))
        env = os.environ | {"SIGHTSEARCH_DATABASE_URL": url, "SIGHTSEARCH_DATA_DIR": folder}
        with ExitStack() as stack:
            ours_pid = stack.enter_context(server(serve_command(ours), ours, LISTING, env))
            unkept_pid = stack.enter_context(server(serve_command(unkept), unkept, LISTING,
                                                    env | {"SIGHTSEARCH_API_RESPONSE_CACHE_MB": "0"}))
            sizes = {}
            for name, path in (("listing", LISTING), ("detail", detail)):
                body = httpx.get(ours + path).raise_for_status().content
                sizes[name] = (Path(folder) / f"{name}.json").write_bytes(body)
            bare_command = [sys.executable, "-c", BARE_APP, folder, bare.rsplit(":", 1)[1], options["http"],
                            options["loop"]]
            bare_pid = stack.enter_context(server(bare_command, bare, LISTING))
            targets: dict[str, Target] = {}
            for name, path in (("listing", LISTING), ("detail", detail)):
                metrics = ours + "/metrics"
                targets |= {f"{name} hot sightsearch": Target(ours + path, ours_pid, metrics=metrics),
                            f"{name} hot bare": Target(bare + path, bare_pid),
                            f"{name} hot bare doc": Target(bare + "/doc" + path, bare_pid),
                            f"{name} cold sightsearch": Target(ours, ours_pid, rotations[name], metrics=metrics),
                            f"{name} cold bare": Target(bare, bare_pid, rotations[name]),
                            f"{name} off sightsearch": Target(unkept + path, unkept_pid)}
            results = interleaved(targets, args)
    report(results, sizes, detail, args, options)


def serve_command(base: str) -> list[str]:
    """``sightsearch serve`` on the port of ``base``."""
    return [sys.executable, "-m", "sightsearch", "serve", "--port", base.rsplit(":", 1)[1]]


def report(results: dict[str, tuple[float, ...]], sizes: dict[str, int], detail: str, args: argparse.Namespace,
           options: dict[str, str]) -> None:
    """The table: per endpoint and mode, each server's figures and SightSearch's ratios to the peers."""
    print(f"API on {args.products} products in SQLite; wrk -t2 -c{args.connections}, median of {args.rounds} x "
          f"{args.seconds:.0f} s; uvicorn 1 process each, http={options['http']}, loop={options['loop']}")
    print("bare: constant bytes in a Response; bare doc: the same document as a dict, encoded by FastAPI")
    print("hot: one URL (answers kept in memory); cold: rotating over every listing cursor / product id; "
          "off: one URL, a second server keeping nothing (api_response_cache_mb=0; its peers: the hot runs)")
    print(f"{'endpoint':9}{'mode':6}{'server':13}{'req/s':>8}{'p99 ms':>9}{'CPU ms/req':>12}{'kept':>7}"
          f"{'req/s ratio':>13}{'CPU ratio':>11}")
    for name, path in (("listing", LISTING), ("detail", detail)):
        for mode in ("hot", "cold", "off"):
            ours_rps, _, ours_cpu, _ = results[f"{name} {mode} sightsearch"]
            for peer in ("sightsearch", "bare", "bare doc"):
                figures = results.get(f"{name} {mode if peer == 'sightsearch' or mode != 'off' else 'hot'} {peer}")
                if figures is None:
                    continue
                rps, p99, cpu, hits = figures
                kept = f"{hits:>7.0%}" if peer == "sightsearch" and mode != "off" else " " * 7
                ratios = "" if peer == "sightsearch" else f"{ours_rps / rps:>13.2f}{cpu / ours_cpu:>11.2f}"
                print(f"{name:9}{mode:6}{peer:13}{rps:>8.0f}{p99 * 1000:>9.2f}{cpu * 1000:>12.3f}{kept}{ratios}")
        print(f"{'':15}GET {path}, {sizes[name]} bytes (hot); ratios are sightsearch / peer (CPU: peer's / ours)")


if __name__ == "__main__":
    main()
