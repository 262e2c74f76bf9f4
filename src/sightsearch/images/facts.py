"""Download results as the ``ImageFact`` records the enrich and load stages read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sightsearch.images.download import ImageDownloader
from sightsearch.records import ImageFact

if TYPE_CHECKING:
    from sightsearch.images.inspection import ImageInfo

_FIELDS = ("width", "height", "format", "bytes", "sha256", "phash")


def image_facts(results: Mapping[str, ImageInfo | Exception]) -> dict[str, ImageFact]:
    """One fact per URL: the image's metadata and hashes, or the error that stopped it."""
    facts: dict[str, ImageFact] = {}
    for url, info in results.items():
        if not isinstance(info, Exception):
            facts[url] = ImageFact(url=url, **{name: getattr(info, name) for name in _FIELDS})
        else:
            facts[url] = ImageFact(url=url, error=str(info) or type(info).__name__)
    return facts


async def download_facts(downloader: ImageDownloader, urls: Iterable[str]) -> dict[str, ImageFact]:
    """Download ``urls`` (each at most once) and describe each one."""
    return image_facts(await downloader.download_many(urls))
