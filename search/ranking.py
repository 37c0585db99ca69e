"""Which passages a query finds, how sure we are, and in what order the reader sees them.

A passage is an *exact* match when it holds the query's words (or their Danish forms) and a
*related* one when only its meaning is close. Exact matches come first, each group ordered by
the fused keyword and semantic score; related ones must clear a calibrated floor, so nonsense
finds nothing and a topic the documents lack finds only what is labelled related.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from search import fusion

#: Share of the typed words (weighted by rarity, see keyword.coverage) a passage must hold to be
#: an exact match: a passage with "pas" alone does not match "pas og kørekort" exactly, one with
#: "kørekort" (the rarer word) does.
EXACT_SHARE = 0.5
#: How far above the query's mean cosine over the corpus a passage must be to count as related.
#: e5 cosines are compressed (0.75-0.90 for anything): measured on the seed, nonsense ("xyzzy",
#: "qwxz plorf", "blarg fnord", "kat hund") peaks at 0.016-0.034 above the mean, real topics
#: with or without their words in the text ("hjemløshed", "homelessness", "IT security",
#: "fire hydrants") at 0.040-0.07.
RELATED_LIFT = 0.037
#: A related passage must also be this close to the best one: the rest is the long tail.
RELATED_MARGIN = 0.03


@dataclass(frozen=True)
class Ranked:
    row: int
    score: float
    match: str  # "exact" | "related"


def order(fused: list[tuple[int, float]], exact: set[int], related: set[int]) -> list[Ranked]:
    """Exact matches first, then related ones, each by fused score; the rest dropped."""
    ex = [Ranked(r, s, "exact") for r, s in fused if r in exact]
    rel = [Ranked(r, s, "related") for r, s in fused if r in related and r not in exact]
    return ex + rel


def one_per_area(ranked: list[Ranked], area_of: Sequence[Hashable]) -> list[Ranked]:
    """Each area's best passage first, then the rest; exact matches still before related."""
    out: list[Ranked] = []
    for match in ("exact", "related"):
        group = [r for r in ranked if r.match == match]
        keep = fusion.diversify([(r.row, r.score) for r in group], area_of)
        by_row = {r.row: r for r in group}
        out += [by_row[row] for row, _ in keep]
    return out


def related_rows(
    ranking: list[tuple[int, float]], raw: np.ndarray, mean: float,
    lift: float = RELATED_LIFT, margin: float = RELATED_MARGIN,
) -> set[int]:  # fmt: skip
    """The semantic candidates close enough in meaning to show: their own cosine (`raw`, per
    candidate) clears the query's corpus mean by `lift` and lies within `margin` of the best."""
    if not ranking:
        return set()
    best = float(raw.max())
    return {
        row for (row, _), cos in zip(ranking, raw, strict=True)
        if cos - mean >= lift and cos >= best - margin
    }  # fmt: skip
