"""The cells of a PDF table whose rows leave some cells empty, by where the figures stand.

A PDF's text line gives a row's figures one after another: "Idrætshaller 18.400 19.050 19.600"
under "Regnskab 2023  Budget 2024  Budget 2025  Overslag 2026" has lost its empty first cell,
and which column each figure is in can no longer be told from the text (such a row is read as
no amount). Where the page shows it, it is kept: the table's full rows (a figure in every
column) give each column's place on the page, and a shorter row's figures are put in the
columns they stand in, the others left empty. Only where every figure of the table stands in
exactly one column, and the header line above it names as many columns; otherwise the lines
are left as they are.
"""

from __future__ import annotations

from index.documents.amounts import parse_cell

#: (text, x0, x1): a run of a line's characters with no wide gap in it.
Chunk = tuple[str, float, float]
#: A gap this many times the characters' height, or wider, separates two cells (a word space
#: is about a third of it).
CELL_GAP = 0.9
#: A gap this many times the height, or wider, is a space between words.
WORD_GAP = 0.15


def chunks(chars: list[dict]) -> tuple[Chunk, ...]:
    """A line's characters (pdfplumber's, in reading order, spaces left out) as runs split at
    wide gaps."""
    out: list[list] = []
    previous = None
    for c in chars:
        size = float(c.get("size") or (c["bottom"] - c["top"]) or 8.0)
        if previous is None or c["x0"] - previous["x1"] >= CELL_GAP * size:
            out.append([c["text"], float(c["x0"]), float(c["x1"])])
        else:
            gap = c["x0"] - previous["x1"]
            out[-1][0] += (" " if gap >= WORD_GAP * size else "") + c["text"]
            out[-1][2] = float(c["x1"])
        previous = c
    return tuple((t, x0, x1) for t, x0, x1 in out)


def _figure(text: str) -> bool:
    return text.strip() in ("-", "–") or parse_cell(text) is not None


def _row(line: tuple[Chunk, ...]) -> tuple[str, list[Chunk]] | None:
    """A table row: a label, then one or more figures each in its own chunk."""
    k = len(line)
    while k > 0 and _figure(line[k - 1][0]):
        k -= 1
    if k == 0 or k == len(line) or any(_figure(t) for t, _, _ in line[:k]):
        return None
    return " ".join(t for t, _, _ in line[:k]), list(line[k:])


def table_cells(lines: list[tuple[Chunk, ...]]) -> list[tuple[str, ...] | None]:
    """Per line of a page (its chunks), the cells of a table row or header where a table's
    rows leave cells empty and the page shows which; None for every other line."""
    out: list[tuple[str, ...] | None] = [None] * len(lines)
    i = 0
    while i < len(lines):
        if _row(lines[i]) is None:
            i += 1
            continue
        j = i
        while j < len(lines) and _row(lines[j]) is not None:
            j += 1
        _place(lines, i - 1, list(range(i, j)), out)
        i = j
    return out


def _place(lines: list[tuple[Chunk, ...]], head: int, rows: list[int],
           out: list[tuple[str, ...] | None]) -> None:  # fmt: skip
    read = {k: _row(lines[k]) for k in rows}
    width = max(len(r[1]) for r in read.values() if r)
    full = [r[1] for r in read.values() if r and len(r[1]) == width]
    if len(full) == len(rows) or len(full) < 2 or head < 0 or width < 2:
        return  # nothing lost (the text reads it), or too little to place figures by
    spans = [(min(r[n][1] for r in full), max(r[n][2] for r in full)) for n in range(width)]
    if any(a[1] >= b[0] for a, b in zip(spans, spans[1:], strict=False)):
        return  # columns that overlap on the page
    header = [t for t, _, _ in lines[head]]
    if len(header) != width + 1 or any(_figure(t) for t in header):
        return  # no header line naming each column above the rows
    placed: dict[int, tuple[str, ...]] = {}
    for k in rows:
        r = read[k]
        assert r is not None
        label, figures = r
        cells = [""] * width
        for text, x0, x1 in figures:
            hits = [n for n, (a, b) in enumerate(spans) if x0 < b and x1 > a]
            if len(hits) != 1 or cells[hits[0]]:
                return  # a figure between columns, or two in one: not placed at all
            cells[hits[0]] = text
        placed[k] = (label, *cells)
    out[head] = tuple(header)
    for k, cells in placed.items():
        out[k] = cells
