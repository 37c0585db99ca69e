"""The files of the vectors at scale: the 1-bit codes with their mean, centralities and
optional arrays (`vectors.codes.npz`) and the 8-bit vectors (`vectors.sq8.npy`). Written by
index/building/vectors.py, read by search/binary_index.py; their names are store's."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from index.building import store


def write_codes(
    gen: Path,
    codes: np.ndarray,
    mean: np.ndarray,
    centrality: np.ndarray,
    piece_mean: np.ndarray | None = None,
    ranges: np.ndarray | None = None,
) -> Path:
    """The 1-bit first stage of index/building/vectors.py, written atomically, with the sentence
    vectors' mean when there are sentence vectors and the 8-bit quantiser's ranges when
    there are 8-bit vectors."""
    path = Path(gen) / store.CODES
    tmp = path.with_name(path.name + ".tmp.npz")
    extra = {} if piece_mean is None else {"piece_mean": piece_mean}
    if ranges is not None:
        extra["sq8_ranges"] = ranges
    np.savez(tmp, codes=codes, mean=mean, centrality=centrality, **extra)
    os.replace(tmp, path)
    return path


def read_codes(gen: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, mean, centrality); FileNotFoundError for an index built before them."""
    with np.load(Path(gen) / store.CODES, allow_pickle=False) as z:
        return z["codes"], z["mean"], z["centrality"]


def read_sq8(gen: Path) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The 8-bit vectors (memory-mapped) and their quantiser's ranges; (None, None) for an
    index without them."""
    ranges = _stored_with_codes(gen, "sq8_ranges")
    if ranges is None:
        return None, None
    try:
        return np.load(Path(gen) / store.SQ8, mmap_mode="r", allow_pickle=False), ranges
    except (OSError, ValueError):
        return None, None


def read_piece_mean(gen: Path) -> np.ndarray | None:
    """The sentence vectors' mean the build stored beside the codes; None when it did not."""
    return _stored_with_codes(gen, "piece_mean")


def _stored_with_codes(gen: Path, name: str) -> np.ndarray | None:
    """An optional array of the codes file (one an older build did not write: None)."""
    try:
        with np.load(Path(gen) / store.CODES, allow_pickle=False) as z:
            return z[name] if name in z.files else None
    except (OSError, ValueError):
        return None
