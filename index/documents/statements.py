"""Reading area/amount statements in any layout: sentences, headings and tables.

One reader for what the named layouts (:mod:`index.documents.areas`) do not cover. An amount
becomes an area's net budget only when its binding is unambiguous: the sentence says it is a
(net) budget and whose, or it stands under the area's heading with nothing else claiming it,
or it is the row of a table in the column of the budget year. Everything else keeps the area's
amount None and says why, by line: precision before recall, as a printed number is trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.documents.amounts import amount_spans
from index.documents.area_titles import ends_mid_sentence
from index.documents.clean import SourceLine, bullet_kind, section_heading
from index.documents.document import AmountSource, Reconciliation
from index.documents.names import names_itself, same_name
from index.documents.sentences import (
    LAYOUT_SENTENCE,
    LAYOUT_TABLE_ROWS,
    Paragraph,
    Statement,
    _notes,
    _sentence_area,
    choose,
    paragraphs,
    sentence_statements,
)
from index.documents.spans import AreaSpan
from index.documents.tables import read_tables

#: Headings of an agenda item or a memo: parts of the document, not areas of the budget.
_DOCUMENT_SECTIONS = frozenset(
    "sagsfremstilling|sagsbeskrivelse|supplerende sagsfremstilling|sagens baggrund|baggrund|"
    "indstilling|beslutning|beslutningstema|udvalgets beslutning|resumé|resume|sammenfatning|"
    "bilag|lovgrundlag|høring|kommunikation|tidsplan|vurdering|administrationens vurdering|"
    "økonomiske konsekvenser|økonomi og finansiering|konklusion|anbefaling|indledning|"
    "politisk behandling|historik|forslag til beslutning|sagen i korte træk".split("|")
)


#: A short line that labels a budget amount: "Budget 2024: 54,3 mio. kr.", "Nettobudget: …".
_BUDGET_LABEL = re.compile(
    r"^(?:samlet\s+|samlede\s+)?(?:netto\w*|budget\w*|driftsbudget\w*|bevilling\w*|"
    r"(?:budget|drifts)ramme\w*)(?:\s+\d{4})?(?:\s*\([^()]*\))?\s*:\s*\S[^:]{0,40}$",
    re.IGNORECASE,
)


_DOCUMENT_TITLE = re.compile(r"budget|bemærkning|(?<!\d)(?:19|20)\d\d(?!\d)", re.IGNORECASE)


def heading_kind(lines: list[SourceLine], i: int) -> str | None:
    """What kind of heading line `i` is by its shape, or None: "bullet" ("• Økonomiudvalgets
    budget" over its paragraph), "markdown", "bold" (PDF), "numbered" or "plain" (a short line
    standing alone)."""
    line = lines[i]
    if line.blank:
        return None
    text = line.text.strip()
    before_blank = i == 0 or lines[i - 1].blank
    after = next((ln for ln in lines[i + 1 :] if not ln.blank), None)
    after_blank = i + 1 >= len(lines) or lines[i + 1].blank
    if text.startswith("#"):
        return "markdown" + str(len(text) - len(text.lstrip("#")))
    core = re.sub(rf"^[{re.escape('•●▪■►➢')}]\s*", "", text)
    words = core.split()
    if not words or len(words) > 14 or len(core) > 120 or section_heading(core) \
            or core.rstrip(":").casefold() in _DOCUMENT_SECTIONS:  # fmt: skip
        return None
    if re.search(r"[.,;:!?]$", core) and not re.search(r"\b(?:m\.v|m\.m|mv|mm|o\.l|mfl)\.$", core):
        return None
    if amount_spans(core):
        return None
    if core != text and before_blank and after is not None and (after_blank or
                                                                 bullet_kind(after.text)):
        return "bullet"
    if not before_blank:
        return None
    if line.bold:
        return "bold"
    if re.match(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+\S", core):
        return "numbered"
    if after_blank or after is None or _BUDGET_LABEL.match(after.text.strip()):
        return "plain"  # alone, or over its budget's label line ("Budget 2024: 54,3 mio. kr.")
    return None


def heading_title(text: str) -> str:
    core = re.sub(rf"^[#{re.escape('•●▪■►➢')}]+\s*", "", text.strip())
    return re.sub(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)", "", core).strip()



LAYOUT_HEADINGS = "headings, budget in a sentence under each"


@dataclass
class GeneralReading:
    """The areas the general reader found (beside the document's own text) and its notes."""

    headed: list[AreaSpan]  # areas with a heading and the text under it
    extra: list[AreaSpan]  # areas read from a table row or a sentence: their text is that
    whole: AmountSource | None  # the whole document's own budget, where a sentence names it
    whole_amount: int | None
    table_lines: set[int]
    notes: list[tuple[int, str]]
    totals: list[Reconciliation]
    layouts: list[str]


def read_document(lines: list[SourceLine], year: int, names: tuple[str, ...]) -> GeneralReading:
    """Areas and amounts by structure: table rows in the budget-year column, and budget
    sentences bound to the heading they stand under or to the area they name. `names` are
    what the document as a whole is called (its title, its committee)."""
    tables = read_tables(lines, year)
    table_lines = {k for t in tables for k in t.lines}
    notes = [n for t in tables for n in t.notes]
    totals = [
        Reconciliation(label, stated, summed, count, tolerance, source)
        for t in tables for label, stated, source, summed, count, tolerance in t.totals
    ]  # fmt: skip
    kinds = {i: k for i in range(len(lines)) if i not in table_lines
             and (k := heading_kind(lines, i))}  # fmt: skip
    by_heading: dict[int, list[Statement]] = {}
    loose: list[Statement] = []
    claimed: set[int] = set()  # headings with a budget sentence under them, read or not
    unheaded: list[Statement] = []  # "Udvalgets budget udgør …" under no heading
    inner: dict[tuple[str, int], list[Statement]] = {}  # under a paragraph's own title line
    first = next((i for i, ln in enumerate(lines) if not ln.blank), None)
    # the document's own title ("Budget 2024", "Budgetbemærkninger 2024"): "Det samlede
    # nettobudget udgør …" under it may be the whole municipality's, not an area's
    doc_title = first if first in kinds and _DOCUMENT_TITLE.search(lines[first].text) else None
    for p in paragraphs(lines, set(kinds), table_lines):
        found, why = sentence_statements(p.text, p.where, p.page, year, purposes=True)
        notes += why
        if why and p.heading is not None:
            claimed.add(p.heading)
        named = ""  # the last name a sentence of the paragraph gave its budget to
        own = _own_title(p)
        for s in found:
            title = heading_title(lines[p.heading].text) if p.heading is not None else ""
            if own is not None and not s.subject and not s.purpose and s.source.line != own[1]:
                # "Bibliotek" / "Nettobudgettet udgør …" under the committee's heading: the
                # budget of the title line it follows, never the heading's above it
                inner.setdefault(own, []).append(s)
                continue
            if s.purpose and (p.heading is None or p.heading == doc_title
                              or not same_name(s.purpose, title)):  # fmt: skip
                continue  # "… 2 mio. kr. til kontaktpersonordningen": a part of the area
            if p.heading is not None and p.heading == doc_title and not s.subject \
                    and not names_itself(s.clause):  # fmt: skip
                notes.append((s.source.line, "a budget amount under the document's title, not "
                              f"said to be an area's ({s.source.text!r}); not bound to any area"))
            elif p.heading is not None and (not s.subject or same_name(s.subject, title)):
                by_heading.setdefault(p.heading, []).append(s)
            elif s.subject:
                loose.append(s)
                named = s.subject
            elif named:  # "X har et budget på …, og det korrigerede budget udgør …": X's
                loose.append(replace(s, subject=named))
            elif names_itself(s.clause):
                unheaded.append(s)
            else:
                notes.append((s.source.line, "a budget amount under no area heading "
                              f"({s.source.text!r}); not bound to any area"))  # fmt: skip
    for t in tables:  # a breakdown's net row is the budget of the heading it stands under
        h = _heading_above(lines, kinds, min(t.lines)) if t.net is not None else None
        if t.net is not None and h is not None and h != doc_title:
            by_heading.setdefault(h, []).append(Statement(t.net[0], t.net[1], ""))
    bound: dict[int, Statement] = {}
    for h, found in by_heading.items():
        chosen, why = choose(found)
        if chosen is not None:
            bound[h] = chosen
        elif why:
            notes.append((lines[h].number, f"area {heading_title(lines[h].text)!r}: {why}"))
    claimed |= set(by_heading)
    area_kinds = {kinds[h] for h in bound}
    first = min(claimed & {h for h in kinds if kinds[h] in area_kinds}, default=0)
    # every heading of the areas' kind is an area, with or without a budget; but a plain
    # first line before them is the document's own title
    title = next((i for i, ln in enumerate(lines) if not ln.blank), None)
    title = title if title in kinds and kinds[title] in ("plain", "bold", "numbered") else None
    heads = [i for i in sorted(kinds) if kinds[i] in area_kinds and (i >= first or i != title)]
    starts: list[int] = []
    for i in heads:  # a title repeated under itself (link text) is not a new area
        title = heading_title(lines[i].text).casefold()
        if starts and title == heading_title(lines[starts[-1]].text).casefold():
            continue
        starts.append(i)
    headed: list[AreaSpan] = []
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = [SourceLine(ln.number, "", ln.page) if k in table_lines else ln
                for k, ln in enumerate(lines[i + 1 : end], start=i + 1)]  # fmt: skip
        s = bound.get(i)
        headed.append(AreaSpan(heading_title(lines[i].text), s.amount_kr if s else None,
                               lines[i].number, body, _notes(s), layout=LAYOUT_HEADINGS,
                               source=s.source if s else None))  # fmt: skip
    extra: list[AreaSpan] = []
    # under no heading in a document without area headings, "the area's own" budget is the
    # document's (an agenda item on one committee: "Udvalgets korrigerede budget udgør …")
    whole: list[Statement] = [] if headed else list(unheaded)
    for s in unheaded if headed else []:
        notes.append((s.source.line, "a budget amount under no area heading "
                      f"({s.source.text!r}); not bound to any area"))  # fmt: skip
    by_subject: dict[str, list[Statement]] = {}
    for s in loose:
        target = next((a for a in headed if same_name(s.subject, a.title)), None)
        if target is not None and target.amount_kr is None:
            headed[headed.index(target)] = _with(target, s)
        elif not headed and any(same_name(s.subject, n) for n in names):
            whole.append(s)
        elif target is None:
            key = next((k for k in by_subject if same_name(k, s.subject)), s.subject)
            by_subject.setdefault(key, []).append(s)
    for subject, found in by_subject.items():
        chosen, why = choose(found)
        first = found[0].source
        if why:
            notes.append((first.line, f"{subject!r}: {why}"))
        extra.append(_sentence_area(subject, chosen, first))
    for (title, _), found in inner.items():
        chosen, why = choose(found)
        if why:
            notes.append((found[0].source.line, f"{title!r}: {why}"))
        if not any(same_name(title, a.title) for a in headed + extra):
            extra.append(_sentence_area(title, chosen, found[0].source))
        elif chosen is not None:
            notes.append((chosen.source.line, f"a budget amount under the title line {title!r}, "
                          "a name that is another area's too; not bound to any area"))
    for t in tables:
        for title, amount, source in t.rows:
            target = next((a for a in headed if a.title.casefold() == title.casefold()), None)
            if target is not None and target.amount_kr is None and amount is not None:
                headed[headed.index(target)] = _with(target, Statement(amount, source, title))
            elif target is None:
                extra.append(_sentence_area(title, Statement(amount, source, title)
                                            if amount is not None else None, source,
                                            LAYOUT_TABLE_ROWS))  # fmt: skip
    chosen, why = choose(whole)
    if why:
        notes.append((whole[0].source.line, f"the document's own budget: {why}"))
    layouts = [LAYOUT_HEADINGS] if bound else []
    layouts += [LAYOUT_TABLE_ROWS] if any(t.rows for t in tables) else []
    layouts += [LAYOUT_SENTENCE] if by_subject or chosen else []
    return GeneralReading(headed, extra, chosen.source if chosen else None,
                          chosen.amount_kr if chosen else None, table_lines, notes, totals,
                          layouts)  # fmt: skip


#: Headings that name a table or figures ("Økonomi", "Budget 2025", "Nøgletal"), not an area.
_FIGURES_HEADING = re.compile(
    r"^(?:økonomi(?:sk\s+oversigt)?|budget\w*(?:\s+\d{4})?|nøgletal|bevilling\w*|oversigt|"
    r"regnskab\w*|tal|økonomiske\s+forhold)$",
    re.IGNORECASE,
)


#: A paragraph's first line that is its title, not its text: a capitalised name of at most six
#: words standing on its own line, no sentence ("Bibliotek", "Område 4 – Sundhed").
_TITLE_LINE = re.compile(r"^[A-ZÆØÅ][^.,;:!?()|]{0,60}$")


def _own_title(p: Paragraph) -> tuple[str, int] | None:
    """The title line a paragraph opens with and its line number, where the next line starts a
    new sentence ("Bibliotek" / "Nettobudgettet udgør …"; not a line broken mid-sentence in a
    PDF, "Området har i 2025 et" / "nettobudget på …"), or None."""
    if len(p.where) < 2:
        return None
    first = p.text[: p.where[1][0]].strip()
    rest = p.text[p.where[1][0] :].lstrip()
    if not _TITLE_LINE.match(first) or len(first.split()) > 6 or amount_spans(first) \
            or _FIGURES_HEADING.match(first) or first.casefold() in _DOCUMENT_SECTIONS \
            or not re.match(r"[A-ZÆØÅ]", rest) or bullet_kind(first) is not None \
            or ends_mid_sentence(first):  # fmt: skip
        return None
    return first, p.where[0][1]


def _heading_above(lines: list[SourceLine], kinds: dict[int, str], at: int) -> int | None:
    """The heading a table at line `at` stands under: the nearest above it, unless that one
    names figures rather than an area (then None: the table is not bound)."""
    h = max((i for i in kinds if i < at), default=None)
    if h is None or _FIGURES_HEADING.match(heading_title(lines[h].text).strip()):
        return None
    return h


def _with(span: AreaSpan, s: Statement) -> AreaSpan:
    return replace(span, amount_kr=s.amount_kr, source=s.source, notes=span.notes + _notes(s))
