"""One table's rows read as areas and amounts: which column is the budget's, in which unit,
and which rows are areas and which are totals.

A table gives an area its net budget through the column of the document's budget year: not
overslag, korrigeret, regnskab, afvigelse or %, and in the unit its header or caption declares.
A table without a budget column or a unit gives its rows' names, not their numbers, and says
why. Rows that sum others ("I alt") are totals to reconcile, not areas. Where the tables are
in a document's lines is :mod:`index.documents.tables`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.documents.amounts import THOUSAND, YEARS, declared_unit, parse_cell
from index.documents.clean import SourceLine
from index.documents.document import AmountSource

#: Column headers that are not this year's budget.
NOT_BUDGET_COLUMN = re.compile(
    r"korrig|\bkorr\b|forvent|regnskab|afvig|%|overslag|forbrug|ændr|diff|prognose|skøn|realiser|"
    r"andel|tillæg|\bbo\s?\d|budgetopfølg|\bmer|\bmindre|indeks|antal|gennemsnit|takst|"
    r"pr\.\s*(?:indbygger|borger|elev|barn|bruger|plads)|per\s+(?:indbygger|borger)",
    re.IGNORECASE,
)
#: An adjusted budget's column ("Korrigeret budget 2024"), and what makes one something else.
_ADJUSTED_BUDGET = re.compile(r"korrigere?t?\s+budget|\bkorr\.?\s+budget", re.IGNORECASE)
_NOT_ADJUSTED = re.compile(r"forvent|regnskab|afvig|%|forbrug|diff|ændr|prognose|tillæg",
                           re.IGNORECASE)  # fmt: skip
#: What a table's caption says when its figures change a budget or compare with it
#: ("Ændringer i forhold til budget 2023", "Besparelser", "Udgifter pr. indbygger").
_CHANGES = re.compile(
    r"ændring|ændret|afvigelse|forskel|differen|i\s+forhold\s+til|\bift\.|merforbrug|"
    r"mindreforbrug|besparel|reduk|tillæg|omplacer|korrektion|udvidelse|effektivis|"
    r"pr\.\s*(?:indbygger|borger|elev|barn|bruger|plads)|per\s+(?:indbygger|borger)|nøgletal",
    re.IGNORECASE,
)


def budget_header(text: str) -> bool:
    """Whether a column header says its figures are a budget, and not another figure."""
    return bool(_BUDGET_COLUMN.search(text)) and not NOT_BUDGET_COLUMN.search(text)


def not_a_budget(caption: str) -> bool:
    """Whether the text above a table says its figures are not budgets: changes, comparisons,
    per-head figures, or another figure without a word of budget."""
    return bool(_CHANGES.search(caption)) or (
        bool(NOT_BUDGET_COLUMN.search(caption)) and not _BUDGET_COLUMN.search(caption)
    )


#: Figures of the past or the year's outcome, which a column of a bare year may be.
_LOOKS_BACK = re.compile(r"regnskab|forvent|korrig|afvig|forbrug|realiser", re.IGNORECASE)
_BUDGET_COLUMN = re.compile(
    r"budget|netto|vedtaget|oprindelig|bevilling|ramme"
    r"|^\s*b\s?(?:19|20)\d\d\s*$",  # "B2024", as budget books abbreviate (BO2025: overslag)
    re.IGNORECASE,
)
#: Rows that sum others ("I alt", "Driftsudgifter i alt"), or derive from them ("Resultat").
_TOTAL_ROW = re.compile(r"\bi\s*alt\b|^(?:total|sum|samlet|hovedtotal)\b", re.IGNORECASE)
_DERIVED_ROW = re.compile(r"resultat|^netto\b|^balance|^finansiering\b|overskud|underskud",
                          re.IGNORECASE)  # fmt: skip
_PART_ROW = re.compile(r"^[-–•]?\s*(?:heraf|herunder|hvoraf|deraf)\b", re.IGNORECASE)
#: Rows naming a kind of figure, not an area ("Udgifter", "Indtægter", "Netto", "Drift"): a
#: table of them breaks down one area's budget (the heading above it), and has no area rows.
FIGURE_ROW = re.compile(
    r"^(?:(?:brutto|netto|drifts|service|overførsels|løn|anlægs|nettodrifts)?(?:udgift|indtægt)"
    r"(?:er)?"
    r"|(?:netto|brutto)(?:budget|drift|beløb)?|drift|anlæg)$",
    re.IGNORECASE,
)
_SEPARATOR_ROW = re.compile(r"^[\s|:+-]*$")
#: A row's number or account code before its name ("20", "3.22.01"), or nothing.
_CODE = re.compile(r"^\s*(?:\d{1,3}(?:[.]\d{1,3})*\.?)?\s*$")


@dataclass
class Row:
    index: int  # in the lines
    label: str
    cells: list[str]  # the number cells, in column order (label excluded)


@dataclass
class TableReading:
    """What one table gives: its area rows, its stated totals and the lines it took."""

    rows: list[tuple[str, int | None, AmountSource]] = field(default_factory=list)
    totals: list[tuple[str, int, AmountSource, int, int, int]] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)
    notes: list[tuple[int, str]] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # the number columns' names, or the line naming them
    unit: int | None = None  # kroner per figure, where one was declared or inherited
    #: a breakdown's net row in the budget column ("Netto | 33.200"): the area's budget above
    net: tuple[int, AmountSource] | None = None


def declared_unit_removed(text: str) -> str:
    """The text without its unit ("1.000 kr.", "(mio. kr.)", "Beløb i t.kr.")."""
    return re.sub(rf"\(?\b(?:beløb\s+i\s+)?(?:{THOUSAND}|t\.?|mio\.?|mia\.?)\s*kr\.?\)?|\btkr\.?",
                  " ", text, flags=re.IGNORECASE)  # fmt: skip


def _caption(lines: list[SourceLine], first: int) -> str:
    """The text just above a table (up to three lines), where its unit and subject are said."""
    above = [ln.text for ln in lines[max(0, first - 4) : first] if not ln.blank]
    return " ".join(above[-3:])


def _budget_column(headers: list[str], year: int) -> tuple[int | None, str | None]:
    """The column (1-based in the row's cells) of the budget for `year`, or None and why."""
    candidates = []
    for k, head in enumerate(headers):
        if k == 0 or NOT_BUDGET_COLUMN.search(head):
            continue
        years = {int(y) for y in YEARS.findall(head)}
        bare_year = bool(years) and not re.sub(r"[\W\d_]+", "", YEARS.sub("", head))
        if _BUDGET_COLUMN.search(head) or bare_year:
            candidates.append((k, years))
    if not candidates:
        # a follow-up's table gives the adjusted budget only: the budget there is, as a
        # sentence's "korrigerede budget" is read where no original one is given
        adjusted = [k for k, head in enumerate(headers) if k and _ADJUSTED_BUDGET.search(head)
                    and not _NOT_ADJUSTED.search(head)
                    and {int(y) for y in YEARS.findall(head)} <= {year}]  # fmt: skip
        if len(adjusted) == 1:
            return adjusted[0], None
    this_year = _adopted([k for k, ys in candidates if year in ys], headers)
    if len(this_year) == 1:
        return this_year[0], None
    undated = [k for k, ys in candidates if not ys]
    if not this_year and len(candidates) == 1 and undated:
        return undated[0], None
    if not candidates:
        return None, "no column is a budget (its header names regnskab, korrigeret, afvigelse …)"
    return None, f"no single budget column for {year} among {[headers[k] for k, _ in candidates]}"


#: A proposal's column ("Budgetforslag 2025") and the adopted budget's ("Vedtaget budget 2025").
_PROPOSAL = re.compile(r"forslag", re.IGNORECASE)
_ADOPTED = re.compile(r"vedtag", re.IGNORECASE)


def _adopted(columns: list[int], headers: list[str]) -> list[int]:
    """Of several budget columns of one year, the adopted one where the others are only its
    proposal ("Budgetforslag 2025 | Vedtaget budget 2025"): the proposal is no budget."""
    adopted = [k for k in columns if _ADOPTED.search(headers[k])
               and not _PROPOSAL.search(headers[k])]  # fmt: skip
    others = [k for k in columns if k not in adopted]
    if len(adopted) == 1 and others and all(_PROPOSAL.search(headers[k]) for k in others):
        return adopted
    return columns


#: A caption naming the net operating budget or expenses ("Nettodriftsudgifter 2025 fordelt på
#: …", "Nettodriftsbudget 2025 pr. udvalg"): what a column without a name of its own holds.
_NET_CAPTION = re.compile(r"netto\s*drift|nettobudget|driftsbudget", re.IGNORECASE)
#: The parts of net operating expenses that a total column sums: service and transfers; never
#: drift and anlæg (operations and construction summed are no operating budget).
_EXPENSE_PART = re.compile(r"^(?:service|overførsel)s?\w*$", re.IGNORECASE)
_TOTAL_COLUMN = re.compile(r"^i\s*alt$", re.IGNORECASE)


def _caption_column(headers: list[str], caption: str, year: int) -> int | None:
    """The column a caption makes the budget's, where no header names one: under a caption
    naming the net operating budget of `year` and no other year, (a) the one column headed
    by its unit alone ("Mio. kr."), beside columns of other figures only ("Andel"); or (b) the
    "I alt" column that closes columns of service and transfer expenses. None otherwise."""
    years = {int(y) for y in YEARS.findall(caption)}
    if years != {year} or not _NET_CAPTION.search(caption) or _CHANGES.search(caption):
        return None
    names = [h.strip() for h in headers[1:]]
    unit_only = [k for k, h in enumerate(names, 1) if h and declared_unit(h, bare=True)
                 and not re.search(r"[^\W\d_]", declared_unit_removed(h))]  # fmt: skip
    if len(unit_only) == 1 and all(k == unit_only[0] or NOT_BUDGET_COLUMN.search(h)
                                   for k, h in enumerate(names, 1)):  # fmt: skip
        return unit_only[0]
    if len(names) >= 3 and _TOTAL_COLUMN.match(names[-1]) \
            and all(_EXPENSE_PART.match(h) for h in names[:-1]):  # fmt: skip
        return len(names)
    return None


def read_table(lines: list[SourceLine], block: list[tuple[int, list[str]]],
               year: int, before: TableReading | None = None) -> TableReading | None:  # fmt: skip
    """Areas and totals from one table; None when it is no table of amounts by area.
    `before`: the document's table just above it, whose unit a table of the same columns
    and no unit of its own keeps (one committee's table after another's, the unit said once
    at the top of the document)."""
    block = [(k, c) for k, c in block if not _SEPARATOR_ROW.match("|".join(c))]
    header_rows = []
    for k, cells in block:
        if any(c.strip() and parse_cell(c) is not None and not YEARS.fullmatch(c.strip())
               for c in cells[1:]):  # fmt: skip
            break
        header_rows.append((k, cells))
    body = block[len(header_rows) :]
    named_by_caption = False
    if not header_rows and body and all(len(c) == 2 for _, c in body):
        # one figure a row and no header ("Dagtilbud ........ 412.600"): the caption above
        # names the column ("Budget 2024 (1.000 kr.)"), or the table is not read
        caption = declared_unit_removed(_caption(lines, block[0][0]))
        if _BUDGET_COLUMN.search(caption) and not NOT_BUDGET_COLUMN.search(caption):
            header_rows = [(block[0][0], ["", caption.strip()])]
            named_by_caption = True
    if not body or not header_rows:
        return None
    if all(len(c) > 2 and _CODE.match(c[0]) and c[1].strip() and parse_cell(c[1]) is None
           for _, c in body):  # fmt: skip
        # a number column before the names ("20 | Dagtilbud | 287.512"): the names label rows
        header_rows = [(k, c[1:]) for k, c in header_rows]
        body = [(k, c[1:]) for k, c in body]
    width = max(len(c) for _, c in body)
    # a tab- or space-separated header one cell short lost its empty label cell ("\t2022\t2024")
    header_rows = [(k, [""] + h if lines[k].cells and len(h) == width - 1 else h)
                   for k, h in header_rows]  # fmt: skip
    headers = [" ".join(h[1][n] if n < len(h[1]) else "" for h in header_rows).strip()
               for n in range(width)]  # fmt: skip
    first = block[0][0]
    caption = _caption(lines, first)
    reading = TableReading(lines={k for k, _ in block})
    where = lines[first].number
    if not_a_budget(caption):
        reading.notes.append((where, f"table under {caption!r} is not a budget; amounts not read"))
        return reading
    breakdown = _breaks_down_one_figure(body)
    if breakdown:
        reading.notes.append((where, "table breaks one budget into its kinds of figure "
                              "(udgifter, indtægter, netto); its rows are no areas"))  # fmt: skip
    column, why = _budget_column(headers, year)
    if column is not None and YEARS.fullmatch(headers[column]) and _LOOKS_BACK.search(caption):
        # "2022 2024 2025" under a line naming regnskab, budget, …: which year is which figure
        # was said on a line whose columns are lost
        column, why = None, (f"its column {headers[column]!r} names only a year, under "
                             f"{caption!r} that names other figures too")  # fmt: skip
    if column is None and (by_caption := _caption_column(headers, caption, year)) is not None:
        column, why = by_caption, None
    if column is None and width == 2 and _names_no_other_figure(headers, year):
        # one number column, under a heading that names no other figure and no other year
        column, why = 1, None
    # the header lines as written too: a split may cut their unit ("Netto, 1.000 kr. R2023 …")
    said = " ".join(lines[k].text for k, _ in header_rows)
    unit = _table_unit(" ".join(headers) + " " + said + " " + caption, [c for _, c in body], column)
    columns = (_line_above(lines, first),) if named_by_caption else tuple(headers[1:])
    if unit is None and before is not None and before.unit and _same_columns(before, columns):
        unit = before.unit
    reading.columns, reading.unit = columns, unit
    if any(parse_cell(c[0].strip()) is not None for _, c in body):
        # a row that starts with a figure has no name ("602.118  618.400  631.250" under
        # "R2023  B2024  B2025"): it is no area, its columns are the header's own, and one
        # such row alone is the figures of the heading it stands under
        reading.notes.append((where, "table rows without names; no areas read from it"))
        reading.net = _unnamed_row(lines, body, headers, column, unit, year)
        return reading
    if breakdown:
        reading.net = _net_row(lines, body, column, unit)
        return reading
    if column is None or unit is None:
        reason = why or "no unit (kr., 1.000 kr., mio. kr.) is given for it"
        reading.notes.append((where, f"table of amounts: {reason}; its amounts are not read"))
        unit = None
    section, group, seen = "", [], set()
    for k, cells in body:
        label = cells[0].strip(" :")
        numbers = cells[1:]
        line = lines[k]
        source = AmountSource(line.text.strip(), line.number, line.page)
        if not label or _PART_ROW.match(label):
            continue
        if all(not c.strip() or c.strip() in "-–" for c in numbers):
            section, group = label, []
            continue
        cell = numbers[column - 1] if column is not None and column - 1 < len(numbers) else ""
        if line.cells is not None and "|" not in line.text and len(cells) < width:
            # split at gaps, a row with fewer cells than the table's lost its empty ones
            # ("Idrætshaller   18.400   19.050   19.600" under four years): which column each
            # figure is in is not known, so none is read
            reading.notes.append((line.number, f"row {label!r} has fewer figures than the "
                                  "table has columns; which column each is in is not known"))
            cell = ""
        value = parse_cell(cell, unit) if unit is not None else None
        if _TOTAL_ROW.search(label) or _DERIVED_ROW.search(label):
            known = [v for v in group if v is not None]
            if value is not None and _TOTAL_ROW.search(label) and len(group) >= 2 and \
                    len(known) == len(group):  # fmt: skip
                reading.totals.append((label, value, source, sum(known), len(known),
                                       _rounding(cell, unit) * len(known)))  # fmt: skip
            group = []
            continue
        title = label
        if title.casefold() in seen:
            title = f"{label} ({section})" if section else f"{label} (række {line.number})"
        seen.add(title.casefold())
        if cell.strip() and value is None and unit is not None:
            reading.notes.append((line.number, f"cannot read {cell.strip()!r} as an amount"))
        reading.rows.append((title, value, source))
        group.append(value)
    return reading


#: The row of a breakdown that is the net figure ("Netto", "Nettobudget").
NET_ROW = re.compile(r"^netto(?:budget|drift|beløb|udgifter|driftsudgifter)?$", re.IGNORECASE)


def _net_row(lines: list[SourceLine], body: list[tuple[int, list[str]]], column: int | None,
             unit: int | None) -> tuple[int, AmountSource] | None:  # fmt: skip
    """A breakdown's one net row, read in the budget column and unit; None without either,
    or with no or several net rows."""
    nets = [(k, c) for k, c in body if NET_ROW.match(c[0].strip(" :"))]
    if column is None or unit is None or len(nets) != 1 or column >= len(nets[0][1]):
        return None
    k, cells = nets[0]
    value = parse_cell(cells[column], unit)
    line = lines[k]
    return None if value is None else (value, AmountSource(line.text.strip(), line.number,
                                                           line.page))  # fmt: skip


def _unnamed_row(lines: list[SourceLine], body: list[tuple[int, list[str]]], headers: list[str],
                 column: int | None, unit: int | None, year: int
                 ) -> tuple[int, AmountSource] | None:  # fmt: skip
    """The budget figure of a table's one row without a name, where the header names one
    budget column of the year (its first cell, a figure's column here, not among them)."""
    if len(body) != 1 or column is None or unit is None or column >= len(body[0][1]):
        return None
    if _budget_column(["", headers[0]], year)[0] is not None:
        return None  # the first column may be the year's budget too: not guessed between
    k, cells = body[0]
    value = parse_cell(cells[column], unit)
    line = lines[k]
    return None if value is None else (value, AmountSource(line.text.strip(), line.number,
                                                           line.page))  # fmt: skip


def _same_columns(before: TableReading, columns: tuple[str, ...]) -> bool:
    """Whether a table's number columns are named as those of the table above (a year's
    budget among them), so that its figures are of the same kind, in the same unit."""
    return before.columns == columns and any(YEARS.search(c) for c in columns)


def _line_above(lines: list[SourceLine], first: int) -> str:
    """The text line right above a table (its blank lines skipped): a one-figure table's
    column names ("Område  Budget 2025") where no row of its own gives them."""
    above = next((ln.text for ln in reversed(lines[max(0, first - 3) : first]) if not ln.blank), "")
    return " ".join(above.split())


def _names_no_other_figure(headers: list[str], year: int) -> bool:
    """Whether a one-figure table's header, its label cell too ("Regnskab 2023 | (1.000
    kr.)"), names no other figure than a budget and no other year than the document's."""
    said = " ".join(headers)
    years = {int(y) for y in YEARS.findall(said)}
    return not NOT_BUDGET_COLUMN.search(said) and not YEARS.search(headers[1]) \
        and years <= {year}  # fmt: skip


def _breaks_down_one_figure(body: list[tuple[int, list[str]]]) -> bool:
    """Whether a row with figures is named by a kind of figure ("Udgifter | 45.300")."""
    return any(FIGURE_ROW.match(c[0].strip(" :")) and any(x.strip() for x in c[1:])
               for _, c in body)  # fmt: skip


def _rounding(cell: str, unit: int) -> int:
    """Half the last written digit of a cell, in kroner ("768,2" in mio. kr.: 50.000)."""
    m = re.search(r",(\d+)", cell)
    places = len(m.group(1)) if m else 0
    return unit // (2 * 10**places) if unit >= 2 * 10**places else 0


def _table_unit(text: str, rows: list[list[str]], column: int | None) -> int | None:
    """The unit of a table's figures: declared in its header or caption, or written in each
    cell ("50.190.100 kr."); None when nothing says it."""
    unit = declared_unit(text, bare=True)
    if unit:
        return unit
    if column is not None:
        cells = [r[column] for r in rows if column < len(r) and r[column].strip()]
        if cells and all("kr" in c.casefold() for c in cells):
            return 1
    return None
