"""The counters of one crawl run, read by the progress bar, the run record and the benchmark."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class CrawlStats:
    """What a crawl did, summed from the pages' outcomes. ``pages_fetched`` + ``pages_failed`` never exceeds the
    run's ``max_pages``."""

    counts: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    def add(self, counts: Mapping[str, int]) -> None:
        self.counts.update(counts)

    @property
    def pages_fetched(self) -> int:
        return self.counts["pages_fetched"]

    @property
    def pages_failed(self) -> int:
        return self.counts["pages_failed"]

    @property
    def retries(self) -> int:
        return self.counts["retries"]

    @property
    def robots_blocked(self) -> int:
        return self.counts["robots_blocked"]

    @property
    def handler_errors(self) -> int:
        """Pages fetched fine whose link discovery, extraction or outcome handling raised."""
        return self.counts["handler_errors"]

    @property
    def bytes(self) -> int:
        return self.counts["bytes"]

    @property
    def by_status(self) -> Counter[int]:
        """Final answers by HTTP status (retried answers are not counted)."""
        return Counter({int(k[7:]): v for k, v in self.counts.items() if k.startswith("status_") and v})

    @property
    def pages_done(self) -> int:
        """Pages that reached a final outcome, success or failure."""
        return self.pages_fetched + self.pages_failed

    @property
    def pages_per_second(self) -> float:
        return self.pages_fetched / self.elapsed if self.elapsed > 0 else 0.0
