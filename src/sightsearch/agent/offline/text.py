"""A question as text that matchers consume piece by piece; what is left must be filler words, or we do not guess."""

from __future__ import annotations

import re

NUMBER = r"\d+(?:\.\d+)?"
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "twenty": 20, "a": 1, "an": 1, "single": 1}
WORD_NUMBER = r"(?:\d+|" + "|".join(_WORD_NUMBERS) + r")"

# Words that carry no meaning the parser could miss; anything else left over makes it refuse.
_FILLER_WORDS = """
a an the of in on for with and or to at by from as is are was were be been being do does did there here
what which whats how show list give tell me us i we you our my your all every any each that those these this
please currently now store database db catalog catalogue shop data have has had get find display return
whose who their its it they them with some one ones kind sort sorts total overall exactly just only
than then so also much many number count across among within per priced price prices cost costs costing
sell sells sold selling offered offer available listed currently right see know want would like could can
items item products product goods things listings entries stock what's whats where's there's let's
carry been ever recorded stored downloaded crawled fetched saved in-store got overall value values
exist exists existing known distinct different unique everything anything
"""
FILLER = frozenset(_FILLER_WORDS.split())


def word_number(text: str) -> int:
    """``"5"`` -> 5, ``"five"`` -> 5."""
    return int(text) if text.isdigit() else _WORD_NUMBERS[text]


class QuestionText:
    """The normalized question; ``take`` finds a pattern and blanks what it matched so nothing is read twice."""

    def __init__(self, question: str) -> None:
        text = question.lower().replace("’", "'").replace("“", '"').replace("”", '"')
        self.raw = text
        # A colon ending a word is punctuation ("Acme vs Globex: how many"); inside one it is data (host:port).
        self.text = " " + re.sub(r"\s+", " ", re.sub(r"[?!,;()]|:(?=\s|$)", " ", text)).strip(" .") + " "

    def take(self, pattern: str) -> re.Match[str] | None:
        """The first match of ``pattern`` (whole words), removed from the text; None when absent."""
        match = re.search(rf"(?<![\w.:-])(?:{pattern})(?![\w:-])", self.text)
        if match is not None:
            # One space for the whole match: words around a consumed phrase become neighbours ("average [image] width").
            self.text = re.sub(r"\s+", " ", self.text[: match.start()] + " " + self.text[match.end():])
        return match

    def has(self, pattern: str) -> bool:
        """Whether ``pattern`` is present, without consuming it."""
        return re.search(rf"(?<![\w.:-])(?:{pattern})(?![\w:-])", self.text) is not None

    def leftover(self) -> list[str]:
        """Words no matcher took that are not filler: the parts of the question we did not understand."""
        words = re.findall(r"[\w'.:-]+", self.text)
        return [w.strip(".'") for w in words if w.strip(".'") and w.strip(".'") not in FILLER]


__all__ = ["NUMBER", "WORD_NUMBER", "QuestionText", "word_number"]
