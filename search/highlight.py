"""Highlights: the passage HTML-escaped, with every word whose terms the query matched in <mark>."""

from __future__ import annotations

from html import escape

from index.analysis import Vocabulary, analyze


def highlight(text: str, terms: set[str], vocab: Vocabulary | None) -> str:
    if not terms:
        return escape(text)
    spans = sorted({(t.start, t.end) for t in analyze(text, vocab) if t.text in terms})
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)
