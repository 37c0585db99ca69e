"""Passage vectors at scale: 1-bit codes in RAM, float32 on disk, exact rescoring of candidates.

Below ``EXACT_MAX`` passages the float32 matrix is read into RAM and scanned exactly (a 100k x 384
scan is a few tens of milliseconds). Above it, a query first ranks every passage by the Hamming
distance between 1-bit codes (the sign of each dimension after subtracting the corpus mean: e5
vectors share a large common component, so raw signs would carry little), a popcount over 48
bytes per passage; then the best ``RESCORE`` candidates are re-scored exactly from the float32
matrix, memory-mapped (only the rows read become resident). At 1M passages that is 48 MB of codes
in RAM instead of 1.5 GB of floats, and a query reads about 6 MB of vector rows. The recall this
costs against the exact scan is measured by ``bench/vectors_recall.py`` (see BENCHMARKS.md).

The build writes the codes, the mean and each passage's cosine to the corpus centroid (what the
hubness penalty needs) into ``vectors.codes.npz``; an index built before it gets them computed at
load, in chunks, without keeping the float32 pages resident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import store

EXACT_MAX = 150_000  # passages; above this the binary first stage is used
RESCORE = 4096  # candidates re-scored exactly (at least 40 x the deepest ranking asked for)
_CHUNK = 65_536


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


def write_codes(gen: Path, vectors: np.ndarray, pieces: np.ndarray | None = None) -> Path:
    """The codes of the passage vectors, and the sentence vectors' mean: a server would
    otherwise read every sentence vector for it at its first semantic query (5 GB, 3.5 s and
    +1.3 GB of peak RSS at a million passages)."""
    piece_mean = mean_rows(pieces) if pieces is not None and len(pieces) else None
    return store.write_codes(gen, *encode_codes(vectors), piece_mean)


@dataclass
class BinaryIndex:
    """Float32 vectors on disk (memory-mapped) with 1-bit codes in RAM; see the module doc."""

    full: np.ndarray  # (n, dim) float32, memory-mapped
    codes: np.ndarray  # (n, words) uint64
    mean: np.ndarray  # (dim,) float32
    centrality: np.ndarray  # (n,) float32: cosine to the corpus centroid
    rescore: int = RESCORE
    piece_mean: np.ndarray | None = None  # the sentence vectors' mean, as the build stored it

    def __post_init__(self) -> None:
        # column-major: each 64-bit word of every code contiguous, so the Hamming distance is
        # one pass per word (3.7 ms at 300k passages, against 13 ms for a row-wise sum)
        self.codes = np.asfortranarray(self.codes)

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
        q = _words((query > self.mean)[None, :])[0]
        dist = np.bitwise_count(self.codes[:, 0] ^ q[0]).astype(np.uint16)
        for w in range(1, self.codes.shape[1]):
            dist += np.bitwise_count(self.codes[:, w] ^ q[w])
        if mask is not None:
            dist[~mask] = np.iinfo(np.uint16).max
        if depth >= len(dist):
            return np.arange(len(dist))
        return np.argpartition(dist, depth - 1)[:depth]

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
    return BinaryIndex(full, codes, mean, centrality, piece_mean=piece_mean)
