"""The counters of one crawl run, read by the progress bar, the run record and the benchmark."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CrawlStats:
    """What a crawl did. ``pages_fetched`` + ``pages_failed`` never exceeds the run's ``max_pages``."""

    pages_fetched: int = 0
    pages_failed: int = 0
    retries: int = 0
    robots_blocked: int = 0
    handler_errors: int = 0
    """Pages fetched fine whose ``on_page`` callback raised (each was passed to ``on_failure``)."""
    links_queued: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    by_status: Counter[int] = field(default_factory=Counter)

    @property
    def pages_done(self) -> int:
        """Pages that reached a final outcome, success or failure."""
        return self.pages_fetched + self.pages_failed

    @property
    def pages_per_second(self) -> float:
        return self.pages_fetched / self.elapsed if self.elapsed > 0 else 0.0

    def counts(self) -> dict[str, int]:
        """The integer counters by name, for ``RunFinished.counts`` and the run record."""
        return {
            "pages_fetched": self.pages_fetched,
            "pages_failed": self.pages_failed,
            "retries": self.retries,
            "robots_blocked": self.robots_blocked,
            "handler_errors": self.handler_errors,
            "links_queued": self.links_queued,
            "bytes": self.bytes,
        }
