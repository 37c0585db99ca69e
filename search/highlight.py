"""Highlights: the passage HTML-escaped, with every word whose terms the query matched in <mark>."""

from __future__ import annotations

import functools
from html import escape

from index.building.analysis import Vocabulary, analyze


@functools.lru_cache(maxsize=4096)
def _spans(text: str, vocab: Vocabulary | None) -> dict[str, tuple[tuple[int, int], ...]]:
    """Where each of a passage's terms occurs: the same passages recur in results, and a query
    has a few terms against a passage's hundreds, so hits look their terms up."""
    where: dict[str, list[tuple[int, int]]] = {}
    for t in analyze(text, vocab):
        where.setdefault(t.text, []).append((t.start, t.end))
    return {term: tuple(spans) for term, spans in where.items()}


def highlight(text: str, terms: set[str], vocab: Vocabulary | None) -> str:
    if not terms:
        return escape(text)
    where = _spans(text, vocab)
    spans = sorted({span for t in terms for span in where.get(t, ())})
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)
