"""Where a document's lines hold tables of areas and amounts: rows split by pipes, tabs or wide
spaces, rows of a label and numbers under year-ended column names (PDFs, plain text), cells one
per line (PDF extraction), and lists of areas with their amounts under an introduction that
says they are the budget. Each table found is read by :mod:`index.documents.table_reading`.
"""

from __future__ import annotations

import re

from index.documents.amounts import YEARS, parse_cell
from index.documents.area_titles import without_leaders
from index.documents.clean import SourceLine
from index.documents.document import AmountSource
from index.documents.table_reading import (
    NET_ROW,
    NOT_BUDGET_COLUMN,
    TableReading,
    declared_unit_removed,
    read_table,
)

#: A row in text without separators: a label, then numbers ("Jobcenter 50.190,1 48.000,0").
_TRAILING_NUMBERS = re.compile(
    r"^(?P<label>.*?[^\d\s.,%()÷−–-])\s+(?P<nums>(?:[-−÷–]?\s?\(?\d[\d.,]*\)?-?\s?%?(?:\s+|$))+)$"
)


def split_cells(line: SourceLine, border: bool = True) -> list[str] | None:
    """The cells of a table line: pipe-separated, tab- or wide-space-separated (kept from the
    raw text), or None for a line that is not one. `border`: the table's rows open and close
    with a pipe ("| Skatter | -2.093,8 |"); in a table whose rows do not, a line opening with
    one has an empty first cell ("| I alt | 1.151.712")."""
    text = line.text.strip()
    if text.count("|") >= 1 and not text.startswith("||"):
        if border:
            text = text.removeprefix("|")
        text = text.removesuffix("|")
        cells = [c.strip() for c in text.split("|")]
        return cells if len(cells) >= 2 else None
    if line.cells:
        return list(line.cells)
    return None


def _is_number_cell(cell: str) -> bool:
    return cell.strip() in ("", "-", "–") or parse_cell(cell) is not None


def _header_columns(text: str, count: int) -> list[str] | None:
    """The column names of a header written with single spaces ("Område Budget 2024 Overslag
    2025"): the last `count` year-ended groups; None when it does not split so."""
    parts = re.findall(r"[^\d|]*?(?:19|20)\d\d(?:\s*\([^)]*\))?", text)
    if len(parts) < count:
        return None
    return [p.strip() for p in parts[-count:]]


def read_tables(lines: list[SourceLine], year: int) -> list[TableReading]:
    """Every table of area rows in the lines, read in the column of the budget year."""
    readings = []
    i = 0
    while i < len(lines):
        cells = split_cells(lines[i]) if not lines[i].blank else None
        if cells is None:
            i += 1
            continue
        j = i
        block: list[tuple[int, list[str]]] = []
        while j < len(lines) and not lines[j].blank:
            c = split_cells(lines[j])
            if c is None:
                break
            block.append((j, c))
            j += 1
        opened = [lines[k].text.strip().startswith("|") for k, _ in block]
        if len(block) >= 2 and 0 < sum(opened) <= len(block) // 2:  # a row left of the label
            block = [(k, split_cells(lines[k], border=False) or c) for k, c in block]
        if len(block) >= 2:
            reading = read_table(lines, block, year, readings[-1] if readings else None)
            if reading is not None:
                readings.append(reading)
        i = max(j, i + 1)
    readings += _single_space_tables(lines, year, {n for r in readings for n in r.lines})
    readings += _flattened_tables(lines, year, {n for r in readings for n in r.lines})
    readings += _listed_amounts(lines, year, {n for r in readings for n in r.lines})
    return readings


#: A list item naming an area and its amount: "• Økonomiudvalget: 412,6 mio. kr.".
_ITEM = re.compile(
    r"^(?:[•●▪■►➢*·-]\s*|\d{1,2}[.)]\s+)?(?P<label>[^\W\d_][^:]{0,80}?)\s*(?:[:–—]\s*|\s)"
    r"(?P<cell>[-−÷–]?\s?\(?\d[\d.,]*\)?-?(?:\s*(?:mia|mio|t)\.?)?(?:\s*kr\.?)?)$",
    re.IGNORECASE,
)
#: A list's introduction that says its amounts are budgets ("Nettodriftsbudgettet fordeler sig
#: således på udvalgene:"), and words that make them something else (savings, changes, grants).
_LIST_BUDGET = re.compile(r"budget|netto|bevilling|ramme", re.IGNORECASE)
_LIST_NOT_BUDGET = re.compile(
    r"besparel|reduk|effektivis|pulje|anlæg|tilskud|investering|udvid|initiativ|prioriter|"
    r"forslag|ønske|takst|gebyr|indtægt|løft|ekstra|tilfør|merudgift|mindreudgift|afsat|"
    r"aftale|forlig|brutto|stig|\bfald|\bøg|flere|\bnye?\b|heraf|blandt\s+andet|bl\.a",
    re.IGNORECASE,
)


def _listed_amounts(lines: list[SourceLine], year: int, taken: set[int]) -> list[TableReading]:
    """Lists of areas with their amounts under an introduction that says they are the budget
    (and ends with a colon): read as a table of one budget column, the introduction its
    header. A list under any other introduction (savings, changes) is not read."""
    readings = []
    i = 0
    while i < len(lines):
        line = lines[i]
        intro = line.text.strip()
        if line.blank or i in taken or not intro.endswith(":") or not _LIST_BUDGET.search(intro) \
                or _LIST_NOT_BUDGET.search(intro) or NOT_BUDGET_COLUMN.search(intro):  # fmt: skip
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].blank and j - i <= 2:
            j += 1
        items: list[tuple[int, list[str]]] = []
        while j < len(lines) and not lines[j].blank and j not in taken:
            m = _ITEM.match(lines[j].text.strip())
            if not m or parse_cell(m.group("cell")) is None or YEARS.search(m.group("label")):
                break  # not an item, or one of a year ("Budget 2023: 11 mio. kr.")
            items.append((j, [without_leaders(m.group("label")).strip(" :–-"),
                              m.group("cell").strip()]))
            j += 1
        ends = j >= len(lines) or lines[j].blank
        if len(items) >= 2 and ends:
            reading = read_table(lines, [(i, ["", intro.rstrip(":")]), *items], year)
            if reading is not None:
                reading.lines -= {i}  # the introduction stays text
                readings.append(reading)
                i = j
                continue
        i += 1
    return readings


def _is_value_line(text: str) -> bool:
    text = text.strip()
    return (
        bool(text)
        and not YEARS.fullmatch(text)
        and (text in ("-", "–") or parse_cell(text) is not None)
    )


def _flattened_tables(lines: list[SourceLine], year: int, taken: set[int]) -> list[TableReading]:
    """Tables whose cells came out one per line (PDF extraction): the column names ("Budget
    2024", "Overslag 2025"), each with a year, then each row as its label and exactly as many
    number lines. Read only where every row keeps that rhythm."""
    readings = []
    i = 0
    while i < len(lines):
        if i in taken or lines[i].blank or not _is_column_name(lines[i].text):
            i += 1
            continue
        names = []
        j = i
        while j < len(lines) and not lines[j].blank and _is_column_name(lines[j].text):
            names.append(lines[j].text.strip())
            j += 1
        width = len(names)
        rows: list[tuple[int, list[str]]] = []
        while j + width < len(lines) and not lines[j].blank and j not in taken:
            label = lines[j].text.strip()
            values = [lines[k].text.strip() for k in range(j + 1, j + 1 + width)]
            if _is_value_line(label) or _is_column_name(label) or label.endswith(".") or \
                    not all(_is_value_line(v) for v in values):  # fmt: skip
                break
            rows.append((j, [label, *values]))
            j += 1 + width
        if len(rows) >= 2 and (j >= len(lines) or lines[j].blank):
            reading = read_table(lines, [(i, ["", *names]), *rows], year)
            if reading is not None:
                reading.lines |= set(range(i, j))
                said = {lines[k].number: " | ".join(cells) for k, cells in rows}
                reading.rows = [(title, value, AmountSource(said.get(src.line, src.text),
                                                            src.line, src.page))
                                for title, value, src in reading.rows]  # fmt: skip
                readings.append(reading)
            i = j
            continue
        i = max(j, i + 1)
    return readings


def _is_column_name(text: str) -> bool:
    """A column header on a line of its own: a few words with a year ("Budget 2024")."""
    text = text.strip()
    return bool(YEARS.search(text)) and len(text.split()) <= 4 and not _is_value_line(text) \
        and not text.endswith(".")  # fmt: skip


def _single_space_tables(lines: list[SourceLine], year: int, taken: set[int]) -> list[TableReading]:
    """Tables from PDFs and plain text without column separators: a header of year-ended
    column names, then rows of a label and as many numbers."""
    readings = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.blank or i in taken or len(YEARS.findall(line.text)) < 1:
            i += 1
            continue
        block: list[tuple[int, list[str]]] = []
        j = i + 1
        while j < len(lines) and j not in taken:
            if lines[j].blank:
                if block:
                    break
                j += 1
                continue
            m = _TRAILING_NUMBERS.match(lines[j].text.strip())
            if not m:
                if block:
                    break
                # a section row ("Driftsudgifter") inside a table
                if len(lines[j].text.split()) <= 6 and not lines[j].text.rstrip().endswith("."):
                    block.append((j, [lines[j].text.strip()]))
                    j += 1
                    continue
                break
            row = [m.group("label").strip(), *m.group("nums").split()]
            widths = [len(c) for _, c in block if len(c) > 1]
            if widths and len(row) != widths[0]:
                break  # a line after the table that ends on a number ("… oktober 2023.")
            block.append((j, row))
            j += 1
        counts = {len(c) - 1 for _, c in block if len(c) > 1}
        # a table of one row is read where the row is a net figure ("Nettodriftsudgifter
        # 31.872 33.410 34.905" under "1.000 kr. R2023 B2024 B2025 BO2026"): the figures of the
        # heading it stands under
        net_alone = len(block) == 1 and bool(NET_ROW.match(block[0][1][0].strip(" :")))
        if len(counts) == 1 and (sum(len(c) > 1 for _, c in block) >= 2 or net_alone):
            count = counts.pop()
            names = _header_columns(declared_unit_removed(line.text), count)
            if names is not None and all(YEARS.fullmatch(n) for n in names) and i > 0:
                names = _named_above(lines[i - 1].text, names)
            if names is not None:
                head = (i, ["", *names])
                rows = [(k, c if len(c) > 1 else c + [""] * count) for k, c in block]
                reading = read_table(lines, [head, *rows], year)
                if reading is not None:
                    readings.append(reading)
                    i = j
                    continue
        i += 1
    return readings


#: One word naming a column's figure, as a PDF's first header line gives them over the years.
_COLUMN_WORD = re.compile(
    r"^(?:regnskab|budget|overslag|budgetoverslag|vedtaget|oprindeligt|korrigeret|forventet|"
    r"afvigelse|forbrug|b|bo|r|kb)$",
    re.IGNORECASE,
)


def _named_above(above: str, years: list[str]) -> list[str]:
    """Bare years under a line naming each column ("1.000 kr. Regnskab Budget Budget
    Overslag" over "2022 2023 2024 2025"): each year with its word, where the line's last
    words are one column word per year; else the years as they are."""
    words = declared_unit_removed(above).split()[-len(years) :]
    if len(words) == len(years) and all(_COLUMN_WORD.match(w) for w in words):
        return [f"{w} {y}" for w, y in zip(words, years, strict=True)]
    return years
