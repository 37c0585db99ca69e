"""Semantic ranking: exact cosine over one contiguous float32 matrix, top-k by argpartition;
at scale a 1-bit first stage with exact rescoring (search.binary_index.BinaryIndex)."""

from __future__ import annotations

import numpy as np

from index.building.vectors import mean_rows
from search.binary_index import BinaryIndex
from search.tuning import TUNING


def centrality(vectors: np.ndarray | BinaryIndex) -> np.ndarray:
    """Each passage's cosine to the corpus centroid: generic passages (the boilerplate every
    area repeats) sit near it, and pay for it (`Snapshot.hubness`, tuning.hub_penalty)."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.float32)
    if isinstance(vectors, BinaryIndex):  # computed by the build, over the whole matrix
        return np.asarray(vectors.centrality, dtype=np.float32)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    return (vectors @ centroid).astype(np.float32)


def mean_vector(snap: object) -> np.ndarray:
    """The corpus's mean passage vector: a query's mean cosine over every passage is one dot
    product with it (what "close in meaning" is measured against)."""
    def make() -> np.ndarray:
        vectors = snap.vectors  # type: ignore[attr-defined]
        if isinstance(vectors, BinaryIndex):  # its mean, computed by the build
            return vectors.mean
        dim = vectors.shape[1] if vectors.ndim == 2 else 0
        return vectors.mean(axis=0) if len(vectors) else np.zeros(dim, dtype=np.float32)

    return snap.memo("mean_vector", make)  # type: ignore[attr-defined]


def mean_piece(snap: object) -> np.ndarray:
    """The mean sentence/list-item vector (the passage mean where there are none)."""
    def make() -> np.ndarray:
        vectors = snap.vectors  # type: ignore[attr-defined]
        if isinstance(vectors, BinaryIndex) and vectors.piece_mean is not None:
            return vectors.piece_mean  # computed by the build
        pieces = snap.pieces  # type: ignore[attr-defined]
        return mean_rows(pieces) if pieces is not None and len(pieces) else mean_vector(snap)

    return snap.memo("mean_piece", make)  # type: ignore[attr-defined]


def top_k(vectors: np.ndarray | BinaryIndex, query: np.ndarray, k: int,
          mask: np.ndarray | None = None,
          penalty: np.ndarray | None = None) -> list[tuple[int, float]]:  # fmt: skip
    if isinstance(vectors, BinaryIndex):
        rows = vectors.candidates(query, max(vectors.rescore, k), mask)
        rows = vectors.narrow(rows, query, max(vectors.shortlist, k), penalty)
        rows, scores = vectors.scores(rows, query)
        if penalty is not None:
            scores = scores - penalty[rows]
        k = min(k, len(scores))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.lexsort((rows[idx], -scores[idx]))]  # ties by row, like the exact scan
        return [(int(rows[i]), float(scores[i])) for i in idx]
    scores = vectors @ query
    if penalty is not None:
        scores = scores - penalty
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
        k = min(k, int(mask.sum()))
    k = min(k, len(scores))
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def with_pieces(ranking: list[tuple[int, float]], query: np.ndarray, pieces: np.ndarray | None,
                starts: np.ndarray | None, penalty: np.ndarray | None,
                weight: float = TUNING.piece_weight, best: np.ndarray | None = None
                ) -> list[tuple[int, float]]:  # fmt: skip
    """Re-rank the top passages by a blend of their own score and their best piece's.

    Only the candidates' pieces are read (the piece matrix is memory-mapped), so this costs
    a few hundred dot products per query whatever the corpus size. `best`: the candidates'
    `best_piece` cosines, when the caller has them already."""
    if pieces is None or starts is None or not ranking:
        return ranking
    rows = np.fromiter((r for r, _ in ranking), dtype=np.int64, count=len(ranking))
    scores = np.fromiter((s for _, s in ranking), dtype=np.float64, count=len(ranking))
    if best is None:
        best = best_piece(rows, query, pieces, starts)
    has = best > -1
    if not has.any():
        return ranking
    piece = best[has] - (penalty[rows[has]] if penalty is not None else 0.0)
    scores[has] = (1 - weight) * scores[has] + weight * piece
    order = np.argsort(-scores, kind="stable")
    return [(int(rows[i]), float(scores[i])) for i in order]


def best_piece(rows: np.ndarray, query: np.ndarray, pieces: np.ndarray | None,
               starts: np.ndarray | None) -> np.ndarray:  # fmt: skip
    """Per row, the cosine of its best sentence or list item (-1 where it has none)."""
    out = np.full(len(rows), -1.0, dtype=np.float64)
    if pieces is None or starts is None or not len(rows):
        return out
    lo, hi = starts[rows], starts[rows + 1]
    has = hi > lo
    if has.any():
        counts = (hi - lo)[has]
        offsets = np.zeros(len(counts), dtype=np.int64)
        np.cumsum(counts[:-1], out=offsets[1:])
        # each row's pieces lo..hi-1, laid end to end: one arange, no Python loop
        idx = np.arange(int(counts.sum())) + np.repeat(lo[has] - offsets, counts)
        sims = np.asarray(pieces[idx]) @ query
        out[has] = np.maximum.reduceat(sims, offsets)
    return out


def candidates(ranking: list[tuple[int, float]], margin: float = TUNING.semantic_margin,
               min_keep: int = TUNING.semantic_keep) -> list[tuple[int, float]]:  # fmt: skip
    """The rows close enough to the best to count as matches (at least `min_keep`)."""
    if not ranking:
        return []
    floor = ranking[0][1] - margin
    kept = [r for r in ranking if r[1] >= floor]
    return kept if len(kept) >= min_keep else ranking[:min_keep]
