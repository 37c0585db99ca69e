"""Keyword scoring from precomputed BM25F weights: a query is a weighted sum of sparse columns.

Whoosh scores every matching posting in pure Python, which at 100k passages costs hundreds of
milliseconds for queries with common words. Here, once per snapshot, every (field, term) posting
list of the text fields becomes one column of a scipy CSC matrix holding the term's BM25F score
in each document, computed exactly as Whoosh's default `BM25F` does (its idf, K1, B, average
field length and byte-quantised document lengths). A query is then a `bincount` over the
columns it names (after bm25s), with no Python per posting.

Rows of the matrix are Whoosh document numbers, so ties break as Whoosh breaks them (lower
docnum first). Phrases need positions, which the matrix does not hold: they are checked with
Whoosh's postings, only for the documents that could still reach the top (see
search/phrases.py).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import IndexReader, SegmentReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

#: Bump when what the matrix holds changes: older cache files are then ignored.
CACHE_VERSION = 1
#: Whoosh's stored field length of each length byte (lengths are kept as one lossy byte).
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


@dataclass
class SparseIndex:
    """BM25F scores of every text-field posting: one CSC column per (field, term)."""

    matrix: sp.csc_matrix  # docnum x column, float32 scores, indices sorted per column
    columns: dict[tuple[str, str], int]

    @property
    def n_docs(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def nbytes(self) -> int:
        m = self.matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)

    def column(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums, scores) of one term in one field; None when no document has it."""
        c = self.columns.get((field, term))
        if c is None:
            return None
        m = self.matrix
        lo, hi = m.indptr[c], m.indptr[c + 1]
        return m.indices[lo:hi], m.data[lo:hi]

    def scores(self, terms: Iterable[tuple[str, str, float]]) -> np.ndarray:
        """Per docnum, the sum of boost x BM25F score over the (field, term, boost) given:
        what Whoosh's union of boosted Term matchers computes."""
        idx: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for field, term, boost in terms:
            col = self.column(field, term)
            if col is not None:
                idx.append(col[0])
                weights.append(col[1].astype(np.float64) * boost)
        if not idx:
            return np.zeros(self.n_docs, dtype=np.float64)
        return np.bincount(np.concatenate(idx), np.concatenate(weights), minlength=self.n_docs)

    def values_at(self, field: str, term: str, docnums: np.ndarray) -> np.ndarray:
        """The term's scores at the given docnums (0 where it is absent)."""
        out = np.zeros(len(docnums), dtype=np.float64)
        col = self.column(field, term)
        if col is None or not len(docnums):
            return out
        ids, data = col
        pos = np.searchsorted(ids, docnums)
        pos_ok = np.minimum(pos, len(ids) - 1)
        hit = (pos < len(ids)) & (ids[pos_ok] == docnums)
        out[hit] = data[pos_ok[hit]]
        return out

    def docs_with_all(self, field: str, terms: Sequence[str]) -> np.ndarray:
        """Sorted docnums holding every one of the terms in the field (phrase candidates)."""
        out: np.ndarray | None = None
        for t in terms:
            col = self.column(field, t)
            if col is None:
                return np.zeros(0, dtype=np.int64)
            ids = col[0].astype(np.int64)
            out = ids if out is None else np.intersect1d(out, ids, assume_unique=True)
        return np.zeros(0, dtype=np.int64) if out is None else out


def build(searcher: Searcher, fields: Sequence[str]) -> SparseIndex | None:
    """The sparse BM25F matrix of the searcher's index, or None when the index is one this
    module cannot mirror exactly (another weighting, deletions, several segments): the caller
    then keeps scoring with Whoosh."""
    reader = searcher.reader()
    weighting = searcher.weighting
    if type(weighting) is not BM25F or not isinstance(reader, SegmentReader):
        return None
    if reader.has_deletions():
        return None
    n = reader.doc_count_all()
    k1 = float(weighting.K1)
    columns: dict[tuple[str, str], int] = {}
    indptr: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    nnz = 0
    for field in fields:
        b = float(weighting._field_B.get(field, weighting.B))
        avgfl = searcher.avg_field_length(field) or 1
        lengths = _field_lengths(reader, field, n)
        terms, counts, ids, tfs = _postings(reader, field)
        if not terms:
            continue
        # idf as WeightingModel.idf: log(N / (df + 1)) + 1, df = the term's postings
        idf = np.log(n / (counts + 1.0)) + 1.0
        idf_each = np.repeat(idf, counts)
        norm = k1 * ((1 - b) + b * lengths[ids] / avgfl)
        score = idf_each * ((tfs * (k1 + 1)) / (tfs + norm))
        for t in terms:
            columns[(field, t)] = len(columns)
        indptr.append(nnz + np.cumsum(counts))
        nnz += int(counts.sum())
        indices.append(ids.astype(np.int32))
        data.append(score.astype(np.float32))
    if not columns:
        return None
    matrix = sp.csc_matrix(
        (np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
        shape=(n, len(columns)),
    )
    return SparseIndex(matrix=matrix, columns=columns)


def load_or_build(searcher: Searcher, fields: Sequence[str], cache: Path) -> SparseIndex | None:
    """The matrix from the cache file next to the index when it was made from this very index,
    else built (seconds at 100k passages: Whoosh's postings are unpickled block by block) and
    saved there for the next process. A missing, stale or unwritable cache only costs time."""
    key = _stamp(searcher, fields)
    if key is None:
        return None
    with contextlib.suppress(Exception):
        with np.load(cache, allow_pickle=False) as z:
            if str(z["stamp"]) == key:
                names = bytes(z["names"]).decode("utf-8").split("\0")
                fcodes = z["fields"]
                pairs = zip(fcodes.tolist(), names, strict=True)
                columns = {(fields[f], t): i for i, (f, t) in enumerate(pairs)}
                matrix = sp.csc_matrix(
                    (z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"])
                )
                return SparseIndex(matrix=matrix, columns=columns)
    sx = build(searcher, fields)
    if sx is not None:
        with contextlib.suppress(OSError):
            _save(sx, fields, key, cache)
    return sx


def _stamp(searcher: Searcher, fields: Sequence[str]) -> str | None:
    """What the matrix depends on: the segment, its size, the fields (in order: the file
    codes them by position) and their lengths, and BM25F's parameters."""
    reader = searcher.reader()
    weighting = searcher.weighting
    if type(weighting) is not BM25F or not isinstance(reader, SegmentReader):
        return None
    bs = [weighting._field_B.get(f, weighting.B) for f in fields]
    lengths = [reader.field_length(f) for f in fields]
    seg = reader.segment().segment_id()
    n = reader.doc_count_all()
    return f"v{CACHE_VERSION}:{seg}:{n}:{list(fields)}:{lengths}:{weighting.K1}:{bs}"


def _save(sx: SparseIndex, fields: Sequence[str], key: str, cache: Path) -> None:
    """Write the cache file atomically (readers see the whole file or none)."""
    order = sorted(sx.columns.items(), key=lambda kv: kv[1])
    code = {f: i for i, f in enumerate(fields)}
    m = sx.matrix
    fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                stamp=np.array(key),
                names=np.frombuffer("\0".join(t for (_, t), _ in order).encode("utf-8"), np.uint8),
                fields=np.array([code[f] for (f, _), _ in order], dtype=np.uint8),
                data=m.data,
                indices=m.indices,
                indptr=m.indptr,
                shape=np.array(m.shape, dtype=np.int64),
            )
        os.chmod(tmp, 0o644)  # as readable as the index files beside it (mkstemp: 0600)
        os.replace(tmp, cache)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _field_lengths(reader: IndexReader, field: str, n: int) -> np.ndarray:
    """Per docnum, the field length Whoosh's BM25F uses (the stored, byte-quantised one)."""
    perdoc = getattr(reader, "_perdoc", None)
    col = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        col = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if col is not None and getattr(col, "_typecode", None) == "B" and col._fixedlen == 1:
        # one byte per document from the start of the column; documents past its end have
        # the default (what __getitem__ would return, one call per document)
        raw = np.full(n, col._default, dtype=np.uint8)
        count = min(col._count, n)
        raw[:count] = np.frombuffer(col._dbfile.get(col._basepos, count), dtype=np.uint8)
        return _BYTE_LENGTHS[raw]
    if col is not None:
        return _BYTE_LENGTHS[np.fromiter(col, dtype=np.uint8, count=n)]
    return np.array([reader.doc_field_length(d, field, 1) or 0 for d in range(n)], np.float64)


def _postings(
    reader: IndexReader, field: str
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Every term of the field (lexicon order) with its posting count, and all postings'
    docnums and weights concatenated in that order.

    Whoosh's own block reader decodes docnums one at a time in a Python generator; here each
    block is only decompressed and unpickled, its delta-coded docnums kept as they are, and
    all blocks of the field are decoded at once by one segmented cumulative sum."""
    terms: list[str] = []
    counts: list[int] = []
    deltas = array("q")  # 8 bytes a posting while reading, not a Python int object each
    block_sizes = array("q")
    weights = array("d")
    for tbytes in reader.lexicon(field):
        m = reader.postings(field, tbytes)
        before = len(deltas)
        if isinstance(m, W3LeafMatcher) and not m._byteids:
            while m.is_active():
                m._read_data()
                ids, ws = m._data[0], m._data[1]
                deltas.extend(ids)
                block_sizes.append(len(ids))
                if ws is None or isinstance(ws, float):
                    weights.extend([1.0 if ws is None else ws] * len(ids))
                else:
                    weights.extend(ws)
                m._next_block()
        else:  # pragma: no cover - other codecs: one posting at a time, as plain docnums
            while m.is_active():
                deltas.append(m.id())
                block_sizes.append(1)
                weights.append(m.weight())
                m.next()
        terms.append(tbytes.decode("utf-8"))
        counts.append(len(deltas) - before)
    # per block, docnums are a running sum of the deltas starting from 0
    cs = np.cumsum(np.frombuffer(deltas, dtype=np.int64))
    sizes = np.frombuffer(block_sizes, dtype=np.int64)
    ends = np.cumsum(sizes)
    base = np.concatenate(([0], cs[ends[:-1] - 1])) if len(sizes) else np.zeros(0, np.int64)
    docnums = cs - np.repeat(base, sizes)
    return (
        terms,
        np.array(counts, dtype=np.int64),
        docnums,
        np.frombuffer(weights, dtype=np.float64),
    )
