"""Passage vectors at scale, as the build writes them: 1-bit codes, 8-bit vectors, the means.

Below ``EXACT_MAX`` passages the float32 matrix is read into RAM and scanned exactly (a 100k x 384
scan is a few tens of milliseconds). Above it, a query (search/binary_index.py) goes through
three stages:

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
into ``vectors.sq8.npy`` (above EXACT_MAX passages).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from index.building import codes_file, pages, store

EXACT_MAX = 150_000  # passages; above this the binary first stage is used
SQ_SAMPLE = 65_536  # rows the 8-bit quantiser learns its per-dimension ranges from
_CHUNK = 65_536


@functools.cache
def faiss_module():
    """faiss, imported and set up on first use: only an index above EXACT_MAX needs it."""
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time: no OpenMP team spinning beside onnxruntime
    return faiss


def sign_words(bits: np.ndarray) -> np.ndarray:
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
        pages.release(vectors)
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
        codes[start : start + len(block)] = sign_words(block > mean)
        centrality[start : start + len(block)] = block @ centroid
        pages.release(vectors)
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
    return codes_file.write_codes(gen, *encode_codes(vectors), piece_mean, ranges)


def quantiser(dim: int, ranges: np.ndarray | None = None):
    faiss = faiss_module()
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
    sq = quantiser(dim)
    sq.train(np.ascontiguousarray(sample, dtype=np.float32))
    path = Path(gen) / store.SQ8
    tmp = path.with_name(path.name + ".tmp.npy")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(n, sq.code_size))
    for start in range(0, n, _CHUNK):
        block = np.ascontiguousarray(vectors[start : start + _CHUNK], dtype=np.float32)
        out[start : start + len(block)] = sq.compute_codes(block)
        pages.release(vectors)
    out.flush()
    del out
    tmp.replace(path)
    return faiss_module().vector_to_array(sq.trained)
