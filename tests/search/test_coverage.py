"""Coverage (how much of the typed words a passage holds) on the real seed index: the bitmap
and code arithmetic of search.keyword.coverage against a plain per-row reading of it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.building.fulltext import TEXT_FIELDS
from search import expansion, keyword
from search.engine import INTENT_TERMS
from search.expansion import STRONG_KINDS
from search.query import parse

PASTED = (
    "Kommunen skal i de kommende år håndtere flere borgere på kanten af arbejdsmarkedet, "
    "stigende udgifter til sygedagpenge og fleksjob, digitalisering af borgerservice, "
    "rekruttering af medarbejdere og nye krav om informationssikkerhed"
)  # more than 16 typed words: the per-word path


def _reference(snap, exp, ignore) -> np.ndarray:
    """Per row: the typed words' groups it holds, each weighted by log(1 + n / (df + 1)) times
    the group's weight in Danish at large (`Expansion.weight`: common words weigh less)."""
    n = len(snap.passages)
    def asks(group: dict[str, str]) -> bool:  # judged by the typed word's own forms
        own = {t for t, kind in group.items() if kind == "word"} or set(group)
        return own <= ignore

    groups = [g for g in exp.typed_groups if not asks(g)] or exp.typed_groups
    held = []
    for group in groups:
        rows: set[int] = set()
        for t, kind in group.items():
            if kind in STRONG_KINDS:
                for f in TEXT_FIELDS:
                    rows |= set(keyword.rows_with(snap, f, t).tolist())
        held.append(rows)
    weights = [math.log(1 + n / (len(rows) + 1)) * exp.weight(group)
               for rows, group in zip(held, groups, strict=True)]  # fmt: skip
    return np.array([sum(w for w, rows in zip(weights, held, strict=True) if r in rows)
                     / sum(weights)
                     for r in range(n)])  # fmt: skip


@pytest.mark.parametrize("q", ["MitID", "pas og kørekort", "budget til kultur og fritid",
                               "Hvad koster brandvæsenet?", "budget", "offentlig svømmehal",
                               PASTED])  # fmt: skip
def test_coverage_is_the_weighted_share_of_typed_words_held(engine, q: str) -> None:
    snap = engine.snapshot
    exp = expansion.expand(parse(q), snap)
    assert exp.typed_groups
    cover = keyword.coverage(snap, exp, INTENT_TERMS)
    got = cover[np.arange(len(cover))]
    want = _reference(snap, exp, INTENT_TERMS)
    rows = np.arange(0, len(got), 3)
    assert np.array_equal(cover[rows], got[rows]) and len(cover) == len(got)
    mask = np.arange(len(got)) % 2 == 0
    for share in (0.0, 0.3, 0.5, 1.0):
        assert cover.count_at_least(share) == int((got >= share).sum())
        assert cover.count_at_least(share, mask) == int(((got >= share) & mask).sum())
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-12)
    assert (got > 0).any()
    if q == PASTED:
        assert len(exp.typed_groups) > 16


def test_common_groups_keep_their_rows_bounded(engine, monkeypatch) -> None:
    """A group in most passages keeps its bitmap for the next query; the same coverage comes
    back from it, and no more than GROUP_CACHE bitmaps are kept."""
    snap = engine.snapshot
    snap._cache.pop("group_rows", None)
    monkeypatch.setattr(keyword, "CACHED_GROUP_SHARE", 0.0)  # every group counts as common
    monkeypatch.setattr(keyword, "GROUP_CACHE", 2)
    queries = ["MitID", "brandvæsen", "hjemløshed", "borgerservice"]
    first = [_shares(keyword.coverage(snap, expansion.expand(parse(q), snap))) for q in queries]
    assert len(snap._cache["group_rows"]) == 2
    again = [_shares(keyword.coverage(snap, expansion.expand(parse(q), snap))) for q in queries]
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a, b)
    snap._cache.pop("group_rows", None)


def test_a_budget_word_expanded_to_compounds_still_only_asks(engine) -> None:
    # "budget" also stands for "rammebudget", "budgetansvar" ...: still what the question asks,
    # not what it is about, so it must not dilute the topic's words below an exact match
    plain = engine.search("flygtninge fra Ukraine")
    asked = engine.search("budget for flygtninge fra Ukraine")
    exact = {h.id for h in plain.results if h.match == "exact"}
    assert exact and exact <= {h.id for h in asked.results if h.match == "exact"}


def _shares(cover: keyword.Coverage) -> np.ndarray:
    """Every row's share."""
    return cover[np.arange(len(cover))]
