"""Images: download with limits, measure and hash safely, and find near-duplicates by pHash distance.

Names are imported on first use: Pillow, NumPy and ImageHash load only in processes that touch images (a crawl with
images off never pays for them at start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sightsearch.lazy import lazy_attributes

_HOMES = {
    "ImageDownloader": "download", "NearDuplicateIndex": "index", "ALLOWED_FORMATS": "inspection",
    "DecodeBudget": "inspection", "ImageInfo": "inspection", "describe_bytes": "inspection",
    "inspect_image": "inspection", "shared_decode_budget": "inspection",
    "group_near_duplicates": "near_duplicates", "hamming": "near_duplicates", "to_phash_int": "near_duplicates",
}

__all__ = [
    "ALLOWED_FORMATS", "DecodeBudget", "ImageDownloader", "ImageInfo", "NearDuplicateIndex", "describe_bytes",
    "group_near_duplicates", "hamming", "inspect_image", "shared_decode_budget", "to_phash_int",
]  # the names of _HOMES, spelled out for linters and readers

if TYPE_CHECKING:
    from sightsearch.images.download import ImageDownloader
    from sightsearch.images.index import NearDuplicateIndex
    from sightsearch.images.inspection import (
        ALLOWED_FORMATS, DecodeBudget, ImageInfo, describe_bytes, inspect_image, shared_decode_budget,
    )
    from sightsearch.images.near_duplicates import group_near_duplicates, hamming, to_phash_int


__getattr__ = lazy_attributes(__name__, _HOMES)
