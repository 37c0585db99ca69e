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
from index.analysis import Vocabulary
from index.document import Passage
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


@dataclass
class Snapshot:
    path: Path
    manifest: store.Manifest
    passages: list[Passage]
    vectors: np.ndarray
    vocab: Vocabulary
    speller: Speller
    lexicon: list[str]  # body terms, sorted
    field_terms: dict[str, frozenset[str]]  # every term of each text field
    rlexicon: list[str]  # the same, each reversed, sorted: for suffix look-ups
    row_of: dict[str, int]
    areas: list[AreaSummary]
    _ix: object
    _local: threading.local = field(default_factory=threading.local)

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
        return sorted({getattr(p, attr) for p in self.passages}, key=str)


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
    vectors = store.read_vectors(gen, manifest)
    words = store.read_vocab(gen)
    try:
        ix = fulltext.open_fulltext(gen / "whoosh")
        with ix.searcher() as s:
            count = s.doc_count()
            field_terms = {
                f: frozenset(t.decode("utf-8") for t in s.lexicon(f)) for f in fulltext.TEXT_FIELDS
            }
            lexicon = sorted(field_terms["body"])
    except Exception as exc:  # whoosh raises many kinds on a damaged folder
        raise store.IndexNotReady(f"full-text index at {gen} is unreadable ({exc})") from None
    if count != len(passages):
        raise store.IndexNotReady(
            f"full-text index at {gen} holds {count} passages, expected {len(passages)}"
        )
    return Snapshot(
        path=gen,
        manifest=manifest,
        passages=passages,
        vectors=vectors,
        vocab=Vocabulary(words),
        speller=Speller(words),
        lexicon=lexicon,
        field_terms=field_terms,
        rlexicon=sorted(t[::-1] for t in lexicon),
        row_of={pid: i for i, pid in enumerate(ids)},
        areas=_areas(passages),
        _ix=ix,
    )


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
