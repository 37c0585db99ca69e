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

#: Share of the typed words (weighted by rarity, see keyword.coverage) a passage must hold to be
#: an exact match: a passage with "pas" alone does not match "pas og kørekort" exactly, one with
#: "kørekort" (the rarer word) does.
EXACT_SHARE = 0.5
#: How far above the query's mean cosine over the corpus a passage must be to count as related
#: when the query found no exact match. e5 cosines are compressed (0.75-0.90 for anything).
#: Gibberish never gets here: no dictionary knows its words (spelling.py). Among real words the
#: lift does not tell a topic the documents lack from one they hold in other words: on the seed,
#: "daginstitutioner" (the documents say "dagtilbud"), "busser" ("kollektiv transport"),
#: "vuggestuer" and "socialt bedrageri" lift the best passage 0.022-0.024, as much as "kat hund",
#: "cykelstier" or "purple monkey dishwasher" (0.019-0.026). A floor there hid real topics and
#: let some word salad through ("banana telephone" 0.026) all the same, so it stands below
#: both, except for several words none of which the documents use (STRANGER_LIFT): what it
#: shows is labelled related ("Ingen afsnit nævner ..."), never an exact match.
#: 0.025 -> 0.015 (and 0.038 -> 0.025 below), with STRANGER_LIFT for word salad: our judged
#: passage set's hybrid area / passage nDCG@10 0.872 / 0.795 -> 0.896 / 0.830, 28 real topics
#: of our own with no result 4 -> 1; dev set unchanged, no false hits.
RELATED_LIFT = 0.015
#: The same for a passage's best sentence or list item, against the mean of all of them: short
#: pieces scatter more (word salad 0.023-0.045 above their mean, real topics 0.024-0.069).
RELATED_PIECE_LIFT = 0.025
#: The floors for several typed words of which the documents use none ("purple monkey
#: dishwasher", "kat hund", "airport expansion"): more likely word salad or a topic they lack
#: than one they hold in other words, which is most often one word ("daginstitutioner") or
#: shares one with them ("socialt bedrageri"). The floors of before, as measured on the seed:
#: real words on topics the documents lack ("kat hund", "fodbold", "foo bar baz", "svømmehal",
#: "letbane") lift the best passage 0.020-0.025 above the mean; real topics in other words
#: ("homelessness", "IT security", "fire hydrants") 0.040-0.07.
STRANGER_LIFT = 0.025
STRANGER_PIECE_LIFT = 0.038
#: A related passage must also be this close to the best one: the rest is the long tail
#: (0.03 -> 0.05: dev passage nDCG 0.911 -> 0.928; 0.07 adds nothing).
RELATED_MARGIN = 0.05


@dataclass(frozen=True)
class Closeness:
    """Per semantic candidate: its passage cosine and its best piece's, each minus the query's
    mean cosine over all passages (pieces); what `related_rows` judges."""

    passage: np.ndarray
    piece: np.ndarray
    raw: np.ndarray  # max of the two cosines, for the margin to the best


#: Related passages of the best exact match's area gain this much (fused scores run 0-1): the
#: paragraphs around what the words found are likelier about it than another area's. Measured:
#: dev passage nDCG@10 0.928 -> 0.943, P@3 0.78 -> 0.83; our own judged set unchanged (0.795);
#: 0.5 and more, or the areas of the best three, do worse on both.
AREA_CONTEXT = 0.2
CONTEXT_FROM = 1


@dataclass(frozen=True)
class Ranked:
    row: int
    score: float
    match: str  # "exact" | "related"


def order(fused: list[tuple[int, float]], exact: set[int], related: set[int],
          area_of: Sequence[Hashable] | None = None) -> list[Ranked]:  # fmt: skip
    """Exact matches first, then related ones, each by fused score; the rest dropped.

    Related passages from the areas of the best exact matches gain AREA_CONTEXT: the passages
    around what the words found are likelier to be about it than a stranger's."""
    ex = [Ranked(r, s, "exact") for r, s in fused if r in exact]
    rel = [Ranked(r, s, "related") for r, s in fused if r in related and r not in exact]
    if area_of is not None and ex and rel and AREA_CONTEXT:
        areas = {area_of[r.row] for r in ex[:CONTEXT_FROM]}
        rel.sort(key=lambda r: -(r.score + AREA_CONTEXT * (area_of[r.row] in areas)))
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
                 margin: float = RELATED_MARGIN, strangers: bool = False) -> set[int]:  # fmt: skip
    """The semantic candidates close enough in meaning to show: within `margin` of the best,
    and (when `strict`: the query found no exact match) clear of the calibrated floors, the
    higher ones when `strangers` (several typed words, none of them the documents')."""
    if not ranking:
        return set()
    best = float(c.raw.max())
    keep = c.raw >= best - margin
    # with exact matches the floor is off: a floor at half its height costs the dev set 0.02
    # of passage nDCG@10 (more related passages of the right area are left out)
    if strict:
        lift, piece_lift = ((STRANGER_LIFT, STRANGER_PIECE_LIFT) if strangers
                            else (RELATED_LIFT, RELATED_PIECE_LIFT))  # fmt: skip
        keep &= (c.passage >= lift) | (c.piece >= piece_lift)
    return {row for (row, _), ok in zip(ranking, keep, strict=True) if ok}
