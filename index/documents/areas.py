"""Finding a document's areas: where each starts, its title, its net budget, its body lines.

An area is a title line followed (after blank lines) by its net-budget statement ("Samlet
nettobudget for området: 50.190.100 kr."), or by a paragraph and then that statement, or — when a
municipality gives no amount — by a "Budgetgrundlag" heading. Which lines can be a title is
:mod:`index.documents.area_titles`, which state a net budget :mod:`index.documents.budget_lines`;
a table of areas with prose further on is :mod:`index.documents.area_table`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index.documents.amounts import Reading, amount_spans, find_amounts, format_kr
from index.documents.area_titles import (
    is_about,
    stands_alone,
    title_above,
    title_candidate,
    title_text,
)
from index.documents.budget_lines import AMOUNT_STATEMENT, budget_reading, states_budget
from index.documents.clean import SourceLine, looks_like_title, section_heading
from index.documents.document import SECTION_HEADINGS, AmountSource
from index.documents.names import same_name
from index.documents.sentences import _sentence_area, choose, paragraphs, sentence_statements
from index.documents.spans import AreaSpan

#: How areas were recognised, as the per-document report of `budget-search index` says it.
LAYOUT_STATEMENT = "title, then net budget line"
LAYOUT_PARAGRAPH = "title, paragraph, then net budget line"
LAYOUT_HEADING = "title, then 'Budgetgrundlag' (no amount)"
LAYOUT_SPLIT = "label and amount on separate lines"
LAYOUT_NONE = "no known layout: one area"
#: Text before the first area (an introduction) is kept, as an area and section of this name.
PREAMBLE = "Indledning"


def _next_text(lines: list[SourceLine], index: int) -> int | None:
    for j in range(index + 1, len(lines)):
        if not lines[j].blank:
            return j
    return None


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
        if lines[i].blank or not stands_alone(lines, i):
            continue
        j = _next_text(lines, i)
        if j is None:
            break
        anchored = states_budget(lines, j)
        k = j if anchored else _labelled_statement(lines, j)
        anchored = k is not None
        if not title_candidate(lines, i, anchored):
            continue
        if k is not None:
            starts.append((i, j + 1 if k == j else j, k, budget_reading(lines[k].text),
                           LAYOUT_STATEMENT))  # fmt: skip
        elif section_heading(lines[j].text) == SECTION_HEADINGS[0]:
            starts.append((i, j, None, None, LAYOUT_HEADING))
    # Title, then a paragraph, then the net-budget line: the line is the area's, not a stray
    # line in the area before it.
    used = {s[2] for s in starts}
    titles = {s[0] for s in starts}
    for j, line in enumerate(lines):
        if line.blank or j in used or not states_budget(lines, j):
            continue
        floor = max((t for t in titles if t < j), default=-1)
        t = title_above(lines, j, floor)
        if t is not None and t not in titles:
            starts.append((t, t + 1, j, budget_reading(line.text), LAYOUT_PARAGRAPH))
            titles.add(t)
            used.add(j)
    starts = [s for s in starts if s[2] is None or is_about(lines[s[2]].text, lines[s[0]].text)]
    used = {s[2] for s in starts}
    starts.sort(key=lambda s: s[0])
    stray = [
        (ln.number, f"net budget line not attached to any area ({ln.text.strip()!r}); "
         "its amount is not counted")
        for j, ln in enumerate(lines)
        if not ln.blank and j not in used and states_budget(lines, j)
        and AMOUNT_STATEMENT.search(" ".join(ln.text.split()[:3]))  # a label, not prose
        and (":" in ln.text or stands_alone(lines, j))
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


#: A labelled figure line under a title ("Bruttobudget 2025: 58,4 mio. kr."): a label of a few
#: words, a colon, an amount.
_LABELLED_FIGURE = re.compile(r"^[^\W\d_][^:]{0,40}:\s*\S.{0,30}$")
#: The most labelled figure lines a title's block may have (brutto, indtægter, netto, …).
MAX_FIGURE_LINES = 5


def _labelled_statement(lines: list[SourceLine], j: int) -> int | None:
    """The net-budget line among a block of labelled figures right under a title
    ("Bruttobudget 2025: 58,4 mio. kr." / "Nettobudget 2025: 51,9 mio. kr."): the block's one
    such line, where every line of the block is a label and an amount; else None."""
    end = next((k for k in range(j, len(lines)) if lines[k].blank), len(lines))
    block = range(j, end)
    figures = all(_LABELLED_FIGURE.match(lines[k].text.strip()) and find_amounts(lines[k].text)
                  for k in block)  # fmt: skip
    if not figures or not 2 <= len(block) <= MAX_FIGURE_LINES:
        return None
    net = [k for k in block if states_budget(lines, k)]
    return net[0] if len(net) == 1 else None


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
        if not (labelled and AMOUNT_STATEMENT.search(text) and len(text.split()) <= 8):
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
        out.append(replace(span, title=title))  # its amount's source kept
    return out, warnings
