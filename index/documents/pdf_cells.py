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

#: (text, x0, x1, bold): a run of a line's characters with no wide gap in it.
Chunk = tuple[str, float, float, bool]
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
        bold = "bold" in c.get("fontname", "").lower()
        if previous is None or c["x0"] - previous["x1"] >= CELL_GAP * size:
            out.append([c["text"], float(c["x0"]), float(c["x1"]), bold])
        else:
            gap = c["x0"] - previous["x1"]
            out[-1][0] += (" " if gap >= WORD_GAP * size else "") + c["text"]
            out[-1][2] = float(c["x1"])
            out[-1][3] = out[-1][3] and bold
        previous = c
    return tuple((t, x0, x1, b) for t, x0, x1, b in out)


def _figure(text: str) -> bool:
    return text.strip() in ("-", "–") or parse_cell(text) is not None


def _row(line: tuple[Chunk, ...]) -> tuple[str, list[Chunk]] | None:
    """A table row: a label, then one or more figures each in its own chunk."""
    k = len(line)
    while k > 0 and _figure(line[k - 1][0]):
        k -= 1
    if k == 0 or k == len(line) or any(_figure(c[0]) for c in line[:k]):
        return None
    return " ".join(c[0] for c in line[:k]), list(line[k:])


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
    header = [c[0] for c in lines[head]]
    if len(header) != width + 1 or any(_figure(t) for t in header):
        return  # no header line naming each column above the rows
    placed: dict[int, tuple[str, ...]] = {}
    for k in rows:
        r = read[k]
        assert r is not None
        label, figures = r
        cells = [""] * width
        for text, x0, x1, _ in figures:
            hits = [n for n, (a, b) in enumerate(spans) if x0 < b and x1 > a]
            if len(hits) != 1 or cells[hits[0]]:
                return  # a figure between columns, or two in one: not placed at all
            cells[hits[0]] = text
        placed[k] = (label, *cells)
    out[head] = tuple(header)
    for k, cells in placed.items():
        out[k] = cells


#: Lines with text on each side of a gutter, at the least, for a page's text to be read as
#: two columns.
MIN_COLUMN_LINES = 3
#: Where a gutter between two columns of text may be: the middle of the text's width.
_GUTTER_BAND = (0.3, 0.7)

Row = tuple[str, bool, float, tuple[Chunk, ...]]  # text, bold, top, chunks


def _side(chunks_: tuple[Chunk, ...], x: float) -> str:
    """'left', 'right', 'split' (text on both sides, none across) or 'cross' for a line at a
    gutter at `x`."""
    if any(c[1] < x < c[2] for c in chunks_):
        return "cross"
    left = any(c[2] <= x for c in chunks_)
    right = any(c[1] >= x for c in chunks_)
    return "split" if left and right else "left" if left else "right"


def _part(row: Row, keep: list[Chunk]) -> Row:
    return (" ".join(c[0] for c in keep), all(c[3] for c in keep), row[2], tuple(keep))


def text_columns(rows: list[Row]) -> list[Row]:
    """A page's lines with two columns of text read one after the other: where, over a run of
    lines, text stands left and right of one gutter in the middle of the page and no line runs
    across it (lines at one height run together in the text extraction; the columns' lines are
    then split at the gutter), the left column's lines, then the right column's. A run ends at
    a line across the gutter (a heading or paragraph over the whole width). A table's figures
    right of its names are no column of text."""
    spans = [(c[1], c[2]) for r in rows for c in r[3]]
    if not spans:
        return rows
    left, right = min(a for a, _ in spans), max(b for _, b in spans)
    low, high = (left + f * (right - left) for f in _GUTTER_BAND)
    # where a right column of words may start (a table's figures are no column of text)
    starts = [c[1] for r in rows for c in r[3] if low <= c[1] <= high and not _figure(c[0])]
    if len(starts) < MIN_COLUMN_LINES:
        return rows
    # the gutter: just left of where most lines have text, fewest lines running across it
    x = max(sorted({round(a) - 0.5 for a in starts}),
            key=lambda m: sum(_side(r[3], m) in ("split", "right") for r in rows)
            - 2 * sum(_side(r[3], m) == "cross" for r in rows if r[3]))  # fmt: skip
    sides = [_side(r[3], x) if r[3] else "cross" for r in rows]
    out: list[Row] = []
    i = 0
    while i < len(rows):
        if sides[i] == "cross":
            out.append(rows[i])
            i += 1
            continue
        j = i
        while j < len(rows) and sides[j] != "cross":
            j += 1
        run = range(i, j)
        lefts = [k for k in run if sides[k] in ("left", "split")]
        rights = [k for k in run if sides[k] in ("right", "split")]
        figures = [k for k in rights if all(_figure(c[0]) for c in rows[k][3] if c[1] >= x)]
        if min(len(lefts), len(rights)) < MIN_COLUMN_LINES or len(figures) * 2 >= len(rights):
            out += rows[i:j]  # too few to be columns, or a table's names and figures
        else:
            for keep in (lambda c: c[2] <= x, lambda c: c[1] >= x):
                out += [_part(rows[k], parts) for k in run
                        if (parts := [c for c in rows[k][3] if keep(c)])]  # fmt: skip
        i = j
    return out
