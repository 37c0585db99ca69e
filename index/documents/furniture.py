"""Page furniture of published PDFs: what repeats on every page is not text of the document.

Municipalities publish their remarks with a cover page, a table of contents ("Jobcenter ....
3"), a running header (the document's title on every page) and a footer ("Side 6 af 14").
Left in, they come between an area's title and its amount line and end up inside passages.
They are found by place and repetition, not by wording, and dropped before parsing:

- a line at the top or bottom of a page that recurs at the same height on at least half of
  the pages, word for word or differing only in the page's number ("Side 6 af 14"), is a
  running header or footer (an amount line at the same place on every page is not: its
  numbers do not follow the pages);
- "Side 6" / "Side 6 af 14" alone at the top or bottom of a page is a page number anyway;
- a page headed "Indhold"/"Indholdsfortegnelse" listing entries that end in page numbers,
  or made mostly of entries with dot leaders, is a contents page;
- a first page of a few short lines, none a sentence, before more pages, is a cover.

Pages keep their numbers, so passages still cite the page they are on.
"""

from __future__ import annotations

import math
import re

from index.documents.pdf_cells import Row  # text, bold, top (points from the page's top), chunks

EDGE_ROWS = 2  # rows at the top and at the bottom of a page that may be furniture
MIN_REPEATS = 3  # a header or footer shows on at least this many pages (and half of them)
SAME_HEIGHT = 3.0  # points: a running header sits at the same height on every page
COVER_ROWS = 10
COVER_WORDS = 12

_PAGE_LABEL = re.compile(r"^(?:side|page)\s+\d{1,4}(?:\s*(?:af|of|/)\s*\d{1,4})?$", re.IGNORECASE)
_TOC_HEADING = re.compile(r"^(?:indhold(?:sfortegnelse)?|contents|table of contents)$", re.I)
_TOC_ENTRY = re.compile(r"\D\s*\d{1,4}$")
_LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$|…\s*\d{1,4}$")
_SENTENCE_END = re.compile(r"[.!?:;,]$")


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).casefold()


def _numbered_like_pages(hits: list[tuple[int, str]]) -> bool:
    """Whether the lines differ only in a number that follows the page ("Side 6 af 14" on
    the 6th page, "Side 7 af 14" on the 7th): a page number, not an amount that varies."""
    numbers = [(p, [int(n) for n in re.findall(r"\d+", text)]) for p, text in hits]
    width = min(len(ns) for _, ns in numbers)
    return any(len({ns[j] - p for p, ns in numbers}) == 1 for j in range(width))


def _edge_rows(rows: list[Row]) -> list[tuple[str, int]]:
    n = len(rows)
    top = [("top", i) for i in range(min(EDGE_ROWS, n))]
    bottom = [("bottom", i) for i in range(max(0, n - EDGE_ROWS), n)]
    return top + bottom


def running_lines(pages: list[list[Row]]) -> set[tuple[int, int]]:
    """(page index, row index) of every running header, footer and page number: a line at
    the top or bottom of at least half the pages, at one height, the same text on each or
    differing only in the page's number."""
    seen: dict[tuple[str, str], list[tuple[int, int, float, str]]] = {}
    drop: set[tuple[int, int]] = set()
    for p, rows in enumerate(pages):
        for zone, i in _edge_rows(rows):
            text = " ".join(rows[i][0].split())
            if _PAGE_LABEL.match(text) and len(rows) > 1:
                drop.add((p, i))
            seen.setdefault((zone, _key(text)), []).append((p, i, rows[i][2], text))
    with_text = sum(1 for rows in pages if rows)
    need = max(MIN_REPEATS, math.ceil(with_text / 2))
    for hits in seen.values():
        tops = [t for _, _, t, _ in hits]
        if len({p for p, *_ in hits}) < need or max(tops) - min(tops) > SAME_HEIGHT:
            continue
        texts = [(p, text) for p, _, _, text in hits]
        if len({t for _, t in texts}) == 1 or _numbered_like_pages(texts):
            drop.update((p, i) for p, i, _, _ in hits)
    return drop


def is_contents(rows: list[Row]) -> bool:
    texts = [r[0].strip() for r in rows if r[0].strip()]
    if not texts:
        return False
    headed = any(_TOC_HEADING.match(t) for t in texts[:3])
    entries = sum(1 for t in texts if _TOC_ENTRY.search(t))
    leaders = sum(1 for t in texts if _LEADERS.search(t))
    return (headed and entries >= 3) or (leaders >= 4 and leaders >= len(texts) / 2)


def is_cover(rows: list[Row], pages: int) -> bool:
    texts = [r[0].strip() for r in rows if r[0].strip()]
    return (
        pages >= 3
        and 0 < len(texts) <= COVER_ROWS
        and all(len(t.split()) <= COVER_WORDS and not _SENTENCE_END.search(t) for t in texts)
    )


def strip_furniture(pages: list[list[Row]]) -> list[list[Row]]:
    """The pages without running headers, footers, page numbers, contents pages and cover:
    the same number of pages (numbers stay citable), some of them empty."""
    drop = running_lines(pages)
    out = [[r for i, r in enumerate(rows) if (p, i) not in drop] for p, rows in enumerate(pages)]
    for p, rows in enumerate(out):
        if is_contents(rows) or (p == 0 and is_cover(rows, len(out))):
            out[p] = []
    return out
