"""Keyword scoring from precomputed BM25F weights: a query is a weighted sum of sparse columns.

Whoosh scores every matching posting in pure Python, which at 100k passages costs hundreds of
milliseconds for queries with common words. Here, once per snapshot, every (field, term) posting
list of the text fields becomes one column of a scipy CSC matrix holding the term's BM25F score
in each document, computed exactly as Whoosh's default `BM25F` does (its idf, K1, B, average
field length and byte-quantised document lengths). A query is then a `bincount` over the
columns it names (after bm25s), with no Python per posting.

Rows of the matrix are Whoosh document numbers, so ties break as Whoosh breaks them (lower
docnum first). Phrases need positions: each posting's positions are kept beside the matrix, in
the matrix's own order (`Positions`), memory-mapped, so that search/phrases.py checks all
candidates of a phrase with a few numpy operations instead of a Whoosh matcher per document
(about 65 µs a document, the keyword tail at 100k passages).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.formats import Positions as WhooshPositions
from whoosh.reading import IndexReader, SegmentReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from index.building.postings import FieldPostings

#: Bump when what the matrix holds changes: older cache files are then ignored.
CACHE_VERSION = 2  # 2: positions beside the matrix
#: A query's columns holding at least this many postings are summed by scipy (see `scores`).
SLICE_MIN_POSTINGS = 50_000
#: Whoosh's stored field length of each length byte (lengths are kept as one lossy byte).
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


@dataclass
class Positions:
    """Every posting's positions, postings in the matrix's order (column by column, docnum
    ascending): those of posting k are ``data[offsets[k]:offsets[k + 1]]``, ascending."""

    offsets: np.ndarray  # nnz + 1, int64
    data: np.ndarray  # uint16 or uint32

    def of(self, postings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, position) for every position of the given postings: owner is the index in
        `postings` it belongs to. One gather, no Python per posting."""
        starts = self.offsets[postings]
        lengths = self.offsets[postings + 1] - starts
        owner = np.repeat(np.arange(len(postings)), lengths)
        first = np.cumsum(lengths) - lengths
        at = np.arange(int(lengths.sum()), dtype=np.int64) - first[owner] + starts[owner]
        return owner, self.data[at].astype(np.int64)


@dataclass
class SparseIndex:
    """BM25F scores of every text-field posting: one CSC column per (field, term)."""

    matrix: sp.csc_matrix  # docnum x column, float32 scores, indices sorted per column
    columns: dict[tuple[str, str], int]
    positions: Positions | None = None  # None: an index whose fields keep no positions

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
        what Whoosh's union of boosted Term matchers computes.

        Long columns are sliced out and multiplied by their boosts in scipy's C loop (at a
        million passages a third faster than a bincount over float64 copies of them); short
        ones go to one bincount, as scipy's slicing costs ~0.2 ms whatever the size. The same
        sums in the same order either way."""
        m = self.matrix
        indptr = m.indptr
        cols: list[int] = []
        boosts: list[float] = []
        spans: list[tuple[int, int]] = []
        postings = 0
        for field, term, boost in terms:
            c = self.columns.get((field, term))
            if c is not None:
                lo, hi = int(indptr[c]), int(indptr[c + 1])
                cols.append(c)
                boosts.append(boost)
                spans.append((lo, hi))
                postings += hi - lo
        if not cols:
            return np.zeros(self.n_docs, dtype=np.float64)
        if postings >= SLICE_MIN_POSTINGS:
            return m[:, cols] @ np.array(boosts, dtype=np.float64)
        idx = [m.indices[lo:hi] for lo, hi in spans]
        weights = [m.data[lo:hi].astype(np.float64) * b for (lo, hi), b in zip(spans, boosts,
                                                                               strict=True)]
        return np.bincount(np.concatenate(idx), np.concatenate(weights), minlength=self.n_docs)

    def values_at(self, field: str, term: str, docnums: np.ndarray) -> np.ndarray:
        """The term's scores at the given docnums (0 where it is absent)."""
        out = np.zeros(len(docnums), dtype=np.float64)
        k = self.postings_at(field, term, docnums)
        found = k >= 0
        out[found] = self.matrix.data[k[found]]
        return out

    def postings_at(self, field: str, term: str, docnums: np.ndarray) -> np.ndarray:
        """Per docnum, the index of its posting of the term in the matrix (its entry in
        data/indices), or -1 where the field lacks the term there."""
        c = self.columns.get((field, term))
        if c is None:
            return np.full(len(docnums), -1, dtype=np.int64)
        m = self.matrix
        lo, hi = int(m.indptr[c]), int(m.indptr[c + 1])
        at = find_sorted(m.indices[lo:hi], docnums)
        return np.where(at >= 0, lo + at, -1)

    def docs_with_all(self, field: str, terms: Sequence[str]) -> np.ndarray:
        """Sorted docnums holding every one of the terms in the field (phrase candidates).

        Columns are sorted, so the rarest column is looked up in each other one (a binary
        search per docnum); np.intersect1d would sort both, and "budget" is in every passage."""
        cols = []
        for t in terms:
            col = self.column(field, t)
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


def find_sorted(ids: np.ndarray, docnums: np.ndarray) -> np.ndarray:
    """Per docnum, its index in the sorted `ids`, or -1 where it is not there (a binary search
    each: no sort, unlike np.intersect1d / np.isin)."""
    at = np.searchsorted(ids, docnums)
    ok = at < len(ids)
    ok[ok] = ids[at[ok]] == docnums[ok]
    return np.where(ok, at, -1)


def build(
    searcher: Searcher,
    fields: Sequence[str],
    analysed: Mapping[str, FieldPostings] | None = None,
) -> SparseIndex | None:
    """The sparse BM25F matrix of the searcher's index, or None when the index is one this
    module cannot mirror exactly (another weighting, deletions, several segments): the caller
    then keeps scoring with Whoosh.

    `analysed`: the postings the index was just written from (index/building/fulltext.py), so that
    they need not be read back from the segment (seconds at 100k passages)."""
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
    pos_counts: list[np.ndarray] = []
    pos_data: list[np.ndarray] = []
    nnz = 0
    with_positions = all(
        type(reader.schema[f].format) is WhooshPositions for f in fields if f in reader.schema
    )
    for field in fields:
        b = float(weighting._field_B.get(field, weighting.B))
        avgfl = searcher.avg_field_length(field) or 1
        lengths = _field_lengths(reader, field, n)
        if analysed is not None:
            terms, counts, ids, tfs, poses = _analysed(analysed[field], reader, field)
        else:
            terms, counts, ids, tfs, poses = _postings(reader, field, with_positions)
        if not terms:
            continue
        if poses is not None:
            pos_counts.append(poses[0])
            pos_data.append(poses[1])
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
    positions = None
    if with_positions:
        offsets = np.concatenate(([0], np.cumsum(np.concatenate(pos_counts))))
        flat = np.concatenate(pos_data)
        dtype = np.uint16 if not len(flat) or flat.max() < 2**16 else np.uint32
        positions = Positions(offsets=offsets.astype(np.int64), data=flat.astype(dtype))
    return SparseIndex(matrix=matrix, columns=columns, positions=positions)


def load_or_build(
    searcher: Searcher,
    fields: Sequence[str],
    cache: Path,
    analysed: Mapping[str, FieldPostings] | None = None,
) -> SparseIndex | None:
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
                positions = None
                if int(z["positions"]) >= 0:
                    positions = _load_positions(cache, matrix.nnz, int(z["positions"]))
                return SparseIndex(matrix=matrix, columns=columns, positions=positions)
    sx = build(searcher, fields, analysed)
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


def _positions_files(cache: Path) -> tuple[Path, Path]:
    return cache.with_suffix(".offsets.npy"), cache.with_suffix(".positions.npy")


def _load_positions(cache: Path, nnz: int, total: int) -> Positions | None:
    """The positions files, memory-mapped (a query touches the pages of its phrases' postings
    only), when they are the size the matrix file says; else None (Whoosh checks phrases)."""
    with contextlib.suppress(Exception):
        offsets_file, data_file = _positions_files(cache)
        offsets = np.load(offsets_file, mmap_mode="r")
        data = np.load(data_file, mmap_mode="r")
        if len(offsets) == nnz + 1 and len(data) == total == int(offsets[-1]):
            return Positions(offsets=offsets, data=data)
    return None


def _save(sx: SparseIndex, fields: Sequence[str], key: str, cache: Path) -> None:
    """Write the cache files atomically (readers see each whole or not at all), the positions
    first: the matrix file, written last, says how long they must be."""
    order = sorted(sx.columns.items(), key=lambda kv: kv[1])
    code = {f: i for i, f in enumerate(fields)}
    m = sx.matrix
    total = -1
    if sx.positions is not None:
        for path, arr in zip(
            _positions_files(cache), (sx.positions.offsets, sx.positions.data), strict=True
        ):
            _atomic(path, lambda fh, a=arr: np.save(fh, a))
        total = len(sx.positions.data)
    _atomic(
        cache,
        lambda fh: np.savez(
            fh,
            stamp=np.array(key),
            names=np.frombuffer("\0".join(t for (_, t), _ in order).encode("utf-8"), np.uint8),
            fields=np.array([code[f] for (f, _), _ in order], dtype=np.uint8),
            data=m.data,
            indices=m.indices,
            indptr=m.indptr,
            shape=np.array(m.shape, dtype=np.int64),
            positions=np.array(total, dtype=np.int64),
        ),
    )


def _atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)  # as readable as the index files beside it (mkstemp: 0600)
        os.replace(tmp, path)
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
    reader: IndexReader, field: str, with_positions: bool = False
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """Every term of the field (lexicon order) with its posting count, and all postings'
    docnums and weights concatenated in that order; with_positions, also each posting's
    number of positions and all positions concatenated.

    Whoosh's own block reader decodes docnums one at a time in a Python generator; here each
    block is only decompressed and unpickled, its delta-coded docnums kept as they are, and
    all blocks of the field are decoded at once by one segmented cumulative sum (positions
    likewise: each posting's value is its delta-coded positions, pickled)."""
    terms: list[str] = []
    counts: list[int] = []
    deltas = array("q")  # 8 bytes a posting while reading, not a Python int object each
    block_sizes = array("q")
    weights = array("d")
    pos_counts = array("q")
    pos_deltas = array("q")
    loads = pickle.loads
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
                if with_positions:  # a value: 4-byte count, then the pickled deltas
                    for v in m._data[2]:
                        d = loads(v[4:])
                        pos_counts.append(len(d))
                        pos_deltas.extend(d)
                m._next_block()
        else:  # pragma: no cover - other codecs: one posting at a time, as plain docnums
            while m.is_active():
                deltas.append(m.id())
                block_sizes.append(1)
                weights.append(m.weight())
                if with_positions:
                    ps = m.value_as("positions")
                    pos_counts.append(len(ps))
                    pos_deltas.extend(np.diff(ps, prepend=0).tolist())
                m.next()
        terms.append(tbytes.decode("utf-8"))
        counts.append(len(deltas) - before)
    sizes = np.frombuffer(block_sizes, dtype=np.int64)
    docnums = _segmented_cumsum(np.frombuffer(deltas, dtype=np.int64), sizes)
    poses = None
    if with_positions:
        per = np.frombuffer(pos_counts, dtype=np.int64)
        poses = (per, _segmented_cumsum(np.frombuffer(pos_deltas, dtype=np.int64), per))
    return (
        terms,
        np.array(counts, dtype=np.int64),
        docnums,
        np.frombuffer(weights, dtype=np.float64),
        poses,
    )


def _analysed(fp: FieldPostings, reader: IndexReader, field: str):
    """What _postings reads from the segment, from the postings it was written from: weights
    as the segment stores them (float32, times the format's field boost)."""
    boost = reader.schema[field].format.field_boost
    tfs = (fp.weights * boost).astype(np.float32).astype(np.float64)
    return fp.terms, fp.counts, fp.docnums.astype(np.int64), tfs, (fp.freqs, fp.positions)


def _segmented_cumsum(deltas: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The running sum of the deltas, restarting from 0 at each segment of the given sizes."""
    cs = np.cumsum(deltas)
    if not len(cs):
        return cs
    starts = np.cumsum(sizes) - sizes  # where each segment's first delta is
    base = np.where(starts > 0, cs[np.maximum(starts - 1, 0)], 0)
    return cs - np.repeat(base, sizes)
