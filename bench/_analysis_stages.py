"""Per-stage CPU of ``analyse_page``: wraps the functions it calls with timers that count exclusive time.

A stage's time excludes the stages called inside it (the parse inside ``load_document`` counts as parse, not as
document), so the stages add up to the whole. Work done lazily (a cached property first read by a later stage)
counts where it is first read. Only names that exist are wrapped, so the table works across code versions.
"""

from __future__ import annotations

import importlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (module, attribute, stage): the attribute is looked up in that module when called, so it is patched there.
PATCHES = (
    ("sightsearch.extract.document", "decode_html", "decode"),
    ("sightsearch.extract.document", "parse_html", "parse (lxml)"),
    ("sightsearch.crawl.analysis", "load_document", "document (scripts, hints)"),
    ("sightsearch.crawl.analysis", "discover_links", "links"),
    ("sightsearch.crawl.analysis", "page_record", "record (ProductRecord)"),
    ("sightsearch.extract.page_record", "extract_product", "extract (rest)"),  # before issue 16
    ("sightsearch.extract.page_record", "product_fields", "extract (rest)"),
    ("sightsearch.extract.extractor", "apply_spec", "spec"),
    ("sightsearch.extract.extractor", "labelled_values", "heuristics: labels (+ visible texts)"),
    ("sightsearch.extract.extractor", "extract_heuristics", "heuristics: identity, image, title"),
    ("sightsearch.extract.extractor", "merge_values", "merge"),
    ("sightsearch.extract.extractor", "score_fields", "scoring (rest)"),
    ("sightsearch.extract.scoring", "shown_prices", "scoring: visible prices"),
    ("sightsearch.extract.scoring", "price_candidates_of", "scoring: price candidates"),
    ("sightsearch.extract.scoring", "availability_candidates", "scoring: availability"),
    ("sightsearch.extract.scoring", "brand_candidates", "scoring: brand"),
    ("sightsearch.extract.extractor", "apply_decisions", "scoring: apply"),
    ("sightsearch.extract.extractor", "breadcrumb_category", "breadcrumb"),
)
_SOURCES = ("sightsearch.extract.extractor", "_STRUCTURED_SOURCES")


class StageClock:
    """Accumulates exclusive CPU seconds per stage while installed."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []  # per open stage: the time its nested stages took

    def timed(self, stage: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._inner.append(0.0)
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.process_time() - start
            inner = self._inner.pop()
            self.totals[stage] += elapsed - inner
            if self._inner:
                self._inner[-1] += elapsed

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            return self.timed(stage, function, *args, **kwargs)
        return timed

    @contextmanager
    def installed(self) -> Iterator[StageClock]:
        saved: list[tuple[Any, str, Any]] = []
        for module_name, attribute, stage in PATCHES:
            module = importlib.import_module(module_name)
            if hasattr(module, attribute):
                saved.append((module, attribute, getattr(module, attribute)))
                setattr(module, attribute, self.wrap(stage, getattr(module, attribute)))
        module = importlib.import_module(_SOURCES[0])
        if hasattr(module, _SOURCES[1]):
            sources = getattr(module, _SOURCES[1])
            saved.append((module, _SOURCES[1], sources))
            setattr(module, _SOURCES[1], tuple((name, self.wrap(name, source)) for name, source in sources))
        try:
            yield self
        finally:
            for module, attribute, original in reversed(saved):
                setattr(module, attribute, original)
