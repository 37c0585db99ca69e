"""Finding a document's areas: where each starts, its title, its net budget, its body lines.

An area is a title line followed (after blank lines) by its net-budget statement ("Samlet
nettobudget for området: 50.190.100 kr."), or by a paragraph and then that statement, or — when a
municipality gives no amount — by a "Budgetgrundlag" heading; or a row of an area table with its
prose further on. Titles are not matched by name: the same words can also appear as a lead-in
inside an area ("Digitalisering og IT").
"""

from __future__ import annotations

import functools
import re

from index.documents.amounts import (
    Reading,
    amount_spans,
    declared_unit,
    find_amounts,
    format_kr,
    parse_number,
    read_statement,
)
from index.documents.clean import SourceLine, bullet_kind, looks_like_title, section_heading
from index.documents.document import SECTION_HEADINGS, AmountSource
from index.documents.names import same_name, subject_of
from index.documents.sentences import (
    _NOT_BUDGET,
    _sentence_area,
    choose,
    paragraphs,
    sentence_statements,
)
from index.documents.spans import AreaSpan
from index.documents.table_reading import budget_header, not_a_budget

#: How areas were recognised, as the per-document report of `budget-search index` says it.
LAYOUT_STATEMENT = "title, then net budget line"
LAYOUT_PARAGRAPH = "title, paragraph, then net budget line"
LAYOUT_HEADING = "title, then 'Budgetgrundlag' (no amount)"
LAYOUT_SPLIT = "label and amount on separate lines"
LAYOUT_NONE = "no known layout: one area"
LAYOUT_TABLE = "area table, then prose per area"
#: A row of an area table: "Veje og trafik | 45.250", "Affald  -3.200" (name, then a number).
_TABLE_ROW = re.compile(
    r"^(?P<name>[^\W\d_][^|\t]*?)\s*(?:\||\t|\s)\s*(?P<num>[-−]?\s?\d{1,3}(?:\.\d{3})*"
    r"(?:,\d+)?|[-−]?\s?\d+(?:,\d+)?|\(\s*\d[\d.]*(?:,\d+)?\s*\))\s*$"
)  # the amount: "12.345", "-12.345", "−12,3", or "(12.345)", an accounting negative
_TABLE_HEAD = re.compile(r"(?:bevillings)?område|budget", re.IGNORECASE)
_TABLE_TOTAL = re.compile(r"^(?:i\s+alt|total|sum|samlet)\b", re.IGNORECASE)
MIN_TABLE_ROWS = 2
#: Text before the first area (an introduction) is kept, as an area and section of this name.
PREAMBLE = "Indledning"
#: Lines looked back from a net-budget line for its title, across one or more paragraphs.
TITLE_LOOKBACK = 40

_AMOUNT_STATEMENT = re.compile(
    r"\bnetto\w*|\bsamle[dt]e?\s+(?:netto)?budget|\bbudget\w*\s+i\s+alt", re.IGNORECASE
)
#: "1. ", "3.2 ": the numbering of a numbered heading.
_NUMBERING = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)")


@functools.lru_cache(maxsize=65_536)  # asked of each line several times while finding areas
def is_amount_statement(text: str) -> bool:
    """A short line stating an area's net budget (several municipal wordings)."""
    return (
        bool(_AMOUNT_STATEMENT.search(text))
        and len(text.split()) <= 20
        and (read_statement(text) is not None)
    )


def _statement_at(lines: list[SourceLine], j: int) -> bool:
    """Whether line `j` states a net budget on its own: not a sentence that goes on into the
    next line ("… udgør 148,3" / "mio. kr. i 2024."), which only the paragraph reads whole."""
    if not is_amount_statement(lines[j].text):
        return False
    text = lines[j].text.strip()
    after = lines[j + 1].text.strip() if j + 1 < len(lines) else ""
    if not after or re.search(r":\s*\S", text):  # the line ends its paragraph, or is a label's
        return True
    return bool(re.search(r"[.!?]$", text)) and not (after[:1].islower() or after[:1].isdigit())


def _budget_reading(text: str) -> Reading | None:
    """What a net-budget line says (`read_statement`), but no amount where the line says it is
    a change or another figure ("Nettobudgettet er reduceret med 2,1 mio. kr."): read as a
    sentence it must state that amount as a budget, or, where its amount is a bare number in a
    declared unit, its label must not name another figure."""

    reading = read_statement(text)
    if reading is None:
        return reading
    found = sentence_statements(text, [(0, 0)], None, None)[0]
    if reading.amount is None:  # figures in several sentences: the one stated as the budget,
        # where its sentence holds no other figure ("… udgør 701,3 mio. kr. Heraf udgør løn …")
        said = {s.source.text for s in found}
        if len(found) == 1 and len(said) == 1 and len(find_amounts(said.pop())) == 1 \
                and len(find_amounts(text)) > 1:  # fmt: skip
            return Reading(found[0].amount_kr, ())
        return reading
    label = text.split(":")[0] if re.search(r":\s*\S", text) else None
    if any(s.amount_kr == reading.amount for s in found) or (
            not found and label is not None and not _NOT_BUDGET.search(label)):  # fmt: skip
        return reading
    return Reading(None, reading.notes + ("the line gives a change or another figure, not the "
                                          "area's net budget; not read",))  # fmt: skip


def _stands_alone(lines: list[SourceLine], index: int) -> bool:
    return index == 0 or lines[index - 1].blank


def _next_text(lines: list[SourceLine], index: int) -> int | None:
    for j in range(index + 1, len(lines)):
        if not lines[j].blank:
            return j
    return None


def title_text(text: str) -> str:
    """An area title without its numbering ("3. Jobcenter" is Jobcenter)."""
    return _NUMBERING.sub("", text.strip())


#: Abbreviations a title may end on ("Administration m.v.", "Drift m.m.").
_TITLE_ABBREVIATION = re.compile(r"\b(?:m\.v|m\.m|mv|mm|o\.l|m\.fl|mfl|inkl|ekskl|bl\.a)\.$",
                                 re.IGNORECASE)  # fmt: skip


def looks_like_area_title(text: str) -> bool:
    """A line that can name an area when its net-budget line follows it: short, not a
    sentence; it may start in lower case ("eBoks") or with a digit ("3F-aftaler") and end on
    an abbreviation ("Administration m.v.")."""
    text = text.strip()
    core = _TITLE_ABBREVIATION.sub("", text).rstrip()
    return (
        0 < len(text) <= 150
        and 0 < len(text.split()) <= 20
        and text[:1].isalnum()
        and not re.search(r"[.,;:!?\-–]$", core)
        and bullet_kind(text) is None
    )


def _title_candidate(lines: list[SourceLine], i: int, anchored: bool = False) -> bool:
    """Whether line `i` can be an area title; `anchored`: its net-budget line follows."""
    line = lines[i]
    if line.blank or not _stands_alone(lines, i) or section_heading(line.text) is not None:
        return False
    # a title may start with a formula character ("=Formel"): its own area, not merged into
    # the one before (the CSV export quotes it)
    text = title_text(line.text).lstrip("=+@").strip()
    shaped = looks_like_area_title(text) if anchored else looks_like_title(text, max_words=10)
    return shaped and not is_amount_statement(line.text)


def _title_above(lines: list[SourceLine], j: int, floor: int) -> int | None:
    """For a net-budget line at `j` that follows prose, the area title above that prose: a
    stand-alone title line with a blank line after it, then only paragraphs (no heading, no
    other title) down to `j`. None when the layout is anything else."""
    i = j - 1
    while i > max(floor, j - TITLE_LOOKBACK):
        line = lines[i]
        if not line.blank:
            if section_heading(line.text) or is_amount_statement(line.text):
                return None
            if _title_candidate(lines, i):
                has_prose = any(not x.blank for x in lines[i + 1 : j])
                return i if lines[i + 1].blank and has_prose else None
        i -= 1
    return None


def _is_about(statement: str, title: str) -> bool:
    """Whether a net-budget line is the titled area's: its subject is the area itself
    ("Samlet nettobudget for området"), none, or a name that fits the title; not another
    committee's sentence ("Kultur- og Idrætsudvalget har et nettobudget på …")."""
    whose = subject_of(statement)
    return whose == "" or (whose is not None and same_name(whose, title_text(title)))


def blanked(line: SourceLine) -> SourceLine:
    return SourceLine(line.number, "", line.page)


def _body_statements(span: AreaSpan, reported: set[int]) -> tuple[set[int], list]:
    """The budget sentences in an area's own text: the amounts they give the area itself
    ("Efter budgetforliget er nettobudgettet 23,9 mio. kr."), and those naming another area
    ("Til sammenligning har Dagtilbud et nettobudget på …"). Lines `reported` (by number) as
    net-budget lines of no area are left to that report; a sentence naming a year is left to
    the year's check (the document's year is not known here)."""

    own, named = set(), []
    body = [blanked(ln) if ln.number in reported else ln for ln in span.body]
    for p in paragraphs(body, set(), set()):
        found, _notes = sentence_statements(p.text, p.where, p.page, None)
        for s in found:
            if not s.subject or same_name(s.subject, span.title):
                own |= {s.amount_kr} if not s.adjusted and not s.years else set()
            else:
                named.append(s)  # of any year: the parser checks the document's
    return own, named


def _several(title: str, amounts: list[int]) -> str:
    listed = ", ".join(format_kr(a) for a in dict.fromkeys(amounts))
    return f"area {title!r}: several budget amounts ({listed}); none taken"


def _named_areas(named: list, areas: list[AreaSpan]) -> list[AreaSpan]:
    """Areas that sentences in other areas' text name with their budget: each its own area
    (its text the sentence), as the general reader makes them; an area that is already one
    keeps its own statement, or none where the sentence gives another amount."""

    by_subject: dict[str, list] = {}
    for s in named:
        known = next((n for n, a in enumerate(areas) if same_name(s.subject, a.title)), None)
        if known is not None:
            area = areas[known]
            if area.amount_kr is not None and area.amount_kr != s.amount_kr:
                areas[known] = AreaSpan(area.title, None, area.line, area.body, area.notes + (
                    (area.line, _several(area.title, [area.amount_kr, s.amount_kr])),),
                    area.section, area.layout)  # fmt: skip
            continue
        key = next((k for k in by_subject if same_name(k, s.subject)), s.subject)
        by_subject.setdefault(key, []).append(s)
    extra = []
    for subject, found in by_subject.items():
        chosen, why = choose(found)
        area = _sentence_area(subject, chosen, found[0].source)
        if why:
            area = AreaSpan(area.title, None, area.line, area.body,
                            ((found[0].source.line, f"{subject!r}: {why}"),), area.section,
                            area.layout)  # fmt: skip
        extra.append(area)
    return extra


def find_areas(lines: list[SourceLine]) -> tuple[list[AreaSpan], list[tuple[int, str]]]:
    """The areas of a document, in order, each with the lines of its body; and notes for net
    budget lines that belong to no area (their amount is then counted nowhere). An area whose
    own text states another budget amount gets none; a sentence in it naming another area's
    budget makes that area (see `_body_statements`)."""
    # (title index, body start index, statement index or None, reading, layout)
    starts: list[tuple[int, int, int | None, Reading | None, str]] = []
    for i in range(len(lines)):
        if lines[i].blank or not _stands_alone(lines, i):
            continue
        j = _next_text(lines, i)
        if j is None:
            break
        anchored = _statement_at(lines, j)
        if not _title_candidate(lines, i, anchored):
            continue
        if anchored:
            starts.append((i, j + 1, j, _budget_reading(lines[j].text), LAYOUT_STATEMENT))
        elif section_heading(lines[j].text) == SECTION_HEADINGS[0]:
            starts.append((i, j, None, None, LAYOUT_HEADING))
    # Title, then a paragraph, then the net-budget line: the line is the area's, not a stray
    # line in the area before it.
    used = {s[2] for s in starts}
    titles = {s[0] for s in starts}
    for j, line in enumerate(lines):
        if line.blank or j in used or not _statement_at(lines, j):
            continue
        floor = max((t for t in titles if t < j), default=-1)
        t = _title_above(lines, j, floor)
        if t is not None and t not in titles:
            starts.append((t, t + 1, j, _budget_reading(line.text), LAYOUT_PARAGRAPH))
            titles.add(t)
            used.add(j)
    starts = [s for s in starts if s[2] is None or _is_about(lines[s[2]].text, lines[s[0]].text)]
    used = {s[2] for s in starts}
    starts.sort(key=lambda s: s[0])
    stray = [
        (ln.number, f"net budget line not attached to any area ({ln.text.strip()!r}); "
         "its amount is not counted")
        for j, ln in enumerate(lines)
        if not ln.blank and j not in used and _statement_at(lines, j)
        and _AMOUNT_STATEMENT.search(" ".join(ln.text.split()[:3]))  # a label, not prose
        and (":" in ln.text or _stands_alone(lines, j))
    ]  # fmt: skip
    reported = {number for number, _ in stray}
    areas: list[AreaSpan] = []
    named = []
    for n, (title_at, body_at, statement_at, reading, layout) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = list(lines[body_at:end])
        if statement_at is not None and statement_at >= body_at:
            body[statement_at - body_at] = blanked(lines[statement_at])
        title_line = lines[title_at]
        notes = tuple(
            (lines[statement_at].number, note)
            for note in (reading.notes if reading else ())
            if statement_at is not None
        )
        source = None
        if reading is not None and reading.amount is not None and statement_at is not None:
            said = lines[statement_at]
            source = AmountSource(said.text.strip(), said.number, said.page)
        span = AreaSpan(title_text(title_line.text), reading.amount if reading else None,
                        title_line.number, body, notes, layout=layout, source=source)  # fmt: skip
        own, others = _body_statements(span, reported)
        named += others
        if span.amount_kr is not None and own - {span.amount_kr}:
            why = _several(span.title, [span.amount_kr, *sorted(own - {span.amount_kr})])
            span = AreaSpan(span.title, None, span.line, body, notes + ((title_line.number, why),),
                            layout=layout)  # fmt: skip
        areas.append(span)
    if any(a.amount_kr is not None for a in areas):
        areas = sorted(areas + _named_areas(named, areas), key=lambda a: a.line)
    return areas, stray


def preamble_area(lines: list[SourceLine], first_area: int) -> AreaSpan | None:
    """Text before the first area (an introduction), as an area of its own; the document's
    title line, if it opens the document, is not part of it."""
    before = [ln for ln in lines if ln.number < first_area]
    text = [i for i, ln in enumerate(before) if not ln.blank]
    if (
        text
        and looks_like_title(before[text[0]].text.strip(), max_words=10)
        and (text[0] + 1 == len(before) or before[text[0] + 1].blank)
    ):
        text = text[1:]
    if not text:
        return None
    body = before[text[0] :]
    return AreaSpan(PREAMBLE, None, body[0].number, body, (), PREAMBLE)


def whole_document(lines: list[SourceLine], title: str) -> AreaSpan | None:
    """A document in no known layout, as one area named by its metadata title (its opening
    title line left out), with sections and sub-headings found as usual."""
    body = preamble_area(lines, len(lines) + 2)
    if body is None:
        return None
    return AreaSpan(title, None, body.line, body.body, (), "", LAYOUT_NONE)


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
        unit = declared_unit(text)
        rows: dict[str, tuple[str, int, SourceLine]] = {}
        used = {i}
        for j in range(i + 1, len(lines)):
            m = _TABLE_ROW.match(lines[j].text.strip())
            if lines[j].blank or not m:
                break
            used.add(j)
            name = title_text(m.group("name").strip(" |"))
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


def table_areas(lines: list[SourceLine], rows: dict[str, tuple[str, int, SourceLine]],
                used: set[int]) -> list[AreaSpan]:  # fmt: skip
    """Areas from an area table: the amounts from its rows, the prose from the stand-alone
    lines after it that name an area (an area the prose never names keeps its table row)."""
    lines = [blanked(ln) if i in used else ln for i, ln in enumerate(lines)]
    starts = [
        i
        for i, ln in enumerate(lines)
        if i > max(used) and not ln.blank and _stands_alone(lines, i)
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


def _amount_alone(text: str) -> bool:
    """Whether a line is an amount and nothing else (a sign, a bracket, a full stop)."""
    rest = text
    for start, end, _value, _notes in reversed(amount_spans(text)):
        rest = rest[:start] + rest[end:]
    return not re.search(r"[^\W\d_]", rest)


def join_split_statements(lines: list[SourceLine]) -> list[SourceLine]:
    """A net-budget label and its amount on separate lines ("Samlet budget:" / "938,4 mio.
    kr.") as one statement line, at the label's line; the amount's line becomes blank."""
    out = list(lines)
    for i, line in enumerate(lines):
        text = line.text.strip()
        labelled = text.endswith(":") or re.search(r":\s*\([^()]*\)$", text)
        if not (labelled and _AMOUNT_STATEMENT.search(text) and len(text.split()) <= 8):
            continue
        j = _next_text(lines, i)
        if j is None or j - i > 2:
            continue
        value = lines[j].text.strip()
        # the line is the amount alone ("938,4 mio. kr."), not another label's line
        if len(value.split()) <= 5 and find_amounts(value) and _amount_alone(value):
            out[i] = SourceLine(line.number, f"{text} {value}", line.page, line.bold)
            out[j] = blanked(lines[j])
    return out


def distinct_titles(spans: list[AreaSpan], source: str) -> tuple[list[AreaSpan], list[str]]:
    """The same title twice in one document is two areas: the later ones get a number."""
    first_at: dict[str, int] = {}
    count: dict[str, int] = {}
    out, warnings = [], []
    for span in spans:
        key = span.title.casefold()
        if key not in first_at:
            first_at[key] = span.line
            count[key] = 1
            out.append(span)
            continue
        count[key] += 1
        title = f"{span.title} ({count[key]})"
        warnings.append(
            f"{source}:{span.line}: area title {span.title!r} also at line {first_at[key]}; "
            f"indexed as {title!r}"
        )
        out.append(AreaSpan(title, span.amount_kr, span.line, span.body, span.notes,
                             span.section, span.layout))  # fmt: skip
    return out, warnings
