"""Highlights: the passage HTML-escaped, with every word whose terms the query matched in <mark>."""

from __future__ import annotations

import functools
from html import escape

from index.analysis import Vocabulary, analyze


@functools.lru_cache(maxsize=4096)
def _terms(text: str, vocab: Vocabulary | None) -> tuple[tuple[str, int, int], ...]:
    """A passage's terms and where they are: the same passages recur in results."""
    return tuple((t.text, t.start, t.end) for t in analyze(text, vocab))


def highlight(text: str, terms: set[str], vocab: Vocabulary | None) -> str:
    if not terms:
        return escape(text)
    spans = sorted({(start, end) for t, start, end in _terms(text, vocab) if t in terms})
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)
