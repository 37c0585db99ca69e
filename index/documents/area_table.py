"""The "area table, then prose per area" layout: a table of areas and amounts
("Bevillingsområde | Budget 2024 (1.000 kr.)" over rows "name | amount") gives the areas and
their amounts, and the prose after it attaches to the area whose title it opens with.
"""

from __future__ import annotations

import re

from index.documents.amounts import declared_unit, format_kr, parse_number
from index.documents.area_titles import stands_alone, title_text
from index.documents.areas import blanked
from index.documents.clean import SourceLine
from index.documents.document import AmountSource
from index.documents.spans import AreaSpan
from index.documents.table_reading import FIGURE_ROW, budget_header, not_a_budget

#: The layout's name in the per-document report of `budget-search index`.
LAYOUT_TABLE = "area table, then prose per area"
#: A row of an area table: "Veje og trafik | 45.250", "Affald  -3.200" (name, then a number).
_TABLE_ROW = re.compile(
    r"^(?P<name>[^\W\d_][^|\t]*?)\s*(?:\||\t|\s)\s*(?P<num>[-−]?\s?\d{1,3}(?:\.\d{3})*"
    r"(?:,\d+)?|[-−]?\s?\d+(?:,\d+)?|\(\s*\d[\d.]*(?:,\d+)?\s*\))\s*$"
)  # the amount: "12.345", "-12.345", "−12,3", or "(12.345)", an accounting negative
_TABLE_HEAD = re.compile(r"(?:bevillings)?område|budget", re.IGNORECASE)
_TABLE_TOTAL = re.compile(r"^(?:i\s+alt|total|sum|samlet)\b", re.IGNORECASE)
MIN_TABLE_ROWS = 2
#: A name ending on a figure: the row had more numbers than its last one.
_MORE_NUMBERS = re.compile(r"\s[-−÷(]?\d[\d.,]*\)?$")


def find_area_table(
    lines: list[SourceLine],
) -> tuple[dict[str, tuple[str, int, SourceLine]], set[int]]:
    """An area table ("Bevillingsområde | Budget 2024 (1.000 kr.)" over rows "name | amount"):
    each area's name, amount and row by its name (casefolded), and the indices of the table's
    lines. Empty when the document has none."""
    for i, line in enumerate(lines):
        text = line.text
        if line.blank or "kr" not in text.casefold() or not _TABLE_HEAD.search(text):
            continue
        above = " ".join(ln.text for ln in lines[max(0, i - 4) : i] if not ln.blank)
        if not budget_header(text) or not_a_budget(above):
            continue  # "Område | Forbrug (1.000 kr.)", or under "Ændringer i forhold til …"
        unit = declared_unit(text, bare=True)  # "1.000 kr.   Budget 2025" declares it too
        rows: dict[str, tuple[str, int, SourceLine]] = {}
        used = {i}
        for j in range(i + 1, len(lines)):
            m = _TABLE_ROW.match(lines[j].text.strip())
            if lines[j].blank or not m:
                break
            name = title_text(m.group("name").strip(" |"))
            if _several_figures(lines[j], name) or FIGURE_ROW.match(name):
                # a row of several figures ("Administration 162.305 160.100"), or one of an
                # area's figures ("Udgifter 45.300"): no table of areas and their amounts
                rows = {}
                break
            used.add(j)
            if _TABLE_TOTAL.match(name):
                continue
            num = m.group("num").replace("−", "-").replace(" ", "")
            if num.startswith("("):
                num = "-" + num.strip("()")
            amount = int((parse_number(num.lstrip("-")) * unit).to_integral_value())
            rows[name.casefold()] = (name, -amount if num.startswith("-") else amount, lines[j])
        if len(rows) >= MIN_TABLE_ROWS:
            return rows, used
    return {}, set()


def _several_figures(line: SourceLine, name: str) -> bool:
    """Whether a row's name ends on a figure the row's split did not set apart ("Politisk
    organisation 8.940 8.940" before its last number); a pipe or a cell keeps "Område 3.22"."""
    split = "|" in line.text or (line.cells is not None and len(line.cells) == 2)
    return not split and bool(_MORE_NUMBERS.search(name))


def table_areas(lines: list[SourceLine], rows: dict[str, tuple[str, int, SourceLine]],
                used: set[int]) -> list[AreaSpan]:  # fmt: skip
    """Areas from an area table: the amounts from its rows, the prose from the stand-alone
    lines after it that name an area (an area the prose never names keeps its table row)."""
    lines = [blanked(ln) if i in used else ln for i, ln in enumerate(lines)]
    starts = [
        i
        for i, ln in enumerate(lines)
        if i > max(used) and not ln.blank and stands_alone(lines, i)
        and title_text(ln.text).casefold() in rows
    ]  # fmt: skip
    spans, named = [], set()
    for n, i in enumerate(starts):
        key = title_text(lines[i].text).casefold()
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        name, amount, _row = rows[key]
        named.add(key)
        spans.append(AreaSpan(name, amount, lines[i].number, lines[i + 1 : end],
                               layout=LAYOUT_TABLE, source=_row_source(_row)))  # fmt: skip
    for key, (name, amount, row) in rows.items():
        if key not in named:
            text = f"{name}: {format_kr(amount)}"
            spans.append(AreaSpan(name, amount, row.number, [SourceLine(row.number, text,
                                   row.page)], layout=LAYOUT_TABLE,
                                   source=_row_source(row)))  # fmt: skip
    return spans


def _row_source(row: SourceLine) -> AmountSource:
    return AmountSource(row.text.strip(), row.number, row.page)
