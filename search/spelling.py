"""Typo tolerance: correct an unknown query word to the nearest word the corpus uses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


class Speller:
    def __init__(self, words: Iterable[str]):
        words = list(words)
        self.display = {w.casefold(): w for w in words if w != w.casefold()}
        self.words = frozenset(w.casefold() for w in words)
        self._by_len: dict[int, list[str]] = defaultdict(list)
        for w in sorted(self.words):
            self._by_len[len(w)].append(w)

    def correct(self, typed: str) -> str | None:
        """The closest known word within the allowed edits, or None. Ties go to the first.

        Written as the corpus writes it (MitID), else in the case the user typed it."""
        fixed = self._nearest(typed.casefold())
        if fixed is None:
            return None
        if fixed in self.display:
            return self.display[fixed]
        if typed.isupper() and len(typed) > 1:
            return fixed.upper()
        return fixed.capitalize() if typed[:1].isupper() else fixed

    def _nearest(self, word: str) -> str | None:
        if len(word) < 4 or word in self.words or not word.isalpha():
            return None
        budget = 1 if len(word) < 8 else 2
        best, best_d = None, budget + 1
        for n in range(len(word) - budget, len(word) + budget + 1):
            for cand in self._by_len.get(n, ()):
                if cand[0] != word[0] and budget == 1:
                    continue
                d = _distance(word, cand, best_d - 1)
                if d < best_d:
                    best, best_d = cand, d
        return best


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions), giving up once past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
