"""The passages a generation holds, read straight from its passages.jsonl: the reference the
product's own readers (the passage table, the keyword index) are checked against."""

from __future__ import annotations

import json
from pathlib import Path

from index.building import store
from index.documents.document import Passage


def read_passages(gen: Path) -> list[Passage]:
    out = []
    with (gen / store.PASSAGES).open(encoding="utf-8") as fh:
        for line in fh:
            data = json.loads(line)
            data["amounts"] = tuple(data.get("amounts", ()))
            out.append(Passage(**data))
    return out


def whoosh_written(path: Path, passages: list[Passage], vocab):
    """The oracle: a Whoosh index of the passages, docnum = position, written through Whoosh's
    public API (add_document, commit) with the product's schema and analysers."""
    from whoosh import index

    from index.building import fulltext

    path.mkdir(parents=True)
    ix = index.create_in(str(path), fulltext.schema(vocab))
    writer = ix.writer()
    for p in passages:
        writer.add_document(id=p.id, area=p.area, heading=fulltext.heading(p), body=p.text)
    writer.commit(optimize=True)
    return ix
