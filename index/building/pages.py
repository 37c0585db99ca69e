"""Memory-mapped matrices and the kernel: what a reader lets go of, and what it asks for ahead."""

from __future__ import annotations

import mmap

import numpy as np


def release(array: np.ndarray) -> None:
    """Let the kernel unmap a memory map's pages from this process (they stay in the page
    cache): reading a whole matrix once must not leave it all counted as resident."""
    base = getattr(array, "_mmap", None)
    if isinstance(base, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        base.madvise(mmap.MADV_DONTNEED)


def prefetch(array: np.ndarray) -> None:
    """Ask the kernel to read a memory map's file ahead, in the background: a matrix every
    query reads at random (the 8-bit vectors) is then in memory before the first queries
    need it, instead of a disk read per row they touch."""
    base = getattr(array, "_mmap", None)
    if isinstance(base, mmap.mmap) and hasattr(mmap, "MADV_WILLNEED"):
        base.madvise(mmap.MADV_WILLNEED)
