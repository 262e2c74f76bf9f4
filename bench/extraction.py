"""Benchmark product extraction on saved pages against commercial extractors measured on the same pages.

Usage: python bench/extraction.py [MANIFEST.jsonl]

Extracts every page of the manifest (default: ``shared/benchmarks/product-pages`` beside the repository) with
``extract_product``, the function ``extract_manifest`` calls, timing each page without its file I/O. Scores the
predictions with the benchmark's own ``score.py`` next to the Zyte, Diffbot and extruct baselines, and prints pages
per second and the median time per page, wall and CPU, beside the cost of parsing alone. ``--errors`` lists misses.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sightsearch.extract import extract_product, iter_manifest, read_html_file
from sightsearch.extract.availability import stock_class
from sightsearch.extract.document import load_document

DEFAULT_MANIFEST = Path(__file__).resolve().parents[2] / "shared/benchmarks/product-pages/manifest.jsonl"
BASELINES = ("baseline-Zyte.json", "baseline-Diffbot.json", "baseline-extruct.json")


def _prediction(product: dict) -> dict:
    # The ground truth only knows InStock / OutOfStock; SoldOut, Discontinued... are folded into those two.
    return {"price": product.get("price"), "sku": product.get("sku"), "brand": product.get("brand"),
            "availability": stock_class(product.get("availability"))}


def run(manifest: Path) -> tuple[dict[str, dict], list[float], list[float]]:
    """Extract every page of the manifest; returns predictions by id and the wall and CPU seconds of each page."""
    predictions, wall, cpu = {}, [], []
    for entry in iter_manifest(manifest):
        html = read_html_file(entry.path)  # reading and gunzipping is I/O, not extraction: kept out of the timing
        start, start_cpu = time.perf_counter(), time.process_time()
        product = extract_product(html, entry.url).to_output()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        predictions[entry.id] = _prediction(product)
    return predictions, wall, cpu


def parse_only_cpu(manifest: Path) -> float:
    """CPU seconds to decode and parse every page with lxml and nothing else: the floor extraction stands on."""
    pages = [(read_html_file(entry.path), entry.url) for entry in iter_manifest(manifest)]
    start = time.process_time()
    for html, url in pages:
        load_document(html, url)
    return time.process_time() - start


def main(argv: list[str]) -> int:
    """Run the benchmark and print the score table and the speed; always exits 0 when the data is there."""
    args = [arg for arg in argv if not arg.startswith("--")]
    manifest = Path(args[0]) if args else DEFAULT_MANIFEST
    folder = manifest.resolve().parent
    predictions, wall, cpu = run(manifest)
    with tempfile.TemporaryDirectory() as tmp:
        predicted = Path(tmp) / "sightsearch.json"
        predicted.write_text(json.dumps(predictions))
        baselines = [str(folder / name) for name in BASELINES if (folder / name).exists()]
        command = [sys.executable, str(folder / "score.py"), str(folder / "ground-truth.json"), str(predicted)]
        subprocess.run([*command, *baselines], check=False)
        if "--errors" in argv:
            subprocess.run([*command, "--errors"], check=False)
    # CPU time is reported beside wall time: on a shared machine wall time mostly measures the neighbours.
    for label, timings in (("wall", wall), ("cpu", cpu)):
        print(f"{label:5} {len(timings)} pages in {sum(timings):.2f} s: {len(timings) / sum(timings):.1f} pages/s, "
              f"median {statistics.median(timings) * 1000:.1f} ms/page (one core, extraction only)")
    floor = parse_only_cpu(manifest)
    print(f"parse {len(cpu)} pages in {floor:.2f} s: {len(cpu) / floor:.1f} pages/s (decode + lxml parse only, cpu); "
          f"extraction costs {sum(cpu) / floor:.1f}x the parse")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
