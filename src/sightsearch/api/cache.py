"""The answers the conditional cache keeps (``api/conditional.py``): bounded, each tagged with a store generation."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["Answer", "CachedAnswers", "etag_of", "etag_matches"]

# What an entry costs besides its body (key, headers, objects), so that many tiny answers are bounded too.
ENTRY_OVERHEAD = 512


def etag_of(body: bytes) -> bytes:
    """A strong validator of ``body``: 128 bits of BLAKE2b, quoted."""
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (or is ``*``)."""
    # A list of tags, weak ones compared by their opaque part (RFC 9110 13.1.2: weak comparison for GET).
    return any(tag.strip().removeprefix(b"W/") in (etag, b"*") for tag in if_none_match.split(b","))


@dataclass(frozen=True)
class Answer:
    """A complete 200 answer: its headers (ETag included), body, the route that made it, its generation."""

    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    route: Any
    generation: object


class CachedAnswers:
    """Answers by key, least recently used dropped first once they pass ``max_bytes`` (bodies plus overhead)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.size = max_bytes, 0
        self._answers: OrderedDict[tuple[str, ...], Answer] = OrderedDict()

    def get(self, key: tuple[str, ...], generation: object) -> Answer | None:
        """The answer for ``key`` if it was computed under ``generation``."""
        answer = self._answers.get(key)
        if answer is None or answer.generation != generation:
            return None
        self._answers.move_to_end(key)
        return answer

    def put(self, key: tuple[str, ...], answer: Answer) -> None:
        """Keep ``answer`` (not when it alone is over the limit)."""
        if _cost(key, answer) > self.max_bytes:
            return
        old = self._answers.pop(key, None)
        self.size += _cost(key, answer) - (_cost(key, old) if old else 0)
        self._answers[key] = answer
        while self.size > self.max_bytes:
            dropped_key, dropped = self._answers.popitem(last=False)
            self.size -= _cost(dropped_key, dropped)

    def clear(self) -> None:
        """Forget every answer."""
        self._answers.clear()
        self.size = 0


def _cost(key: tuple[str, ...], answer: Answer) -> int:
    return len(answer.body) + sum(map(len, key)) + ENTRY_OVERHEAD
