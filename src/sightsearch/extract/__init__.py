"""Product extraction: structured data (JSON-LD, microdata, RDFa, OpenGraph), heuristics, site specs, prices.

``extract_product`` is the entry point; the rest are the pieces other stages reuse.
"""

from __future__ import annotations

from sightsearch.extract.availability import normalize_availability
from sightsearch.extract.extractor import extract_product
from sightsearch.extract.manifest import ManifestEntry, extract_manifest, iter_manifest, read_html_file
from sightsearch.extract.price import parse_price
from sightsearch.extract.spec import SiteSpec, load_spec, parse_spec

__all__ = [
    "ManifestEntry",
    "SiteSpec",
    "extract_manifest",
    "extract_product",
    "iter_manifest",
    "load_spec",
    "normalize_availability",
    "parse_price",
    "parse_spec",
    "read_html_file",
]
