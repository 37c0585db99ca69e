"""Hybrid ranking: fuse keyword and semantic scores; optionally one passage per area first."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

#: Convex fusion (the default): keyword and semantic evidence weigh the same, and a passage
#: 0.1 of cosine below the best semantic match gets no semantic credit. Chosen on judged
#: queries (tests/data/judged_queries.jsonl and the shared dev set): 0.4-0.6 and 0.1-0.15 do
#: equally well; reciprocal rank fusion (k=60) scored 0.02 lower on nDCG@10.
ALPHA = 0.5
SPAN = 0.1


def diversify(ranking: list[tuple[int, float]], area_of: Sequence[Hashable]
              ) -> list[tuple[int, float]]:  # fmt: skip
    """Each area's best passage first (in rank order), then the rest: the areas that answer
    lead the list, rather than ten passages of one area."""
    seen: set[Hashable] = set()
    first, rest = [], []
    for row, score in ranking:
        area = area_of[row]
        (rest if area in seen else first).append((row, score))
        seen.add(area)
    return first + rest


def convex(keyword: Sequence[tuple[int, float]], semantic: Sequence[tuple[int, float]],
           alpha: float, span: float) -> list[tuple[int, float]]:  # fmt: skip
    """Normalised score fusion: alpha * keyword/best + (1 - alpha) * semantic closeness.

    Unlike RRF it keeps confidence: a keyword hit far ahead of the rest stays ahead, and
    e5's compressed cosines count by their distance below the best (0 at `span` below)."""
    fused: dict[int, float] = {}
    if keyword:
        top = keyword[0][1] or 1.0
        for row, score in keyword:
            fused[row] = alpha * score / top
    if semantic:
        best = semantic[0][1]
        for row, score in semantic:
            closeness = max(0.0, 1.0 - (best - score) / span)
            fused[row] = fused.get(row, 0.0) + (1 - alpha) * closeness
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
