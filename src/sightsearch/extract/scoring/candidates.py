"""Candidates for one field, their scores and evidence, and the decision between them.

Every source that has an opinion on a scored field (price, availability, brand) adds a :class:`Candidate`: the
value, the source, a score in 0..1 and the evidence that set the score. Candidates that name the same value
support each other: the best score of each family of sources (all structured data is one family, since templates
fill it from one database; each visible rule is its own) combine as independent evidence, ``1 - prod(1 - s)``.
The value with the highest combined score wins; its confidence is that score times ``1 - runner-up / 2``, so a
contested field is less sure. Below the field's threshold nothing is emitted: a missing value is better than a
wrong one.

The scores are hand-set (see each field's module); the thresholds were chosen on the development pages and are
refitted per fold by ``bench/extraction.py`` for its leave-one-shop-out figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

THRESHOLDS = {"price": 0.3, "availability": 0.25, "brand": 0.3}
"""The least confidence at which a scored field is emitted."""

SOURCE_PRIOR = {"spec": 0.99, "jsonld": 0.9, "microdata": 0.88, "rdfa": 0.85, "itemprop": 0.8, "opengraph": 0.75}
"""How much a structured source is trusted before any evidence from the visible page."""
STATE_PRIOR = 0.65  # framework state (``state:*``): the shop's own data, but often about more than one product


def prior(source: str) -> float:
    """The starting score of a structured source's value."""
    return STATE_PRIOR if source.startswith("state:") else SOURCE_PRIOR.get(source, 0.5)


@dataclass(frozen=True)
class Candidate:
    """One value a source proposes for a field, with the score it earned and why."""

    field: str
    value: Any
    source: str
    score: float
    reasons: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    def adjusted(self, delta: float, reason: str) -> Candidate:
        """This candidate with its score moved by ``delta`` (kept in 0..1) and the reason recorded."""
        score = min(1.0, max(0.0, self.score + delta))
        return Candidate(self.field, self.value, self.source, score, (*self.reasons, reason), self.extras)

    def describe(self) -> str:
        """``jsonld 0.95 (shown on the page)``: the source, the score and the evidence."""
        why = f" ({', '.join(self.reasons)})" if self.reasons else ""
        return f"{self.source} {self.score:.2f}{why}"


@dataclass(frozen=True)
class Decision:
    """The winning value of a field (or ``None`` below the threshold) and how sure the choice is."""

    field: str
    winner: Candidate | None
    confidence: float
    evidence: str
    candidates: tuple[Candidate, ...] = ()

    @property
    def emitted(self) -> Candidate | None:
        """The winner when its confidence reaches the field's threshold."""
        return self.winner if self.winner is not None and self.confidence >= THRESHOLDS[self.field] else None


def family(source: str) -> str:
    """Sources whose values are not independent evidence: every structured source is one family."""
    return source if source.startswith(("heuristic:", "inferred:")) else "structured"


def _combined(candidates: Iterable[Candidate]) -> float:
    best: dict[str, float] = {}
    for candidate in candidates:
        key = family(candidate.source)
        best[key] = max(best.get(key, 0.0), candidate.score)
    remaining = 1.0
    for score in best.values():
        remaining *= 1.0 - score
    return 1.0 - remaining


def decide(field_name: str, candidates: list[Candidate], key: Callable[[Any], Hashable] = lambda v: v) -> Decision:
    """Group candidates by ``key(value)``, combine each group's scores, and pick the best group's best candidate."""
    groups: dict[Hashable, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.score > 0:
            groups.setdefault(key(candidate.value), []).append(candidate)
    if not groups:
        return Decision(field_name, None, 0.0, "no candidate", tuple(candidates))
    ranked = sorted(groups.values(), key=_combined, reverse=True)
    best_group = ranked[0]
    winner = max(best_group, key=lambda c: c.score)
    score = _combined(best_group)
    runner_up = _combined(ranked[1]) if len(ranked) > 1 else 0.0
    confidence = round(score * (1 - runner_up / 2), 3)
    evidence = winner.describe()
    if len(best_group) > 1:
        evidence += "; agreed by " + ", ".join(c.source for c in best_group if c is not winner)
    if len(ranked) > 1:
        other = max(ranked[1], key=lambda c: c.score)
        evidence += f"; beat {other.value!s} from {other.describe()}"
    return Decision(field_name, winner, confidence, evidence, tuple(candidates))
