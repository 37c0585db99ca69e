"""Phrase bonuses for keyword ranking, only for the passages that can still reach the top.

A phrase ("pas og kørekort", or two typed words found next to each other) adds its words'
scores times its boost where it occurs, so a passage's possible bonus is known from the BM25F
matrix (index.building.sparse); whether the words really stand next to each other is checked
here, best possible score first, until no unchecked passage can reach the limit-th best. The
check reads the positions kept beside the matrix, a whole round of passages in a few numpy
operations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.building.sparse import SparseIndex
from search import columns
from search.columns import find_sorted
from search.snapshot import Snapshot

PHRASE_FIRST_CHECKS = 128  # documents whose phrases are checked before the first look at the bound
#: Documents whose phrases are checked at most, best possible score first: a rescoring window.
#: Past it, documents keep their term score, so rankings differ from an exhaustive check only
#: when more than this many documents lie within a phrase bonus of the limit-th best
#: (near-duplicates: at a million passages "budget til kultur og fritid" had 18,000 such, and
#: checking them all was half of the query; a check is well under 1 µs a document).
PHRASE_MAX_CHECKS = 8192
#: Apart by more than this, two keys of a phrase check belong to different documents.
_KEY_STRIDE = 1 << 34


def add_bonuses(
    snap: Snapshot,
    planned: list[tuple[str, tuple[str, ...], float]],
    scores: np.ndarray,
    matched: np.ndarray,
    limit: int,
) -> np.ndarray:
    """Add the phrase bonuses (in place) of the documents that can reach the top `limit`, and
    return those documents (sorted): every other one scores below the limit-th best.

    A phrase adds boost x (its words' scores in the field) where it occurs, so a document's
    bonus if the phrase is there is known from the matrix; whether it is there needs positions,
    read from the positions kept beside the matrix. Documents are checked best possible score
    first, in growing rounds, and checking stops once the next one's term score plus every
    bonus it might get stays below the limit-th best score so far (a lower bound of the final
    one).
    """
    sx = snap.sparse
    # a document's best possible score, summed in the order its bonuses would be added below,
    # so that it equals the final score exactly when every phrase is found (ties stay ties);
    # kept for the matched documents only (`matched` is sorted), not per docnum
    upper = scores[matched]
    may = np.zeros(len(matched), dtype=bool)
    phrases = []
    for fname, words, boost in planned:
        docs = columns.rows_with_all(sx, fname, words)
        at = find_sorted(matched, docs)  # only the matched (not filtered out) count
        docs, at = docs[at >= 0], at[at >= 0]
        bonus = boost * sum(columns.values_at(sx, fname, w, docs) for w in words)
        upper[at] += bonus
        may[at] = True
        phrases.append((fname, words, docs, bonus))
    # documents at or above the limit-th best term score: the final limit-th best is there
    floor = kth_largest(scores[matched], limit) if len(matched) > limit else 0.0
    reach = upper >= floor
    pool = matched[reach]
    todo, todo_upper = matched[reach & may], upper[reach & may]
    # best possible first; among equals the lower docnum first, as the final order breaks ties
    order = np.argsort(-todo_upper, kind="stable")
    todo, todo_upper = todo[order], todo_upper[order]
    todo = todo[:PHRASE_MAX_CHECKS]
    done, size = 0, PHRASE_FIRST_CHECKS
    while done < len(todo):
        batch = np.sort(todo[done : done + size])
        done, size = done + len(batch), size * 4
        for fname, words, docs, bonus in phrases:
            at = find_sorted(docs, batch)
            inside = at >= 0
            if inside.any():
                check, where = batch[inside], at[inside]
                hit = phrases_in(sx, fname, words, check)
                scores[check[hit]] += bonus[where[hit]]
        if done < len(todo) and len(pool) > limit:
            # Scores only grow, so the limit-th best (score, then lower docnum) so far bounds
            # the final one; the unchecked are in that order, so if the next cannot pass it,
            # none can. Near-duplicates (boilerplate shared by many municipalities) tie
            # exactly: the docnum decides, and checking stops after the first round.
            kth_score, kth_doc = kth_best(scores, pool, limit)
            nxt, nxt_upper = int(todo[done]), float(todo_upper[done])
            if nxt_upper < kth_score or (nxt_upper == kth_score and nxt > kth_doc):
                break
    return pool


def phrases_in(
    sx: SparseIndex, field: str, words: Sequence[str], docnums: np.ndarray
) -> np.ndarray:
    """For each (sorted) docnum, whether the words occur in the field one after the other, from
    the positions beside the matrix: a position p of word j becomes the key (document, p - j),
    and the phrase is in a document when one key is shared by all its words."""
    out = np.zeros(len(docnums), dtype=bool)
    postings = [columns.postings_at(sx, field, w, docnums) for w in words]
    idx = np.flatnonzero(np.logical_and.reduce([k >= 0 for k in postings]))
    if not len(idx):
        return out
    common: np.ndarray | None = None
    for j, k in enumerate(postings):
        # sorted: owners ascend, and each posting's positions ascend
        owner, pos = columns.positions_of(sx.positions, k[idx])
        keys = owner * _KEY_STRIDE + (pos + (len(words) - j))
        common = keys if common is None else _shared(common, keys)
        if not len(common):
            return out
    assert common is not None
    out[idx[common // _KEY_STRIDE]] = True
    return out


def _shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both sorted, duplicate-free arrays: the shorter looked up in the longer."""
    if len(a) > len(b):
        a, b = b, a
    return a[find_sorted(b, a) >= 0]


def kth_largest(values: np.ndarray, k: int) -> float:
    return float(np.partition(values, len(values) - k)[len(values) - k])


def kth_best(scores: np.ndarray, candidates: np.ndarray, k: int) -> tuple[float, int]:
    """(score, docnum) of the k-th best of the (sorted) candidates, ranked by score and then
    lower docnum first (Whoosh's tie order); needs len(candidates) >= k."""
    s = scores[candidates]
    v = kth_largest(s, k)
    tied = candidates[s == v]  # ascending docnums; fewer than k candidates score above v
    return v, int(tied[k - int((s > v).sum()) - 1])


def near_rows(sx: SparseIndex, field: str, words: Sequence[str], window: int,
              skip: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Sorted rows where every word stands within `window` positions of one occurrence of the
    first, in either order (stopwords take no position): a compound written apart, "udgifter
    til konsulentbistand" for "konsulentudgifter". Two parts of one indexed compound share its
    position. `skip`: per row, whether it need not be looked at (already known to match)."""
    docs = columns.rows_with_all(sx, field, words)
    if skip is not None:
        docs = docs[~skip[docs]]
    if len(words) < 2 or not len(docs):
        return docs
    anchors = _keys(sx, field, words[0], docs)
    held = np.ones(len(anchors), dtype=bool)
    for w in words[1:]:
        keys = _keys(sx, field, w, docs)
        # the first of the word's positions at or after anchor - window, per anchor
        at = np.searchsorted(keys, anchors - window)
        inside = at < len(keys)
        held &= inside & (keys[np.minimum(at, len(keys) - 1)] <= anchors + window)
    return docs[np.unique(anchors[held] // _KEY_STRIDE)]


def _keys(sx: SparseIndex, field: str, word: str, docs: np.ndarray) -> np.ndarray:
    """(document, position) keys of the word's positions in the (sorted) documents, ascending:
    documents ascend and each posting's positions ascend."""
    owner, pos = columns.positions_of(sx.positions, columns.postings_at(sx, field, word, docs))
    return owner * _KEY_STRIDE + pos
