"""The vectors a build need not embed again: the current generation's, by text key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.building import store


@dataclass
class Reusable:
    """The current generation's vectors, passages' and pieces' alike, by text key: what a
    re-index need not embed again. Rows are read when filled in, the pieces' from their
    memory-mapped file: at a million passages a copy of both would be 7 GB."""

    rows: dict[str, int] = field(default_factory=dict)  # key -> row of vectors, then pieces
    vectors: np.ndarray | None = None
    pieces: np.ndarray | None = None

    @classmethod
    def of(cls, previous: tuple[store.Manifest, Path] | None, model_id: str) -> Reusable:
        if previous is None or previous[0].model_id != model_id:
            return cls()
        manifest, gen = previous
        try:
            keys = store.read_keys(gen)
            vectors = store.read_vectors(gen, manifest)
            pieces, _rows = store.read_pieces(gen, manifest)
        except (OSError, store.IndexNotReady):
            return cls()
        if len(keys) != len(vectors) + (0 if pieces is None else len(pieces)):
            return cls()
        return cls({k: i for i, k in enumerate(keys)}, vectors, pieces)

    def fill(self, out: np.ndarray, keys: list[str]) -> None:
        """Each row of `out` whose key has a vector here gets it."""
        if not self.rows or self.vectors is None:
            return
        rows = self.rows
        hits = [(i, rows[k]) for i, k in enumerate(keys) if k in rows]
        if not hits:
            return
        dst, src = (np.array(x, dtype=np.int64) for x in zip(*hits, strict=True))
        n = len(self.vectors)
        own = src < n
        out[dst[own]] = self.vectors[src[own]]
        if self.pieces is not None and not own.all():
            order = np.argsort(src[~own])  # the mapped file read front to back
            out[dst[~own][order]] = self.pieces[src[~own][order] - n]
