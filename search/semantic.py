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
