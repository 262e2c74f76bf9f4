"""Images: download with limits, measure and hash safely, and find near-duplicates by pHash distance."""

from sightsearch.images.download import ImageDownloader
from sightsearch.images.index import NearDuplicateIndex
from sightsearch.images.inspection import ALLOWED_FORMATS, ImageInfo, describe_bytes, inspect_image
from sightsearch.images.near_duplicates import group_near_duplicates, hamming, to_phash_int

__all__ = [
    "ALLOWED_FORMATS",
    "ImageDownloader",
    "ImageInfo",
    "NearDuplicateIndex",
    "describe_bytes",
    "group_near_duplicates",
    "hamming",
    "inspect_image",
    "to_phash_int",
]
