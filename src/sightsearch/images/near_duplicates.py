"""Near-duplicate images by pHash Hamming distance, without comparing every pair.

Both the grouping and the index use multi-index hashing: the 64 bits are cut into ``max_distance + 1`` bands, and
two hashes within ``max_distance`` bits of each other must agree exactly on at least one band (pigeonhole: the
differing bits cannot touch every band). Only hashes that share a band value are compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

import numpy as np

HASH_BITS = 64

PHash = int | str


def to_phash_int(value: PHash) -> int:
    """A pHash given as an int or as hex text, checked to fit in 64 bits."""
    number = int(value, 16) if isinstance(value, str) else int(value)
    if not 0 <= number < 1 << HASH_BITS:
        raise ValueError(f"not a 64-bit pHash: {value!r}")
    return number


def hamming(a: PHash, b: PHash) -> int:
    """The number of differing bits between two 64-bit pHashes (ints or hex strings)."""
    return (to_phash_int(a) ^ to_phash_int(b)).bit_count()


def bands(max_distance: int) -> list[tuple[int, int]]:
    """``(shift, mask)`` of each of the ``max_distance + 1`` bands the 64 bits are cut into, as even as possible."""
    if not 0 <= max_distance < HASH_BITS:
        raise ValueError(f"max_distance must be in 0..{HASH_BITS - 1}, got {max_distance}")
    count = max_distance + 1
    width, wider = divmod(HASH_BITS, count)
    result: list[tuple[int, int]] = []
    shift = 0
    for index in range(count):
        bits = width + (index < wider)
        result.append((shift, (1 << bits) - 1))
        shift += bits
    return result


def group_near_duplicates(hashes: Mapping[str, PHash], max_distance: int) -> list[list[str]]:
    """Groups of keys whose pHashes are linked by distances ``<= max_distance`` (connected components).

    Only groups of two or more keys are returned; keys are sorted in each group and groups by their first key.
    Work grows with the number of hash pairs sharing a band, not with all n^2 pairs.
    """
    if max_distance < 0:
        raise ValueError(f"max_distance must be >= 0, got {max_distance}")
    keys_by_hash: dict[int, list[str]] = defaultdict(list)
    for key, value in hashes.items():
        keys_by_hash[to_phash_int(value)].append(key)
    # Identical hashes are one node: a thousand copies of a placeholder image cost one comparison, not a million.
    unique = np.fromiter(keys_by_hash, dtype=np.uint64, count=len(keys_by_hash))
    labels = _component_labels(unique, max_distance)
    members: dict[int, list[str]] = defaultdict(list)
    for label, value in zip(labels.tolist(), unique.tolist()):
        members[label].extend(keys_by_hash[value])
    groups = [sorted(keys) for keys in members.values() if len(keys) > 1]
    return sorted(groups)


def _component_labels(values: np.ndarray, max_distance: int) -> np.ndarray:
    """A component label per hash, where an edge joins two hashes within ``max_distance`` bits."""
    labels = np.zeros(len(values), dtype=np.int64)
    if len(values) == 0 or max_distance >= HASH_BITS:
        return labels
    labels = np.arange(len(values))
    # Components are merged band by band, so only one band's pairs are ever held in memory at once.
    for left, right in _close_pairs_by_band(values, max_distance):
        labels = _merge(labels, left, right)
    return labels


def _merge(labels: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``labels`` after joining the components of each ``left[i]``, ``right[i]`` pair."""
    if left.size == 0:
        return labels
    # scipy costs ~0.4 s to import: only a run that finds near-duplicates pays for it.
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    size = int(labels.max()) + 1
    edges = coo_array((np.ones(left.size, dtype=np.int8), (labels[left], labels[right])), shape=(size, size))
    _, merged = connected_components(edges, directed=False)
    return merged[labels]


def _close_pairs_by_band(values: np.ndarray, max_distance: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For each band, the index pairs of hashes that share it and are within ``max_distance`` of each other."""
    for shift, mask in bands(max_distance):
        band = (values >> np.uint64(shift)) & np.uint64(mask)
        order = np.argsort(band, kind="stable")
        sorted_band, sorted_values = band[order], values[order]
        left: list[np.ndarray] = []
        right: list[np.ndarray] = []
        # Walk offsets 1, 2, ... along the sorted band; ``active`` keeps the positions whose run of equal band
        # values is still that long, so the total work equals the number of same-band pairs.
        active, offset = np.arange(len(values) - 1), 1
        while active.size:
            active = active[sorted_band[active] == sorted_band[active + offset]]
            distance = np.bitwise_count(sorted_values[active] ^ sorted_values[active + offset])
            close = active[distance <= max_distance]
            left.append(order[close])
            right.append(order[close + offset])
            offset += 1
            active = active[active + offset < len(values)]
        yield np.concatenate(left), np.concatenate(right)
