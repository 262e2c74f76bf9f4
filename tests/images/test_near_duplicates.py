"""Near-duplicate grouping and the search index, checked against brute force."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from sightsearch.images import NearDuplicateIndex, group_near_duplicates, hamming
from sightsearch.images.near_duplicates import bands


def flip(value: int, bits: int, rng: random.Random) -> int:
    """``value`` with exactly ``bits`` distinct bits flipped."""
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def brute_force_groups(hashes: dict[str, int], max_distance: int) -> list[list[str]]:
    parent = {key: key for key in hashes}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for a, b in itertools.combinations(hashes, 2):
        if hamming(hashes[a], hashes[b]) <= max_distance:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for key in hashes:
        groups.setdefault(root(key), []).append(key)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def test_hamming_accepts_ints_and_hex() -> None:
    assert hamming(0, 0) == 0
    assert hamming("ffffffffffffffff", 0) == 64
    assert hamming("00000000000000ff", 0b1) == 7
    with pytest.raises(ValueError):
        hamming(1 << 64, 0)


@pytest.mark.parametrize("max_distance", [0, 1, 5, 8, 12, 63])
def test_bands_cover_all_64_bits_once(max_distance: int) -> None:
    covered = [shift + bit for shift, mask in bands(max_distance) for bit in range(mask.bit_length())]
    assert sorted(covered) == list(range(64))
    assert len(bands(max_distance)) == max_distance + 1


def test_groups_are_transitive_sorted_and_exclude_singletons() -> None:
    hashes = {"c": 0b0, "a": 0b111, "b": 0b111111, "z": "ffffffffffffffff", "y": "fffffffffffffff0"}
    hashes["lonely"] = 1 << 40 | 0xFF00
    # c-a distance 3, a-b distance 3, c-b distance 6: with max 3 all three join through a.
    assert group_near_duplicates(hashes, 3) == [["a", "b", "c"]]
    assert group_near_duplicates(hashes, 4) == [["a", "b", "c"], ["y", "z"]]
    assert group_near_duplicates(hashes, 0) == []
    assert group_near_duplicates({}, 8) == []


def test_identical_hashes_group_even_at_distance_zero() -> None:
    assert group_near_duplicates({"x": 5, "y": 5, "w": "0000000000000005", "v": 6}, 0) == [["w", "x", "y"]]


@pytest.mark.parametrize("max_distance", [0, 3, 8, 10])
def test_matches_brute_force_on_random_clusters(max_distance: int) -> None:
    rng = random.Random(max_distance)
    hashes: dict[str, int] = {}
    for cluster in range(60):
        base = rng.getrandbits(64)
        for member in range(rng.randrange(1, 5)):
            hashes[f"{cluster}-{member}"] = flip(base, rng.randrange(0, 14), rng)
    assert group_near_duplicates(hashes, max_distance) == brute_force_groups(hashes, max_distance)


def test_finds_exactly_the_planted_groups_among_20000_hashes() -> None:
    rng = random.Random(2026)
    hashes = {f"r{index}": rng.getrandbits(64) for index in range(20_000)}
    planted = []
    for group in range(300):
        base, size = rng.getrandbits(64), rng.randrange(2, 5)
        keys = [f"p{group}-{member}" for member in range(size)]
        hashes[keys[0]] = base
        for key in keys[1:]:
            hashes[key] = flip(base, rng.randrange(0, 5), rng)  # within 8 of each other through the base
        planted.append(sorted(keys))
    started = time.perf_counter()
    groups = group_near_duplicates(hashes, 8)
    elapsed = time.perf_counter() - started
    assert groups == sorted(planted)
    assert elapsed < 3.0
    subset = dict(itertools.islice(hashes.items(), 0, None, 40)) | {k: hashes[k] for k in planted[0] + planted[1]}
    assert group_near_duplicates(subset, 8) == brute_force_groups(subset, 8)


def test_index_query_returns_nearest_first() -> None:
    rng = random.Random(7)
    index = NearDuplicateIndex(max_distance=8)
    base = rng.getrandbits(64)
    index.add("same", base)
    index.add("close", flip(base, 3, rng))
    index.add("edge", flip(base, 8, rng))
    index.add("far", flip(base, 20, rng))
    for number in range(2_000):
        index.add(f"noise{number}", rng.getrandbits(64))
    assert index.query(base) == [("same", 0), ("close", 3), ("edge", 8)]
    assert index.query(format(base, "016x"), max_distance=3) == [("same", 0), ("close", 3)]
    assert ("far", 20) in index.query(base, max_distance=20)  # wider than the index: scans, still exact


def test_index_matches_linear_scan_and_supports_moves() -> None:
    rng = random.Random(11)
    entries = {f"k{number}": rng.getrandbits(64) for number in range(500)}
    probe = rng.getrandbits(64)
    for number in range(40):
        entries[f"near{number}"] = flip(probe, rng.randrange(0, 12), rng)
    index = NearDuplicateIndex(max_distance=10)
    for key, value in entries.items():
        index.add(key, value)
    distances = {key: hamming(value, probe) for key, value in entries.items()}
    expected = sorted(((k, d) for k, d in distances.items() if d <= 10), key=lambda match: (match[1], match[0]))
    assert index.query(probe) == expected and len(index) == len(entries)
    index.add("near0", probe ^ (1 << 63) ^ (1 << 62) ^ 0xFFFF_FFFF)  # re-adding moves the key out of range
    index.remove("near1")
    index.remove("never-added")
    remaining = [m for m in expected if m[0] not in {"near0", "near1"}]
    assert index.query(probe) == remaining and "near1" not in index
