"""Semantic search above EXACT_MAX passages: 1-bit codes ranked by Hamming distance (faiss),
the best re-scored from 8-bit vectors, the best of those exactly from the memory-mapped float32
matrix. What the build writes for it, and why, is index/building/vectors.py's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.building import codes_file, pages, store
from index.building.vectors import faiss_module, quantiser, sign_words

RESCORE = 8192  # first-stage candidates re-scored from the 8-bit vectors
SHORTLIST = 512  # of those, re-scored exactly from float32 (5 x the deepest ranking asked for)
RESCORE_FLOAT = 4096  # candidates re-scored from float32 when an index has no 8-bit vectors


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
        faiss = faiss_module()
        self.codes = np.ascontiguousarray(self.codes)
        self._first = faiss.IndexBinaryFlat(self.codes.shape[1] * 64)
        # k smallest distances by counting (distances are 0..384), not a heap of 8,192: 9.5
        # against 12.9 ms at a million passages
        self._first.use_heap = False
        self._first.add(self.codes.view(np.uint8))
        self._sq = None if self.sq8 is None else quantiser(self.full.shape[1], self.ranges)
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
        faiss = faiss_module()
        q = sign_words((query > self.mean)[None, :]).view(np.uint8)
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


def load(gen: Path, n: int, dim: int) -> BinaryIndex:
    """The generation's passage vectors as a BinaryIndex over the memory-mapped matrix.
    Raises ValueError when a file does not match the manifest's shape."""
    path = Path(gen) / store.VECTORS
    full = np.load(path, mmap_mode="r", allow_pickle=False)
    if full.dtype != np.float32 or full.shape != (n, dim):
        raise ValueError(f"{path} holds {full.dtype} {full.shape}, expected float32 {(n, dim)}")
    try:
        codes, mean, centrality = codes_file.read_codes(gen)
    except FileNotFoundError:
        raise ValueError(f"{Path(gen) / store.CODES} is missing") from None
    if codes.shape != (n, (dim + 63) // 64) or centrality.shape != (n,):
        raise ValueError(f"{Path(gen) / store.CODES} does not match the vectors")
    piece_mean = codes_file.read_piece_mean(gen)
    if piece_mean is not None and piece_mean.shape != (dim,):
        piece_mean = None
    sq8, ranges = codes_file.read_sq8(gen)
    if sq8 is not None and (sq8.shape != (n, dim) or ranges is None or ranges.shape != (2 * dim,)):
        sq8 = ranges = None  # not this matrix's: the float32 rows re-score instead
    if sq8 is not None:
        pages.prefetch(sq8)
    return BinaryIndex(full, codes, mean, centrality, piece_mean=piece_mean, sq8=sq8,
                       ranges=ranges)  # fmt: skip
