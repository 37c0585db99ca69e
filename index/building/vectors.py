"""Passage vectors at scale: 1-bit codes and 8-bit vectors in RAM, float32 on disk.

Below ``EXACT_MAX`` passages the float32 matrix is read into RAM and scanned exactly (a 100k x 384
scan is a few tens of milliseconds). Above it, a query goes through three stages:

1. every passage ranked by the Hamming distance between 1-bit codes (the sign of each dimension
   after subtracting the corpus mean: e5 vectors share a large common component, so raw signs
   would carry little), a popcount over 48 bytes per passage, by faiss's `IndexBinaryFlat`;
2. the best ``RESCORE`` re-scored from 8-bit scalar-quantised vectors (faiss's
   `ScalarQuantizer`, per-dimension ranges), memory-mapped and resident: 384 MB at 1M passages;
3. the best ``SHORTLIST`` of those re-scored exactly from the float32 matrix, memory-mapped
   (only the rows read become resident, and are let go after the query).

At 1M passages that is 48 MB of codes and 384 MB of bytes in RAM instead of 1.5 GB of floats,
and a query reads a few hundred float32 rows. The recall this costs against the exact scan is
measured by ``python -m bench --vector-sizes`` (see BENCHMARKS.md).

The build writes the codes, the mean, each passage's cosine to the corpus centroid (what the
hubness penalty needs) and the quantiser's ranges into ``vectors.codes.npz``, the 8-bit vectors
into ``vectors.sq8.npy``. An index built before the codes gets them computed at load, in chunks,
without keeping the float32 pages resident; one built before the 8-bit vectors re-scores the
``RESCORE`` candidates from the float32 matrix.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.building import store

EXACT_MAX = 150_000  # passages; above this the binary first stage is used
RESCORE = 8192  # first-stage candidates re-scored from the 8-bit vectors
SHORTLIST = 512  # of those, re-scored exactly from float32 (5 x the deepest ranking asked for)
RESCORE_FLOAT = 4096  # candidates re-scored from float32 when an index has no 8-bit vectors
SQ_SAMPLE = 65_536  # rows the 8-bit quantiser learns its per-dimension ranges from
_CHUNK = 65_536


@functools.cache
def _faiss():
    """faiss, imported and set up on first use: only an index above EXACT_MAX needs it."""
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time: no OpenMP team spinning beside onnxruntime
    return faiss


def _words(bits: np.ndarray) -> np.ndarray:
    """Packed sign bits as uint64 words (rows padded to a multiple of 64 bits)."""
    packed = np.packbits(bits, axis=-1)
    pad = (-packed.shape[-1]) % 8
    if pad:
        packed = np.pad(packed, [(0, 0)] * (packed.ndim - 1) + [(0, pad)])
    return np.ascontiguousarray(packed).view(np.uint64)


def mean_rows(vectors: np.ndarray) -> np.ndarray:
    """The mean row of a (possibly memory-mapped) matrix, read in chunks whose pages are
    dropped again: the piece matrix at 1M passages is ~6 GB and must not stay resident."""
    total = np.zeros(vectors.shape[1], dtype=np.float64)
    for start in range(0, len(vectors), _CHUNK):
        total += np.asarray(vectors[start : start + _CHUNK], dtype=np.float64).sum(axis=0)
        store.release_pages(vectors)
    return (total / max(len(vectors), 1)).astype(np.float32)


def encode_codes(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, mean, centrality) of a (n, dim) float32 matrix, read in chunks (it may be a
    memory map: each chunk's pages are dropped again after use)."""
    n, dim = vectors.shape
    mean = mean_rows(vectors)
    centroid = mean / (np.linalg.norm(mean) or 1.0)
    codes = np.zeros((n, (dim + 63) // 64), dtype=np.uint64)
    centrality = np.zeros(n, dtype=np.float32)
    for start in range(0, n, _CHUNK):
        block = np.asarray(vectors[start : start + _CHUNK], dtype=np.float32)
        codes[start : start + len(block)] = _words(block > mean)
        centrality[start : start + len(block)] = block @ centroid
        store.release_pages(vectors)
    return codes, mean, centrality


def write_codes(gen: Path, vectors: np.ndarray, pieces: np.ndarray | None = None, *,
                sq8: bool | None = None) -> Path:  # fmt: skip
    """The codes of the passage vectors, their 8-bit form (by default above EXACT_MAX passages
    only: none is read below it) and the sentence vectors' mean: a server would otherwise read
    every sentence vector for it at its first semantic query (5 GB, 3.5 s and +1.3 GB of peak
    RSS at a million passages)."""
    piece_mean = mean_rows(pieces) if pieces is not None and len(pieces) else None
    if sq8 is None:
        sq8 = len(vectors) > EXACT_MAX
    ranges = write_sq8(gen, vectors) if sq8 and len(vectors) else None
    return store.write_codes(gen, *encode_codes(vectors), piece_mean, ranges)


def _quantiser(dim: int, ranges: np.ndarray | None = None):
    faiss = _faiss()
    sq = faiss.ScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit)
    if ranges is not None:
        faiss.copy_array_to_vector(np.ascontiguousarray(ranges, dtype=np.float32), sq.trained)
    return sq


def write_sq8(gen: Path, vectors: np.ndarray) -> np.ndarray:
    """Write the 8-bit vectors (``store.SQ8``) and return the quantiser's learnt ranges.

    The ranges are learnt from evenly spaced rows, so the build's cost does not grow with the
    corpus; a value outside them is clipped (a little more error for that passage only)."""
    n, dim = vectors.shape
    sample = np.asarray(vectors[np.linspace(0, n - 1, min(n, SQ_SAMPLE)).astype(np.int64)])
    sq = _quantiser(dim)
    sq.train(np.ascontiguousarray(sample, dtype=np.float32))
    path = Path(gen) / store.SQ8
    tmp = path.with_name(path.name + ".tmp.npy")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(n, sq.code_size))
    for start in range(0, n, _CHUNK):
        block = np.ascontiguousarray(vectors[start : start + _CHUNK], dtype=np.float32)
        out[start : start + len(block)] = sq.compute_codes(block)
        store.release_pages(vectors)
    out.flush()
    del out
    tmp.replace(path)
    return _faiss().vector_to_array(sq.trained)


@dataclass
class BinaryIndex:
    """Float32 vectors on disk (memory-mapped) with 1-bit codes and 8-bit vectors in RAM; see
    the module doc."""

    full: np.ndarray  # (n, dim) float32, memory-mapped
    codes: np.ndarray  # (n, words) uint64
    mean: np.ndarray  # (dim,) float32
    centrality: np.ndarray  # (n,) float32: cosine to the corpus centroid
    rescore: int = RESCORE
    piece_mean: np.ndarray | None = None  # the sentence vectors' mean, as the build stored it
    sq8: np.ndarray | None = None  # (n, dim) uint8, memory-mapped; None: an older index
    ranges: np.ndarray | None = None  # the 8-bit quantiser's learnt ranges
    shortlist: int = SHORTLIST

    def __post_init__(self) -> None:
        faiss = _faiss()
        self.codes = np.ascontiguousarray(self.codes)
        self._first = faiss.IndexBinaryFlat(self.codes.shape[1] * 64)
        # k smallest distances by counting (distances are 0..384), not a heap of 8,192: 9.5
        # against 12.9 ms at a million passages
        self._first.use_heap = False
        self._first.add(self.codes.view(np.uint8))
        self._sq = None if self.sq8 is None else _quantiser(self.full.shape[1], self.ranges)
        if self.sq8 is None:
            self.rescore = min(self.rescore, RESCORE_FLOAT)

    @property
    def shape(self) -> tuple[int, int]:
        return self.full.shape

    @property
    def ndim(self) -> int:
        return 2

    def __len__(self) -> int:
        return len(self.full)

    def __getitem__(self, rows):
        """Float32 rows, as from the matrix itself (read from the memory map)."""
        return self.full[rows]

    def candidates(self, query: np.ndarray, depth: int,
                   mask: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """Rows of the `depth` nearest codes to the query's (Hamming), masked rows excluded."""
        if mask is not None:
            allowed = int(mask.sum())
            if allowed <= depth:  # a narrow filter: every row it lets through is a candidate
                return np.flatnonzero(mask)
        if depth >= len(self):
            return np.arange(len(self))
        faiss = _faiss()
        q = _words((query > self.mean)[None, :]).view(np.uint8)
        params = None
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")  # alive until the search returns
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
            params = faiss.SearchParameters(sel=selector)
        _, labels = self._first.search(q, depth, params=params)
        rows = labels[0]
        return rows[rows >= 0]

    def narrow(self, rows: np.ndarray, query: np.ndarray, depth: int,
               penalty: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """The `depth` best of the rows by their 8-bit vectors' cosine (less the penalty), for
        exact re-scoring; all of them when there are no 8-bit vectors or no more than that."""
        if self.sq8 is None or len(rows) <= depth:
            return rows
        rows = np.sort(rows)
        approx = self._sq.decode(np.ascontiguousarray(self.sq8[rows])) @ query
        if penalty is not None:
            approx = approx - penalty[rows]
        return rows[np.argpartition(-approx, depth - 1)[:depth]]

    def scores(self, rows: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows sorted, their exact cosines), read from the memory map in row order."""
        rows = np.sort(rows)
        return rows, np.asarray(self.full[rows]) @ query


def load(gen: Path, n: int, dim: int, *, exact_max: int = EXACT_MAX) -> np.ndarray | BinaryIndex:
    """The passage vectors of a generation: an in-RAM float32 matrix up to `exact_max` rows,
    else a BinaryIndex over the memory-mapped matrix. Raises ValueError on a mismatch."""
    path = Path(gen) / store.VECTORS
    full = np.load(path, mmap_mode="r", allow_pickle=False)
    if full.dtype != np.float32 or full.shape != (n, dim):
        raise ValueError(f"{path} holds {full.dtype} {full.shape}, expected float32 {(n, dim)}")
    if n <= exact_max:
        out = np.array(full)  # a private copy in RAM
        del full
        return out
    try:
        codes, mean, centrality = store.read_codes(gen)
        if codes.shape != (n, (dim + 63) // 64) or centrality.shape != (n,):
            raise ValueError(f"{Path(gen) / store.CODES} does not match the vectors")
    except FileNotFoundError:
        codes, mean, centrality = encode_codes(full)  # an index built before the codes
    piece_mean = store.read_piece_mean(gen)
    if piece_mean is not None and piece_mean.shape != (dim,):
        piece_mean = None
    sq8, ranges = store.read_sq8(gen)
    if sq8 is not None and (sq8.shape != (n, dim) or ranges is None or ranges.shape != (2 * dim,)):
        sq8 = ranges = None  # not this matrix's: the float32 rows re-score instead
    if sq8 is not None:
        store.prefetch_pages(sq8)
    return BinaryIndex(full, codes, mean, centrality, piece_mean=piece_mean, sq8=sq8,
                       ranges=ranges)  # fmt: skip
