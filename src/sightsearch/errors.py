"""The error hierarchy.

Every error says what happens next: a ``TransientError`` is retried with back-off, a ``PermanentError`` goes to
the dead-letter store with the stage, the input and the reason. Anything else is a bug and propagates.
"""

from __future__ import annotations


class SightSearchError(Exception):
    """Base class of every error SightSearch raises on purpose."""


class ConfigurationError(SightSearchError):
    """The settings are unusable; the message says which one and how to fix it."""


class TransientError(SightSearchError):
    """Worth retrying later: timeouts, resets, 429, 5xx, a database that is briefly away.

    ``retry_after`` is the server's requested wait in seconds, when it gave one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(SightSearchError):
    """Retrying will not help: a 404, a page over the size limit, a redirect loop, a record that fails its contract."""


class FetchError(SightSearchError):
    """Base for fetch failures; subclasses say transient or permanent."""


class TransientFetchError(FetchError, TransientError):
    """A fetch that may succeed if tried again (timeout, reset, 429, 5xx)."""


class PermanentFetchError(FetchError, PermanentError):
    """A fetch that will not succeed if tried again (4xx, too large, redirect loop, blocked by robots.txt)."""


class ImageError(PermanentError):
    """An image that cannot be used: not an image, too large, a decompression bomb."""


class StageFailed(SightSearchError):
    """A pipeline stage raised an unexpected error; carries the stage name and the run id."""

    def __init__(self, stage: str, run_id: str) -> None:
        super().__init__(f"stage {stage!r} failed in run {run_id}")
        self.stage = stage
        self.run_id = run_id


__all__ = [
    "ConfigurationError",
    "FetchError",
    "ImageError",
    "PermanentError",
    "PermanentFetchError",
    "SightSearchError",
    "StageFailed",
    "TransientError",
    "TransientFetchError",
]
