"""One generation of the index, loaded and checked: what every query reads.

Everything a query ranks by is in memory (passage metadata as columns, 1-bit or float vectors,
the keyword matrix); the text of a passage is read from the memory-mapped passages file only
for the hits shown (index.building.passage_table). A search holds one Snapshot from start to end, so
its answer comes wholly from one generation even while a rebuild swaps in the next.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from index.building import fulltext, pages, passage_table, store
from index.building import vectors as vector_index
from index.building.analysis import Vocabulary
from index.building.passage_table import PassageTable
from index.building.sparse import SparseIndex
from index.documents.document import Area, DocumentMeta
from search import binary_index, semantic
from search.binary_index import BinaryIndex
from search.spelling import Speller

T = TypeVar("T")


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
    #: where amount_kr was read, as AmountSource.to_json() gives it ({text, line, page}); None
    #: when the amount is unknown. The manifest's own dict, not a copy: a million passages have
    #: 300k areas, whose AmountSource objects cost 0.6 s to load and 34 MB more
    amount_source: dict | None = field(default=None, hash=False)

    def to_json(self) -> dict:
        return {
            "document": self.document,
            "municipality": self.municipality,
            "committee": self.committee,
            "year": self.year,
            "area": self.area,
            "amount_kr": self.amount_kr,
            "passages": self.passages,
            "amount_source": None if self.amount_source is None else dict(self.amount_source),
        }

    @classmethod
    def of_area(cls, meta: DocumentMeta, area: Area) -> AreaSummary:
        """A parsed document's area, summed up as an index's would be (`areas --corpus-dir`)."""
        sections = tuple(dict.fromkeys(p.section for p in area.passages if p.section))
        source = area.source.to_json() if area.amount_kr is not None and area.source else None
        return cls(meta.id, meta.municipality, meta.committee, meta.year, area.title,
                   area.amount_kr, len(area.passages), sections, source)  # fmt: skip


@dataclass
class Snapshot:
    path: Path
    manifest: store.Manifest
    passages: PassageTable
    vectors: np.ndarray
    centrality: np.ndarray  # per passage, its cosine to the corpus centroid (hubness)
    repeated: np.ndarray  # per passage, the share of its text repeated under several areas
    pieces: np.ndarray | None  # sentence and list-item vectors (memory-mapped), by passage row
    piece_start: np.ndarray | None  # pieces of row r: pieces[piece_start[r]:piece_start[r + 1]]
    vocab: Vocabulary
    speller: Speller
    lexicon: list[str]  # body terms, sorted
    field_terms: dict[str, frozenset[str]]  # every term of each text field
    rlexicon: list[str]  # the same, each reversed, sorted: for suffix look-ups
    areas: list[AreaSummary]
    sparse: SparseIndex  # the keyword index: BM25F scores of every text-field posting
    _cache: dict = field(default_factory=dict)  # per-generation derived data, built on first use
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _making: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key: object, make: Callable[[], T], *, once: bool = False) -> T:
        """What `make` makes, made once per generation (what a query derives from the index
        and the next one needs again). Two threads may both make it and one result is kept;
        `once` (what costs seconds): one thread makes it while the others wait for it."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        if once:
            with self._making:
                if key not in self._cache:
                    self._cache[key] = make()
                return self._cache[key]
        value = make()
        with self._lock:
            return self._cache.setdefault(key, value)

    def after_mapped_reads(self) -> None:
        """Let go of the pages a query read from the memory-mapped matrices (float32 vectors
        above EXACT_MAX passages, sentence vectors). Each page read maps its neighbours too
        (the kernel's fault-around, 64 KB), so one semantic query at 300k passages left
        60-350 MB resident and the server's RSS grew to both whole matrices (1.9 GB at 300k,
        ~6.5 GB at 1M). The pages stay in the page cache: the next read of one is a minor
        fault, and candidates differ from query to query. (Safe beside other threads' reads:
        a read-only file mapping is faulted back in from the file.)"""
        for matrix in (self.pieces, getattr(self.vectors, "full", None)):
            if matrix is not None:
                pages.release(matrix)

    def prefixed(self, prefix: str, limit: int | None = 40, fieldname: str = "body") -> list[str]:
        """The field's terms beginning with `prefix`, in order; at most `limit` (None: all)."""
        lexicon = self.lexicon if fieldname == "body" else self.memo(
            ("lexicon", fieldname), lambda: sorted(self.field_terms.get(fieldname, ())))
        i = bisect.bisect_left(lexicon, prefix)
        out = []
        while i < len(lexicon) and lexicon[i].startswith(prefix) and (limit is None or
                                                                     len(out) < limit):
            out.append(lexicon[i])
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
        """The distinct values of an attribute, sorted as text."""
        values = self.memo(("values", attr),
                           lambda: sorted(set(self.passages.codes(attr)[1]), key=str))  # fmt: skip
        return list(values)

    def hubness(self, penalty: float, repeat: float = 0.0, power: float = 1.0) -> np.ndarray:
        """Per passage, what its semantic score loses for being generic: `penalty` times its
        closeness to the corpus centroid, and `repeat` times its repeated share (the text its
        document repeats under several areas, index/building/repeats.py) to the `power`
        (search/tuning.py: hub_penalty, repeat_penalty, repeat_power)."""
        def make() -> np.ndarray:
            out = penalty * self.centrality
            if repeat:
                out = out + repeat * self.repeated.astype(np.float64) ** power
            return out.astype(np.float32)

        return self.memo(("hubness", penalty, repeat, power), make)

    def row_of(self, pid: str) -> int | None:
        return self.passages.row_of(pid)

    @property
    def all_terms(self) -> frozenset[str]:
        """Every term of every text field: what "does the index know this word" asks."""
        return self.memo("all_terms", lambda: frozenset().union(*self.field_terms.values()))

    def area_rows(self, document: str, area: str) -> list[int]:
        """The rows of one area, in document order."""
        code = self._area_codes()[1].get((document, area))
        return [] if code is None else np.flatnonzero(self.area_keys == code).tolist()

    def _area_codes(self) -> tuple[np.ndarray, dict[tuple[str, str], int]]:
        def make() -> tuple[np.ndarray, dict[tuple[str, str], int]]:
            docs, doc_values = self.passages.codes("document")
            areas, area_values = self.passages.codes("area")
            pairs = docs.astype(np.int64) * (len(area_values) + 1) + areas
            _, first, keys = np.unique(pairs, return_index=True, return_inverse=True)
            code = {(doc_values[docs[r]], area_values[areas[r]]): i for i, r in enumerate(first)}
            return keys.astype(np.int64).reshape(-1), code

        return self.memo("area_codes", make)

    @property
    def area_keys(self) -> np.ndarray:
        """A code per row for its (document, area): what diversification groups by."""
        return self._area_codes()[0]

    def areas_where(self, wanted: dict[str, object]) -> tuple[list[AreaSummary], list[str]]:
        """The areas whose attributes equal `wanted` (in order), and their distinct titles:
        what an answer card is built from, without a Python pass over every area per query."""
        if not wanted:
            titles = self.memo("titles", lambda: list(dict.fromkeys(a.area for a in self.areas)))
            return self.areas, titles
        ok = np.ones(len(self.areas), dtype=bool)
        for name, value in wanted.items():
            column = self.memo(("area_column", name), lambda name=name: np.array(
                [getattr(a, name) for a in self.areas], dtype=object))  # fmt: skip
            if isinstance(value, tuple):  # several named: "Kommune 3 og Kommune 4"
                ok &= np.isin(column, list(value))
            else:
                ok &= column == value
        scope = [self.areas[i] for i in np.flatnonzero(ok).tolist()]
        return scope, list(dict.fromkeys(a.area for a in scope))

    def column(self, attr: str) -> tuple[np.ndarray, dict]:
        """One metadata attribute as an int32 code per row, and its value -> code map: filter
        masks become numpy comparisons instead of a Python loop over every passage."""

        def make() -> tuple[np.ndarray, dict]:
            codes, values = self.passages.codes(attr)
            return codes, {v: i for i, v in enumerate(values)}

        return self.memo(("column", attr), make)

    def amounts(self) -> tuple[np.ndarray, np.ndarray]:
        """(amount_kr as int64 with 0 where unknown, whether it is known) per row."""
        return self.passages.amounts()


def load(index_dir: Path) -> Snapshot:
    """Load and validate the current generation; IndexNotReady with the rebuild hint if broken."""
    gen = store.current_generation(index_dir)
    manifest = store.read_manifest(gen)
    if manifest.format != store.FORMAT:
        raise store.IndexNotReady(
            f"index at {gen} has format {manifest.format}, want {store.FORMAT}"
        )
    try:
        passages = passage_table.load(gen)
    except FileNotFoundError:
        raise store.IndexNotReady(f"index at {gen} has no passages.jsonl") from None
    except passage_table.TableError as exc:
        raise store.IndexNotReady(str(exc)) from None
    if len(passages) != manifest.passages:
        raise store.IndexNotReady(
            f"index at {gen} lists {len(passages)} passages, its manifest {manifest.passages}"
        )
    if passages.ids_checksum != manifest.ids_checksum:
        raise store.IndexNotReady(f"passage ids at {gen} do not match its manifest")
    vectors = (
        store.read_vectors(gen, manifest)
        if manifest.passages <= vector_index.EXACT_MAX
        else _binary_vectors(gen, manifest)
    )
    pieces, piece_rows = store.read_pieces(gen, manifest)
    words = store.read_vocab(gen)
    bm25 = store.read_keyword(gen)
    if bm25.n_docs != len(passages):
        raise store.IndexNotReady(
            f"keyword index at {gen} holds {bm25.n_docs} passages, expected {len(passages)}"
        )
    terms: dict[str, set[str]] = {f: set() for f in fulltext.TEXT_FIELDS}
    for f, t in bm25.columns:
        terms[f].add(t)
    field_terms = {f: frozenset(ts) for f, ts in terms.items()}
    lexicon = sorted(field_terms["body"])
    return Snapshot(
        path=gen,
        manifest=manifest,
        passages=passages,
        vectors=vectors,
        centrality=semantic.centrality(vectors),
        repeated=store.read_repeated(gen, len(passages)),
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
        areas=_areas(passages, manifest.amount_sources),
        sparse=bm25,
    )


def _binary_vectors(gen: Path, manifest: store.Manifest) -> BinaryIndex:
    """Above EXACT_MAX passages: float32 memory-mapped, 1-bit codes in RAM
    (search.binary_index)."""
    try:
        return binary_index.load(gen, manifest.passages, manifest.dim)
    except (ValueError, OSError, EOFError, KeyError) as exc:
        raise store.IndexNotReady(f"vector file at {gen} is unreadable ({exc})") from None


def _areas(passages: PassageTable, sources: dict[str, dict[str, dict]] | None = None
           ) -> list[AreaSummary]:  # fmt: skip
    """One summary per (document, area), in order of first appearance, from the columns
    (numpy groupings, no pass over the passages in Python); each amount with where it was read
    (the manifest's `amount_sources`)."""
    if not len(passages):
        return []
    docs, doc_values = passages.codes("document")
    areas, area_values = passages.codes("area")
    sections, section_values = passages.codes("section")
    pairs = docs.astype(np.int64) * (len(area_values) + 1) + areas
    _, first, inverse, counts = np.unique(
        pairs, return_index=True, return_inverse=True, return_counts=True
    )
    # each area's sections in order of first appearance: (area, section) pairs by first row
    width = len(section_values) + 1
    both, at = np.unique(inverse.astype(np.int64) * width + sections, return_index=True)
    both = both[np.argsort(at, kind="stable")]
    named: list[list[str]] = [[] for _ in range(len(first))]
    for area, code in zip((both // width).tolist(), (both % width).tolist(), strict=True):
        if section_values[code]:
            named[area].append(section_values[code])
    order = np.argsort(first, kind="stable").tolist()
    rows = first[order]
    columns = {
        a: [values[c] for c in codes[rows].tolist()]
        for a, (codes, values) in (
            ("document", (docs, doc_values)),
            ("municipality", passages.codes("municipality")),
            ("committee", passages.codes("committee")),
            ("area", (areas, area_values)),
        )
    }
    years = passages.column("year")[rows].tolist()
    amount, known = passages.amounts()
    amounts = [
        v if k else None for v, k in zip(amount[rows].tolist(), known[rows].tolist(), strict=True)
    ]
    n = counts[order].tolist()
    sources = sources or {}
    return [
        AreaSummary(doc, muni, com, year, title, kr, count, tuple(named[i]),
                    _source(sources.get(doc), title) if kr is not None else None)
        for i, doc, muni, com, year, title, kr, count in zip(
            order,
            columns["document"],
            columns["municipality"],
            columns["committee"],
            years,
            columns["area"],
            amounts,
            n,
            strict=True,
        )  # fmt: skip
    ]


def _source(sources: dict | None, title: str) -> dict | None:
    """An area's amount source as the manifest keeps it; None where it keeps none."""
    found = sources.get(title) if isinstance(sources, dict) else None
    return found if isinstance(found, dict) else None
