"""What the store's data calls things (brands, categories, sites, ...), read through the guard at parse time.

Values are matched against the question as whole words and then used as SQL literals: the literal is the stored
value the question named, never a piece of the question itself.
"""

from __future__ import annotations

from collections.abc import Callable
import re
from dataclasses import dataclass
from typing import Any

_COLUMNS = {
    "brands": "SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL",
    "categories": "SELECT DISTINCT category FROM products WHERE category IS NOT NULL",
    "sites": "SELECT DISTINCT site FROM products",
    "currencies": "SELECT DISTINCT currency FROM products WHERE currency IS NOT NULL",
    "stages": "SELECT DISTINCT stage FROM dead_letters",
    "formats": "SELECT DISTINCT format FROM images WHERE format IS NOT NULL",
    "titles": "SELECT DISTINCT title FROM products WHERE title IS NOT NULL",
}
# Product titles, for a product or a kind of product the question names ("the Pro Steel Light Strip", "tents"); in a
# store with more titles than this, the others are asked about in quotes.
MAX_TITLES = 200_000


@dataclass(frozen=True)
class Vocabulary:
    """Distinct stored values, as stored (matching is case-insensitive)."""

    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    """Product titles, lower case (a name is looked for in them)."""
    title_words: frozenset[str] = frozenset()
    """The words of ``titles``."""
    spaced_titles: tuple[str, ...] = ()
    """``titles`` as their words between single spaces, padded (" pro steel light strip "): a name is looked for in
    them as whole words."""


def load_vocabulary(run_sql: Callable[..., Any]) -> Vocabulary:
    """Read the distinct values with ``run_sql`` (the guarded, read-only path)."""
    values: dict[str, tuple[str, ...]] = {}
    for name, sql in _COLUMNS.items():
        rows = run_sql(sql).result.rows
        values[name] = tuple(sorted({str(row[0]) for row in rows if row[0] not in (None, "")}, key=len,
                                    reverse=True))
    titles = tuple(title.lower() for title in values.pop("titles")[:MAX_TITLES])
    split = [re.findall(r"[\w-]+", title) for title in titles]
    return Vocabulary(**values, titles=titles, title_words=frozenset(word for words in split for word in words),
                      spaced_titles=tuple(" " + " ".join(words) + " " for words in split))


__all__ = ["Vocabulary", "load_vocabulary"]
