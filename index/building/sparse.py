"""The keyword index: one sparse BM25F matrix, and every posting's positions beside it.

Each (field, term) posting list of the text fields is one column of a CSC matrix holding the
term's BM25F score in each passage (row = passage row), so a query is a weighted sum of
columns (search/columns.py) with no Python per posting. The scores are those of Whoosh's
default `BM25F`, to the float: its idf, K1 and B, the average field length and the document
lengths Whoosh keeps as one byte (`whoosh.util.numeric`). A Whoosh index of the same passages,
written and searched through Whoosh's public API, ranks them the same
(tests/search/test_sparse.py is that oracle).

Phrases need positions: each posting's positions are kept in the matrix's order (`Positions`),
memory-mapped when read, so that search/phrases.py checks every candidate of a phrase with a
few numpy operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length, length_to_byte

from index.building.postings import FieldPostings

#: BM25F's parameters: Whoosh's defaults, which every tuned weight of the ranking was measured
#: with (search/tuning.py); the oracle test searches Whoosh with these.
K1 = BM25F().K1
B = BM25F().B


@dataclass
class Positions:
    """Every posting's positions, postings in the matrix's order (column by column, row
    ascending): those of posting k are ``data[offsets[k]:offsets[k + 1]]``, ascending."""

    offsets: np.ndarray  # nnz + 1, int64
    data: np.ndarray  # uint16 or uint32


@dataclass
class SparseIndex:
    """BM25F scores of every text-field posting: one CSC column per (field, term)."""

    matrix: sp.csc_matrix  # row x column, float32 scores, indices sorted per column
    columns: dict[tuple[str, str], int]
    positions: Positions

    @property
    def n_docs(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def nbytes(self) -> int:
        m = self.matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)


def build(analysed: Mapping[str, FieldPostings], n_docs: int, fields: Sequence[str]
          ) -> SparseIndex:  # fmt: skip
    """The matrix and positions of the analysed postings (index/building/postings.py) of
    `n_docs` passages, fields in the given order."""
    columns: dict[tuple[str, str], int] = {}
    indptr: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
    indices: list[np.ndarray] = [np.zeros(0, dtype=np.int32)]
    data: list[np.ndarray] = [np.zeros(0, dtype=np.float32)]
    pos_counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    pos_data: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    nnz = 0
    for field in fields:
        fp = analysed[field]
        if not fp.terms:
            continue
        # Whoosh: the average of the exact lengths, each document's length as its one byte
        avgfl = float(fp.lengths.sum()) / (n_docs or 1) or 1.0
        lengths = _quantised(fp.lengths)
        ids = fp.docnums.astype(np.int64)
        tfs = fp.weights.astype(np.float32).astype(np.float64)  # Whoosh stores them as float32
        # idf as Whoosh's WeightingModel.idf: log(N / (df + 1)) + 1, df = the term's postings
        idf = np.log(n_docs / (fp.counts + 1.0)) + 1.0
        norm = K1 * ((1 - B) + B * lengths[ids] / avgfl)
        score = np.repeat(idf, fp.counts) * ((tfs * (K1 + 1)) / (tfs + norm))
        for t in fp.terms:
            columns[(field, t)] = len(columns)
        indptr.append(nnz + np.cumsum(fp.counts))
        nnz += int(fp.counts.sum())
        indices.append(ids.astype(np.int32))
        data.append(score.astype(np.float32))
        pos_counts.append(fp.freqs)
        pos_data.append(fp.positions)
    matrix = sp.csc_matrix(
        (np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
        shape=(n_docs, len(columns)),
    )
    offsets = np.concatenate(([0], np.cumsum(np.concatenate(pos_counts)))).astype(np.int64)
    flat = np.concatenate(pos_data)
    dtype = np.uint16 if not len(flat) or flat.max() < 2**16 else np.uint32
    return SparseIndex(matrix, columns, Positions(offsets=offsets, data=flat.astype(dtype)))


def _quantised(lengths: np.ndarray) -> np.ndarray:
    """Each length as Whoosh keeps it, in one byte (lossy above 100 tokens or so)."""
    values, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([byte_to_length(length_to_byte(int(v))) for v in values], dtype=np.float64)
    return table[inverse.reshape(-1)]


def write(sx: SparseIndex, fields: Sequence[str], path: Path, offsets: Path, positions: Path
          ) -> None:  # fmt: skip
    """The matrix file at `path`, saying how many positions the positions files hold. Into a
    generation being built: nothing reads it before the generation is complete."""
    order = sorted(sx.columns.items(), key=lambda kv: kv[1])
    code = {f: i for i, f in enumerate(fields)}
    m = sx.matrix
    np.save(offsets, sx.positions.offsets)
    np.save(positions, sx.positions.data)
    with path.open("wb") as fh:
        np.savez(
            fh,
            names=np.frombuffer("\0".join(t for (_, t), _ in order).encode("utf-8"), np.uint8),
            fields=np.array([code[f] for (f, _), _ in order], dtype=np.uint8),
            data=m.data,
            indices=m.indices,
            indptr=m.indptr,
            shape=np.array(m.shape, dtype=np.int64),
            positions=np.array(len(sx.positions.data), dtype=np.int64),
        )


def read(fields: Sequence[str], path: Path, offsets: Path, positions: Path) -> SparseIndex:
    """The index `write` wrote, its positions memory-mapped (a query touches the pages of its
    phrases' postings only). ValueError when the files do not fit together."""
    with np.load(path, allow_pickle=False) as z:
        codes = z["fields"].tolist()
        names = bytes(z["names"]).decode("utf-8").split("\0") if codes else []
        columns = {(fields[f], t): i for i, (f, t) in enumerate(zip(codes, names, strict=True))}
        matrix = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        total = int(z["positions"])
    pos = Positions(offsets=np.load(offsets, mmap_mode="r"), data=np.load(positions, mmap_mode="r"))
    if len(pos.offsets) != matrix.nnz + 1 or len(pos.data) != total or pos.offsets[-1] != total:
        raise ValueError("its positions do not fit its matrix")
    if len(columns) != matrix.shape[1]:
        raise ValueError("its terms do not fit its matrix")
    return SparseIndex(matrix, columns, pos)
