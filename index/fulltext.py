"""The Whoosh side of the index: schema, field boosts and writing passages.

Where the folder lives in a generation, and the sparse keyword matrix derived from it, is
:mod:`index.store`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh import fields, index
from whoosh.filedb.filestore import FileStorage

from index.analysis import DanishAnalyzer, Vocabulary
from index.document import Passage

#: Where a query word counts most: an area title names what the passage is about.
FIELD_BOOSTS = {"area": 2.5, "heading": 1.5, "body": 1.0}
TEXT_FIELDS = tuple(FIELD_BOOSTS)


def schema(vocab: Vocabulary | None = None) -> fields.Schema:
    """Text fields only. Filters (area, year, amount, …) are masks over the passage table's
    columns (search/filters.py), so they need no Whoosh fields: at 100k passages their 31
    postings a passage were 40 % of the segment's postings and of its build time."""
    analyzer = DanishAnalyzer(vocab)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # titles unsplit: "Borgerservice" is about citizen service, not about every "borger"
        area=fields.TEXT(analyzer=DanishAnalyzer(None), phrase=True),
        heading=fields.TEXT(analyzer=analyzer, phrase=True),
        body=fields.TEXT(analyzer=analyzer, phrase=True),
    )


def heading(p: Passage) -> str:
    return " ".join(x for x in (p.section, p.subsection) if x)


def write(path: Path, passages: Iterable[Passage], vocab: Vocabulary) -> index.Index:
    path.mkdir(parents=True, exist_ok=True)
    ix = FileStorage(str(path)).create_index(schema(vocab))
    writer = ix.writer(limitmb=256)
    for p in passages:
        writer.add_document(id=p.id, area=p.area, heading=heading(p), body=p.text)
    writer.commit(optimize=True)
    return ix


def open_fulltext(path: Path) -> index.Index:
    """The index for reading, its files read through file handles, not memory-mapped.

    With mmap, Whoosh hands each reader its compound segment as a ``BytesIO`` over the mapped
    bytes, which copies the postings and term files whole: at 100k passages 85 MB and 50 ms
    for every searcher, and a server keeps one searcher per thread."""
    return FileStorage(str(path), supports_mmap=False).open_index()
