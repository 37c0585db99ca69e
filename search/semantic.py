"""Semantic ranking: exact cosine over one contiguous float32 matrix, top-k by argpartition."""

from __future__ import annotations

import numpy as np


def top_k(vectors: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None
          ) -> list[tuple[int, float]]:  # fmt: skip
    scores = vectors @ query
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
        k = min(k, int(mask.sum()))
    k = min(k, len(scores))
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


#: Cosine below the best hit by more than this is no semantic match: e5 scores are compressed
#: (0.80-0.90 for a whole corpus), so a margin from the top separates matches from the rest.
MARGIN = 0.05
MIN_KEEP = 10


def candidates(ranking: list[tuple[int, float]], margin: float = MARGIN,
               min_keep: int = MIN_KEEP) -> list[tuple[int, float]]:  # fmt: skip
    """The rows close enough to the best to count as matches (at least `min_keep`)."""
    if not ranking:
        return []
    floor = ranking[0][1] - margin
    kept = [r for r in ranking if r[1] >= floor]
    return kept if len(kept) >= min_keep else ranking[:min_keep]
