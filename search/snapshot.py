"""One generation of the index, loaded whole into memory and checked: what every query reads.

Nothing is re-read from disk per query. A search holds one Snapshot from start to end, so its
answer comes wholly from one generation even while a rebuild swaps in the next.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher as WhooshSearcher

from index import fulltext, store
from index import vectors as vector_index
from index.analysis import Vocabulary
from index.document import Area, DocumentMeta, Passage
from index.sparse import SparseIndex
from search import semantic
from search.spelling import Speller


@dataclass(frozen=True)
class AreaSummary:
    document: str
    municipality: str
    committee: str
    year: int
    area: str
    amount_kr: int | None
    passages: int
    sections: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "document": self.document,
            "municipality": self.municipality,
            "committee": self.committee,
            "year": self.year,
            "area": self.area,
            "amount_kr": self.amount_kr,
            "passages": self.passages,
        }

    @classmethod
    def of_area(cls, meta: DocumentMeta, area: Area) -> AreaSummary:
        """A parsed document's area, summed up as an index's would be (`areas --corpus-dir`)."""
        sections = tuple(dict.fromkeys(p.section for p in area.passages if p.section))
        return cls(meta.id, meta.municipality, meta.committee, meta.year, area.title,
                   area.amount_kr, len(area.passages), sections)  # fmt: skip


@dataclass
class Snapshot:
    path: Path
    manifest: store.Manifest
    passages: list[Passage]
    vectors: np.ndarray
    hubness: np.ndarray  # per passage, subtracted from its semantic score
    pieces: np.ndarray | None  # sentence and list-item vectors (memory-mapped), by passage row
    piece_start: np.ndarray | None  # pieces of row r: pieces[piece_start[r]:piece_start[r + 1]]
    vocab: Vocabulary
    speller: Speller
    lexicon: list[str]  # body terms, sorted
    field_terms: dict[str, frozenset[str]]  # every term of each text field
    rlexicon: list[str]  # the same, each reversed, sorted: for suffix look-ups
    row_of: dict[str, int]
    areas: list[AreaSummary]
    _ix: object
    _local: threading.local = field(default_factory=threading.local)
    #: whoosh document number -> row; None when they coincide (the build writes rows in order)
    doc_rows: np.ndarray | None = None
    #: BM25F scores of every text-field posting, for the fast keyword path (None: Whoosh only)
    sparse: SparseIndex | None = None
    _cache: dict = field(default_factory=dict)  # per-generation derived data, built on first use

    def searcher(self) -> WhooshSearcher:
        """A Whoosh searcher for this thread (Whoosh searchers are not shared across threads)."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._ix.searcher()  # type: ignore[attr-defined]
            self._local.searcher = s
        return s

    def prefixed(self, prefix: str, limit: int = 40) -> list[str]:
        i = bisect.bisect_left(self.lexicon, prefix)
        out = []
        while i < len(self.lexicon) and self.lexicon[i].startswith(prefix) and len(out) < limit:
            out.append(self.lexicon[i])
            i += 1
        return out

    def suffixed(self, suffix: str, limit: int = 40) -> list[str]:
        rs = suffix[::-1]
        i = bisect.bisect_left(self.rlexicon, rs)
        out = []
        while i < len(self.rlexicon) and self.rlexicon[i].startswith(rs) and len(out) < limit:
            out.append(self.rlexicon[i][::-1])
            i += 1
        return out

    def values(self, attr: str) -> list:
        key = ("values", attr)
        if key not in self._cache:
            self._cache[key] = sorted({getattr(p, attr) for p in self.passages}, key=str)
        return list(self._cache[key])

    def row_of_doc(self, docnum: int) -> int:
        return docnum if self.doc_rows is None else int(self.doc_rows[docnum])

    @property
    def all_terms(self) -> frozenset[str]:
        """Every term of every text field: what "does the index know this word" asks."""
        if "all_terms" not in self._cache:
            self._cache["all_terms"] = frozenset().union(*self.field_terms.values())
        return self._cache["all_terms"]

    def area_rows(self, document: str, area: str) -> list[int]:
        """The rows of one area, in document order (grouped once per generation)."""
        if "area_rows" not in self._cache:
            grouped: dict[tuple[str, str], list[int]] = {}
            for row, key in enumerate(self.area_keys):
                grouped.setdefault(key, []).append(row)
            self._cache["area_rows"] = grouped
        return self._cache["area_rows"].get((document, area), [])

    @property
    def area_keys(self) -> list[tuple[str, str]]:
        """(document, area) per row: what diversification groups by."""
        if "area_keys" not in self._cache:
            self._cache["area_keys"] = [(p.document, p.area) for p in self.passages]
        return self._cache["area_keys"]

    def column(self, attr: str) -> tuple[np.ndarray, dict]:
        """One metadata attribute as an int32 code per row, and its value -> code map: filter
        masks become numpy comparisons instead of a Python loop over every passage."""
        key = ("column", attr)
        if key not in self._cache:
            codes: dict = {}
            col = np.fromiter(
                (codes.setdefault(getattr(p, attr), len(codes)) for p in self.passages),
                dtype=np.int32,
                count=len(self.passages),
            )
            self._cache[key] = (col, codes)
        return self._cache[key]

    def amounts(self) -> tuple[np.ndarray, np.ndarray]:
        """(amount_kr as int64 with 0 where unknown, whether it is known) per row."""
        if "amounts" not in self._cache:
            known = np.array([p.amount_kr is not None for p in self.passages], dtype=bool)
            values = np.array([p.amount_kr or 0 for p in self.passages], dtype=np.int64)
            self._cache["amounts"] = (values, known)
        return self._cache["amounts"]


def load(index_dir: Path) -> Snapshot:
    """Load and validate the current generation; IndexNotReady with the rebuild hint if broken."""
    gen = store.current_generation(index_dir)
    manifest = store.read_manifest(gen)
    if manifest.format != store.FORMAT:
        raise store.IndexNotReady(
            f"index at {gen} has format {manifest.format}, want {store.FORMAT}"
        )
    passages = store.read_passages(gen)
    if len(passages) != manifest.passages:
        raise store.IndexNotReady(
            f"index at {gen} lists {len(passages)} passages, its manifest {manifest.passages}"
        )
    ids = [p.id for p in passages]
    if store.ids_checksum(ids) != manifest.ids_checksum:
        raise store.IndexNotReady(f"passage ids at {gen} do not match its manifest")
    vectors = (
        store.read_vectors(gen, manifest)
        if manifest.passages <= vector_index.EXACT_MAX
        else _binary_vectors(gen, manifest)
    )
    pieces, piece_rows = store.read_pieces(gen, manifest)
    words = store.read_vocab(gen)
    try:
        ix = fulltext.open_fulltext(gen / store.WHOOSH)
        with ix.searcher() as s:
            count = s.doc_count()
            field_terms = {
                f: frozenset(t.decode("utf-8") for t in s.lexicon(f)) for f in fulltext.TEXT_FIELDS
            }
            lexicon = sorted(field_terms["body"])
            bm25 = _sparse(s, gen)
    except Exception as exc:  # whoosh raises many kinds on a damaged folder
        raise store.IndexNotReady(f"full-text index at {gen} is unreadable ({exc})") from None
    if count != len(passages):
        raise store.IndexNotReady(
            f"full-text index at {gen} holds {count} passages, expected {len(passages)}"
        )
    try:
        doc_rows = _doc_rows(ix, ids)
    except Exception as exc:
        raise store.IndexNotReady(f"full-text index at {gen} is unreadable ({exc})") from None
    return Snapshot(
        path=gen,
        manifest=manifest,
        passages=passages,
        vectors=vectors,
        hubness=semantic.hubness(vectors),
        pieces=pieces,
        piece_start=(
            None
            if piece_rows is None
            else np.searchsorted(piece_rows, np.arange(len(passages) + 1)).astype(np.int64)
        ),  # fmt: skip
        vocab=Vocabulary(words),
        speller=Speller(words),
        lexicon=lexicon,
        field_terms=field_terms,
        rlexicon=sorted(t[::-1] for t in lexicon),
        row_of={pid: i for i, pid in enumerate(ids)},
        areas=_areas(passages),
        _ix=ix,
        doc_rows=doc_rows,
        sparse=bm25,
    )


def _binary_vectors(gen: Path, manifest: store.Manifest) -> vector_index.BinaryIndex:
    """Above EXACT_MAX passages: float32 memory-mapped, 1-bit codes in RAM (index.vectors)."""
    try:
        return vector_index.load(gen, manifest.passages, manifest.dim, exact_max=0)
    except (ValueError, OSError, EOFError, KeyError) as exc:
        raise store.IndexNotReady(f"vector file at {gen} is unreadable ({exc})") from None


def _sparse(s: WhooshSearcher, gen: Path) -> SparseIndex | None:
    """The fast keyword path's matrix; None (Whoosh scores everything) if it cannot be built,
    since it only speeds up what Whoosh can answer by itself."""
    try:
        return store.sparse_matrix(gen, s)
    except Exception:  # an optimisation: never a reason to refuse the index
        return None


def _doc_rows(ix: object, ids: list[str]) -> np.ndarray | None:
    """Map whoosh document numbers to rows, so ranking needs no stored-field reads per hit.

    The build adds passages in row order to one segment, so docnum == row; that is checked on a
    sample (ends included), and only an index written otherwise pays for the full map.
    """
    n = len(ids)
    if n == 0:
        return None
    with ix.searcher() as s:  # type: ignore[attr-defined]
        sample = sorted({0, n - 1, *range(0, n, max(1, n // 64))})
        if s.doc_count_all() == n and all(s.stored_fields(i).get("id") == ids[i] for i in sample):
            return None
        row_of = {pid: i for i, pid in enumerate(ids)}
        rows = np.full(s.doc_count_all(), -1, dtype=np.int64)
        for docnum, stored in s.iter_docs():
            rows[docnum] = row_of.get(stored.get("id"), -1)
        return rows


def _areas(passages: list[Passage]) -> list[AreaSummary]:
    grouped: dict[tuple[str, str], list[Passage]] = {}
    for p in passages:
        grouped.setdefault((p.document, p.area), []).append(p)
    out = []
    for (_doc, _area), ps in grouped.items():
        first = ps[0]
        sections = tuple(dict.fromkeys(p.section for p in ps if p.section))
        out.append(
            AreaSummary(
                first.document,
                first.municipality,
                first.committee,
                first.year,
                first.area,
                first.amount_kr,
                len(ps),
                sections,
            )
        )
    return out
