"""An in-memory index of pHashes answering "which images look like this one?" (the API's search by image)."""

from __future__ import annotations

from collections import defaultdict

from sightsearch.images.near_duplicates import PHash, bands, to_phash_int


class NearDuplicateIndex:
    """Keys (image URLs, product ids...) by pHash, searchable by Hamming distance.

    Built for queries up to ``max_distance`` bits: those only compare hashes sharing one of ``max_distance + 1``
    exact bands. A wider query still answers correctly, by scanning every distinct hash.
    """

    def __init__(self, max_distance: int = 8) -> None:
        self.max_distance = max_distance
        self._bands = bands(max_distance)
        self._buckets: list[dict[int, set[int]]] = [defaultdict(set) for _ in self._bands]
        self._keys_by_hash: dict[int, set[str]] = defaultdict(set)
        self._hash_by_key: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._hash_by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._hash_by_key

    def add(self, key: str, phash: PHash) -> None:
        """Index ``key`` under ``phash``; adding a key again moves it to its new hash."""
        value = to_phash_int(phash)
        if key in self._hash_by_key:
            self.remove(key)
        self._hash_by_key[key] = value
        if not self._keys_by_hash[value]:
            for (shift, mask), buckets in zip(self._bands, self._buckets):
                buckets[(value >> shift) & mask].add(value)
        self._keys_by_hash[value].add(key)

    def remove(self, key: str) -> None:
        """Forget ``key``; unknown keys are ignored."""
        value = self._hash_by_key.pop(key, None)
        if value is None:
            return
        keys = self._keys_by_hash[value]
        keys.discard(key)
        if keys:
            return
        del self._keys_by_hash[value]
        for (shift, mask), buckets in zip(self._bands, self._buckets):
            bucket = buckets[(value >> shift) & mask]
            bucket.discard(value)
            if not bucket:
                del buckets[(value >> shift) & mask]

    def query(self, phash: PHash, max_distance: int | None = None) -> list[tuple[str, int]]:
        """``(key, distance)`` of every key within ``max_distance`` bits (default: the index's), nearest first."""
        value = to_phash_int(phash)
        limit = self.max_distance if max_distance is None else max_distance
        matches = []
        for candidate in self._candidates(value, limit):
            distance = (candidate ^ value).bit_count()
            if distance <= limit:
                matches.extend((key, distance) for key in self._keys_by_hash[candidate])
        return sorted(matches, key=lambda match: (match[1], match[0]))

    def _candidates(self, value: int, limit: int) -> set[int] | list[int]:
        """Distinct hashes that may be within ``limit`` of ``value``: band matches, or all of them for wide queries."""
        if limit > self.max_distance:
            return list(self._keys_by_hash)
        found: set[int] = set()
        for (shift, mask), buckets in zip(self._bands, self._buckets):
            found.update(buckets.get((value >> shift) & mask, ()))
        return found
