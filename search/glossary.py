"""The abbreviation glossary (index/data/glossary.toml), used to expand queries both ways."""

from __future__ import annotations

import functools
import re
import threading
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

import Stemmer

from index.building.analysis import analyze


@dataclass(frozen=True)
class Entry:
    abbreviation: str
    expansion: str
    terms: tuple[str, ...]  # the expansion's analysed terms


@functools.cache
def _tables() -> dict:
    raw = resources.files("index").joinpath("data/glossary.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@functools.cache
def glossary() -> dict[str, Entry]:
    """Abbreviations keyed by their casefolded form."""
    table = _tables().get("abbreviations", {})
    return {
        abbr.casefold(): Entry(abbr, text, tuple(t.text for t in analyze(text) if t.kind == "word"))
        for abbr, text in table.items()
    }


def expand(word: str) -> Entry | None:
    """The entry for an abbreviation as typed: only when typed in capitals (MED, not med)."""
    entry = glossary().get(word.casefold())
    if entry and (word.isupper() or not word.isalpha() or word == entry.abbreviation):
        return entry
    return None


def abbreviations_in(stems: set[str]) -> list[Entry]:
    """Entries whose whole expansion the query holds: "Kommunernes Landsforening" → KL."""
    return [e for e in glossary().values() if e.terms and set(e.terms) <= stems]


@functools.cache
def _synonym_table() -> dict[str, frozenset[str]]:
    """Each stem of a [synonyms] line -> the stems of the line's other words."""
    out: dict[str, set[str]] = {}
    for key, words in _tables().get("synonyms", {}).items():
        stems = {t.text for w in (key, *words) for t in analyze(w) if t.kind == "word"}
        for t in stems:
            out.setdefault(t, set()).update(stems - {t})
    return {t: frozenset(others) for t, others in out.items()}


def synonyms(stem: str) -> frozenset[str]:
    """The stems of the words that mean the same as this stem's word ([synonyms])."""
    return _synonym_table().get(stem, frozenset())


_stemmers = threading.local()  # PyStemmer's stemmers are not thread-safe: one per thread
_ENGLISH_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def english_stem(word: str) -> str:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    return stemmer.stemWord(word.casefold())


@functools.cache
def english() -> dict[tuple[str, ...], tuple[str, ...]]:
    """English words and phrases (as English Snowball stems, so that plurals match) -> the
    Danish words they stand for: the area names ([english]) and the domain's words
    ([english_terms]); "a / b" in a value are alternatives, all searched as one typed word."""
    tables = _tables()
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name in ("english", "english_terms"):
        for phrase, danish in tables.get(name, {}).items():
            key = tuple(english_stem(w) for w in _ENGLISH_WORD.findall(phrase))
            words = tuple(w for w in danish.replace("/", " ").split() if w)
            if key and words:
                out[key] = tuple(dict.fromkeys(out.get(key, ()) + words))
    return out


MAX_PHRASE = 4  # words in the longest English phrase looked up


def english_spans(words: Sequence[str], reads_english: Callable[[str], bool]
                  ) -> dict[int, tuple[int, tuple[str, ...]]]:  # fmt: skip
    """Where the typed words hold English phrases of the table: start -> (end, Danish words),
    the longest phrase first. A single word only where `reads_english` says it is English, not
    Danish ("rent", "fire"): inside a longer phrase ("fire service") it is read as English."""
    table = english()
    stems = [english_stem(w) for w in words]
    spans: dict[int, tuple[int, tuple[str, ...]]] = {}
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            danish = table.get(tuple(stems[i : i + n]))
            if danish and (n > 1 or reads_english(words[i])):
                spans[i] = (i + n, danish)
                i += n
                break
        else:
            i += 1
    return spans
