"""Reading the keyword index (index/building/sparse.py) at query time: a query is a weighted
sum of its (field, term) columns, a bincount after bm25s, with no Python per posting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from index.building.sparse import Positions, SparseIndex

#: A query's columns holding at least this many postings are summed by scipy (see `scores`).
SLICE_MIN_POSTINGS = 50_000


def column(sx: SparseIndex, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows, scores) of one term in one field; None when no passage has it."""
    c = sx.columns.get((field, term))
    if c is None:
        return None
    m = sx.matrix
    lo, hi = m.indptr[c], m.indptr[c + 1]
    return m.indices[lo:hi], m.data[lo:hi]


def scores(sx: SparseIndex, terms: Iterable[tuple[str, str, float]]) -> np.ndarray:
    """Per row, the sum of boost x BM25F score over the (field, term, boost) given: what a
    union of boosted term queries scores.

    Long columns are sliced out and multiplied by their boosts in scipy's C loop (at a million
    passages a third faster than a bincount over float64 copies of them); short ones go to one
    bincount, as scipy's slicing costs ~0.2 ms whatever the size. The same sums in the same
    order either way."""
    m = sx.matrix
    indptr = m.indptr
    cols: list[int] = []
    boosts: list[float] = []
    spans: list[tuple[int, int]] = []
    postings = 0
    for field, term, boost in terms:
        c = sx.columns.get((field, term))
        if c is not None:
            lo, hi = int(indptr[c]), int(indptr[c + 1])
            cols.append(c)
            boosts.append(boost)
            spans.append((lo, hi))
            postings += hi - lo
    if not cols:
        return np.zeros(sx.n_docs, dtype=np.float64)
    if postings >= SLICE_MIN_POSTINGS:
        return m[:, cols] @ np.array(boosts, dtype=np.float64)
    idx = [m.indices[lo:hi] for lo, hi in spans]
    weights = [m.data[lo:hi].astype(np.float64) * b for (lo, hi), b in zip(spans, boosts,
                                                                           strict=True)]
    return np.bincount(np.concatenate(idx), np.concatenate(weights), minlength=sx.n_docs)


def values_at(sx: SparseIndex, field: str, term: str, rows: np.ndarray) -> np.ndarray:
    """The term's scores at the given rows (0 where it is absent)."""
    out = np.zeros(len(rows), dtype=np.float64)
    k = postings_at(sx, field, term, rows)
    found = k >= 0
    out[found] = sx.matrix.data[k[found]]
    return out


def postings_at(sx: SparseIndex, field: str, term: str, rows: np.ndarray) -> np.ndarray:
    """Per row, the index of its posting of the term in the matrix (its entry in
    data/indices), or -1 where the field lacks the term there."""
    c = sx.columns.get((field, term))
    if c is None:
        return np.full(len(rows), -1, dtype=np.int64)
    m = sx.matrix
    lo, hi = int(m.indptr[c]), int(m.indptr[c + 1])
    at = find_sorted(m.indices[lo:hi], rows)
    return np.where(at >= 0, lo + at, -1)


def rows_with_all(sx: SparseIndex, field: str, terms: Sequence[str]) -> np.ndarray:
    """Sorted rows holding every one of the terms in the field (phrase candidates).

    Columns are sorted, so the rarest column is looked up in each other one (a binary search
    per row); np.intersect1d would sort both, and "budget" is in every passage."""
    cols = []
    for t in terms:
        col = column(sx, field, t)
        if col is None:
            return np.zeros(0, dtype=np.int64)
        cols.append(col[0])
    if not cols:
        return np.zeros(0, dtype=np.int64)
    cols.sort(key=len)
    out = cols[0].astype(np.int64)
    for ids in cols[1:]:
        out = out[find_sorted(ids, out) >= 0]
    return out


def positions_of(positions: Positions, postings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for every position of the given postings: owner is the index in
    `postings` it belongs to. One gather, no Python per posting."""
    starts = positions.offsets[postings]
    lengths = positions.offsets[postings + 1] - starts
    owner = np.repeat(np.arange(len(postings)), lengths)
    first = np.cumsum(lengths) - lengths
    at = np.arange(int(lengths.sum()), dtype=np.int64) - first[owner] + starts[owner]
    return owner, positions.data[at].astype(np.int64)


def find_sorted(ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per row, its index in the sorted `ids`, or -1 where it is not there (a binary search
    each: no sort, unlike np.intersect1d / np.isin)."""
    at = np.searchsorted(ids, rows)
    ok = at < len(ids)
    ok[ok] = ids[at[ok]] == rows[ok]
    return np.where(ok, at, -1)
