"""Hybrid ranking: fuse keyword and semantic rankings, then put each area's best passage first."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60  # the usual constant: flattens the head so neither ranking dominates


def rrf(rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float],
        k: int = RRF_K) -> list[tuple[int, float]]:  # fmt: skip
    """Reciprocal rank fusion: score(row) = sum of weight / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, (row, _score) in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def diversify(ranking: list[tuple[int, float]], area_of: Sequence[str]) -> list[tuple[int, float]]:
    """Each area's best passage first (in rank order), then the rest: the areas that answer
    lead the list, rather than ten passages of one area."""
    seen: set[str] = set()
    first, rest = [], []
    for row, score in ranking:
        area = area_of[row]
        (rest if area in seen else first).append((row, score))
        seen.add(area)
    return first + rest
