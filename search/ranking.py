"""Which passages a query finds, how sure we are, and in what order the reader sees them.

A passage is an *exact* match when it holds the query's words (or their Danish forms) and a
*related* one when only its meaning is close. Exact matches come first, each group ordered by
the fused keyword and semantic score; related ones must be near the best in meaning. Gibberish
finds nothing (no dictionary knows its words), and a topic the documents lack finds only what
is labelled related.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from search import fusion
from search.tuning import TUNING, Tuning


@dataclass(frozen=True)
class Closeness:
    """Per semantic candidate: its passage cosine and its best piece's, each minus the query's
    mean cosine over all passages (pieces); what `related_rows` judges."""

    passage: np.ndarray
    piece: np.ndarray
    raw: np.ndarray  # max of the two cosines, for the margin to the best


@dataclass(frozen=True)
class Ranked:
    row: int
    score: float
    match: str  # "exact" | "related"


def order(fused: list[tuple[int, float]], exact: set[int], related: set[int],
          area_of: Sequence[Hashable] | None = None, tuning: Tuning = TUNING
          ) -> list[Ranked]:  # fmt: skip
    """Exact matches first, then related ones, each by fused score; the rest dropped.

    Related passages from the areas of the best exact matches gain `tuning.area_context`: the
    passages around what the words found are likelier to be about it than a stranger's."""
    ex = [Ranked(r, s, "exact") for r, s in fused if r in exact]
    rel = [Ranked(r, s, "related") for r, s in fused if r in related and r not in exact]
    gain = tuning.area_context
    if area_of is not None and ex and rel and gain:
        areas = {area_of[r.row] for r in ex[: tuning.context_from]}
        rel.sort(key=lambda r: -(r.score + gain * (area_of[r.row] in areas)))
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


def related_rows(ranking: list[tuple[int, float]], c: Closeness, strict: bool = True,
                 strangers: bool = False, tuning: Tuning = TUNING) -> set[int]:  # fmt: skip
    """The semantic candidates close enough in meaning to show: within `margin` of the best,
    and (when `strict`: the query found no exact match) clear of the calibrated floors, the
    higher ones when `strangers` (several typed words, none of them the documents')."""
    if not ranking:
        return set()
    best = float(c.raw.max())
    keep = c.raw >= best - tuning.related_margin
    # with exact matches the floor is off: a floor at half its height costs the dev set 0.02
    # of passage nDCG@10 (more related passages of the right area are left out)
    if strict:
        lift, piece_lift = ((tuning.stranger_lift, tuning.stranger_piece_lift) if strangers
                            else (tuning.related_lift, tuning.related_piece_lift))  # fmt: skip
        keep &= (c.passage >= lift) | (c.piece >= piece_lift)
    return {row for (row, _), ok in zip(ranking, keep, strict=True) if ok}
