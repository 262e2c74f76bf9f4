"""Search by image does bounded work: parallel uploads just under the pixel limit keep the process's memory within
the decode budget, give it back afterwards, and an upload too large to decode alone is refused from its header."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import threading
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine

from sightsearch.api import create_app
from tests.api.conftest import api_settings, client_for

SIDE = 3000  # 9 M pixels: 36 MB as Pillow holds RGB, plus 9 MB for pHash's greyscale copy
MB = 2**20


def rss() -> int:
    """Resident memory of this process, bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def near_limit_png() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), (200, 30, 30)).save(picture, "PNG")  # a few KB that decode to 36 MB
    return picture.getvalue()


async def test_parallel_near_limit_uploads_stay_within_the_decode_budget(sqlite_engine: Engine) -> None:
    data = near_limit_png()
    settings = api_settings(max_image_pixels=SIDE * SIDE, api_image_decode_mb=64)
    peak, sampling = [0], threading.Event()

    def sample() -> None:
        while not sampling.wait(0.003):
            peak[0] = max(peak[0], rss())

    async with client_for(create_app(settings, engine=sqlite_engine)) as api:
        await api.post("/api/v1/images/search", files={"file": ("a.png", data, "image/png")})  # warm: imports, pools
        before = rss()
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            answers = await asyncio.gather(*(api.post("/api/v1/images/search",
                                                      files={"file": (f"{n}.png", data, "image/png")})
                                             for n in range(8)))
        finally:
            sampling.set()
            sampler.join()
        after = rss()
    assert all(answer.status_code == 200 for answer in answers), answers[0].text
    assert answers[0].json()["query"]["width"] == SIDE
    # Unbounded, eight decodes at once held 8 x 45 MB; the budget lets one 45 MB decode run at a time.
    assert peak[0] - before < 64 * MB + 40 * MB, f"peak grew {(peak[0] - before) / MB:.0f} MB"
    assert after - before < 30 * MB, f"{(after - before) / MB:.0f} MB still held after the uploads"


async def test_an_upload_too_large_to_decode_within_the_budget_is_refused(sqlite_engine: Engine) -> None:
    settings = api_settings(max_image_pixels=SIDE * SIDE, api_image_decode_mb=16)
    data = near_limit_png()
    async with client_for(create_app(settings, engine=sqlite_engine)) as api:
        before = Image.core.get_stats()["new_count"]
        refused = await api.post("/api/v1/images/search", files={"file": ("a.png", data, "image/png")})
        assert Image.core.get_stats()["new_count"] == before, "refused from the header: no pixel buffer was made"
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_image")
    assert "too large to decode" in refused.json()["error"]["message"]


def test_importing_the_image_inspection_leaves_the_warnings_filters_alone() -> None:
    # Its libraries (numpy via imagehash) add their own filters when imported; the module itself adds none.
    script = ("import warnings, PIL.Image, imagehash; before = list(warnings.filters); "
              "import sightsearch.images.inspection; assert warnings.filters == before, warnings.filters[:3]")
    subprocess.run([sys.executable, "-c", script], check=True)
