"""The abbreviation glossary (index/data/glossary.toml), used to expand queries both ways."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from index.building.analysis import analyze


@dataclass(frozen=True)
class Entry:
    abbreviation: str
    expansion: str
    terms: tuple[str, ...]  # the expansion's analysed terms


@functools.cache
def glossary() -> dict[str, Entry]:
    """Abbreviations keyed by their casefolded form."""
    raw = resources.files("index").joinpath("data/glossary.toml").read_text(encoding="utf-8")
    table = tomllib.loads(raw).get("abbreviations", {})
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
