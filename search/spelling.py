"""Typo tolerance: suggest a corpus word for a typed word that no dictionary knows.

A word is left alone when the corpus or a Danish or English word list knows it ("penge" is
Danish even where the corpus never says it): only unknown words are corrected, to the nearest
word the corpus uses, so a suggestion always finds something. Edit distances come from
rapidfuzz (C++, with a cutoff), over the corpus words of about the typed length.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from wordfreq import zipf_frequency

#: A word at least this frequent (Zipf scale: 3 = once per million words) in Danish or English
#: is a real word. 2.5 keeps "ipsum", "asdf", "blarg" out and rare real words such as
#: "sygemeldt", "skøjte" or "homelessness" in (wordfreq's lists, measured).
KNOWN_ZIPF = 2.5
LANGUAGES = ("da", "en")
MIN_PART = 3  # a compound's parts must each be a known word at least this long
MAX_WORD = 40  # longer "words" are in no dictionary (and cost a word-list look-up each)
MAX_COMPOUND = 24  # longest word tried per two dictionary words ("havnepromenade": 14)
MAX_PARTS = 3  # words in a compound at most ("daginstitution|s|pladser")
LINKING = ("s", "e")


@functools.lru_cache(maxsize=65536)
def in_word_list(word: str) -> bool:
    """Is this a Danish or English word (wordfreq's frequency lists)?"""
    w = word.casefold()
    if len(w) > MAX_WORD:
        return False
    return any(zipf_frequency(w, lang) >= KNOWN_ZIPF for lang in LANGUAGES)


@functools.lru_cache(maxsize=65536)
def is_compound_of_words(word: str, parts: int = MAX_PARTS) -> bool:
    """Known words joined, with an optional linking -s- or -e- ("havnebad", "skøjtebane"); the
    modifier may itself be a compound, up to `parts` words in all ("solcelleanlæg",
    "daginstitutionspladser": Danish writes such words as one, and no word list has them all).
    Where it is, every following word must be longer than MIN_PART: the lists hold many
    three-letter scraps ("ang", "rep"), and a typo ("cyberangrep") must not pass as three words.
    """
    w = word.casefold()
    if len(w) > MAX_COMPOUND * (parts - 1):
        return False
    return _split(w, parts, MIN_PART)


def _split(word: str, parts: int, min_head: int) -> bool:
    """`word` as a modifier and a listed head of at least `min_head` letters, the modifier
    listed or (with a head longer than MIN_PART) itself split, heads then all that long."""
    if parts < 2:
        return False
    for i in range(MIN_PART, len(word) - min_head + 1):
        head, mod = word[i:], word[:i]
        if not in_word_list(head):
            continue
        mods = [mod] + ([mod[:-1]] if mod[-1:] in LINKING and len(mod) > MIN_PART else [])
        if any(in_word_list(m) for m in mods):
            return True
        if len(head) > MIN_PART and any(_split(m, parts - 1, MIN_PART + 1) for m in mods):
            return True
    return False


class Speller:
    MAX_WORDS = 4  # corrections per query: a pasted paragraph of unknown words stays cheap

    def __init__(self, words: Iterable[str]):
        words = list(words)
        self.display = {w.casefold(): w for w in words if w != w.casefold()}
        self.words = frozenset(w.casefold() for w in words)
        by_len: dict[int, list[str]] = defaultdict(list)
        for w in sorted(self.words):
            by_len[len(w)].append(w)
        self._by_len = dict(by_len)
        for lang in LANGUAGES:  # load the word lists now, not during someone's first query
            zipf_frequency("og", lang)

    def known(self, word: str, parts: int = MAX_PARTS) -> bool:
        """A corpus word, a listed word, or a compound of at most `parts` listed words."""
        w = word.casefold()
        return w in self.words or in_word_list(w) or is_compound_of_words(w, parts)

    def correct(self, typed: str) -> str | None:
        """The closest corpus word within the allowed edits, for a word nobody knows; None
        for a known word. Written as the corpus writes it (MitID), else in the typed case."""
        fixed = self._nearest(typed.casefold())
        if fixed is None:
            return None
        if fixed in self.display:
            return self.display[fixed]
        if typed.isupper() and len(typed) > 1:
            return fixed.upper()
        return fixed.capitalize() if typed[:1].isupper() else fixed

    def _nearest(self, word: str) -> str | None:
        if not 4 <= len(word) <= MAX_WORD or not word.isalpha() or self.known(word):
            return None
        budget = 1 if len(word) < 8 else 2
        best, best_d = None, budget + 1
        for n in range(len(word) - budget, len(word) + budget + 1):
            choices = self._by_len.get(n)
            if not choices:
                continue
            found = process.extractOne(
                word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=best_d - 1
            )
            if found is not None and found[1] < best_d:
                cand, d = found[0], int(found[1])
                if budget == 1 and cand[0] != word[0]:
                    continue  # short words: a first letter typed wrong is rare
                best, best_d = cand, d
        return best
