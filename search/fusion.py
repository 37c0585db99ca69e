"""Hybrid ranking: fuse keyword and semantic scores; optionally one passage per area first."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


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
    """Normalised score fusion: alpha * keyword/best + (1 - alpha) * semantic closeness
    (search/tuning.py says why those).

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
