"""Budget sentences: which amounts a paragraph states as somebody's (net) budget, and whose.

"Økonomiudvalget har i 2018 et nettobudget på 595 mio. kr.": a cue ("nettobudget", "budget i
alt", "budgettet for X udgør") right before the amount, no word of a change, a deviation or
another year in the clause, and a subject (:mod:`index.documents.names`). Amounts "til" a
purpose, per inhabitant or for the municipality as a whole are nobody's area budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.documents.amounts import MAX_KR, YEARS, amount_spans, format_kr
from index.documents.clean import SourceLine, bullet_kind, join_lines
from index.documents.document import AmountSource
from index.documents.names import subject_of
from index.documents.spans import AreaSpan

LAYOUT_SENTENCE = "budget in a sentence naming its area"
LAYOUT_TABLE_ROWS = "table of areas, budget-year column"

#: Words that make a clause a (net) budget statement when they stand just before its amount.
_CUE = re.compile(
    r"(?:(?:netto|samlede?\s+|driftsbudget)\w*"  # nettobudget, nettodriftsudgifter, samlet budget
    r"|budget\w*\s+i\s+alt|(?:budget|drifts|udgifts)ramme(?:n)?|budget(?:tet)?|bevilling(?:en)?)"
    # whose, named after it: "Budgettet for Ældreområdet udgør …"
    r"(?:\s+(?:for|til)\s+[^\W\d_][\w-]*(?:\s+(?:og|&)\s+[\w-]+)?"
    r"(?=\s+(?:udgør|udgjorde|er|var|lyder)\b))?",
    re.IGNORECASE,
)
#: What may stand between the cue and the amount: "på", "udgør", "i 2024", "i alt", ":".
_BRIDGE = re.compile(
    r"^(?:\s|[:=,]|\b(?:for|i|år|alt|udgør|udgjorde|er|var|på|af|samlet|netto|ca\.|cirka|"
    r"omkring|kr\.?|\d{4}|budget\w*|drift\w*|udgifter|området|udvalget|\w+udvalget|"
    r"et|en|beløb(?:et)?|til|lyder|ligger)\b)*$",
    re.IGNORECASE,
)
#: A clause with one of these is about a change, a deviation or another figure, not a budget.
_NOT_BUDGET = re.compile(
    r"forbrug|afvig|regnskab|overslag|reduk|besparel|effektivis|stig|\bfald|tilfør|heraf|"
    r"ekstra|yderligere|merudgift|mindreudgift|tillæg|overfør|brutto|ændr|udvid|løft|pulje|"
    r"reserve|takst|afsat|forventet|prognose|skøn|tidligere|sidste\s+år|underskud|overskud|"
    r"likvid|kassebeholdning|lån|anlæg|gæld|pr\.\s+(?:borger|indbygger|elev)|procent|%|"
    r"øges|øget|nedsat|sænke|hæve|forhøj|mindre|mere\s+end|end\s+i|andel|svarende|"
    r"tilskud|indtægt|finansier|opspar|gevinst|investering",
    re.IGNORECASE,
)
#: Korrigeret (adjusted) budget: a budget, but second to the original one when both are given.
_ADJUSTED = re.compile(r"korriger", re.IGNORECASE)
_YEAR_AFTER = re.compile(r"^\s*(?:i|for|in)\s+(?:år\s+)?((?:19|20)\d\d)(?![\d-])")
#: After an amount, a purpose ("... 2 mio. kr. til kontaktpersonordningen"): a part, not the
#: area's budget.
_PURPOSE_AFTER = re.compile(
    r"^\s*(?:årligt|om\s+året|til|for|vedr|vedrørende|under|inden\s+for|i\s+forbindelse|"
    r"heraf|hvoraf|mere|mindre|svarende|pr\.|per|end|"
    # a difference or a gross figure: "3,1 mio. kr. lavere end i 2023", "45 mio. kr. brutto"
    r"lavere|højere|større|færre|billigere|dyrere|brutto|i\s+forhold\s+til|ift|sammenlignet)\b",
    re.IGNORECASE,
)
#: After an amount, whom it is for, named and nothing more ("… en nettoudgift på 145,2 mio. kr.
#: til førtidspension."): that area's budget, but only under its own heading.
_FOR_NAMED = re.compile(r"^\s*til\s+(?P<name>[^\W\d_][\w-]*(?:\s+(?:og\s+)?[^\W\d_][\w-]*){0,3})"
                        r"\s*[.!?]?\s*$", re.IGNORECASE)  # fmt: skip
#: A budget changed by one amount to another ("… er i 2025 reduceret med 3,4 mio. kr. til i
#: alt 45,1 mio. kr."): the second is the budget, the first the change (never read).
_CHANGED_BY = re.compile(
    r"\s*\b(?:reduceret|nedjusteret|opjusteret|forhøjet|øget|hævet|sænket|nedsat|justeret|"
    r"ændret)\s+med\s*$",
    re.IGNORECASE,
)
_CHANGED_TO = re.compile(r"^\s*til\s+i\s+alt\s+$", re.IGNORECASE)  # "til 14,6": not said a total
#: Sentence starts: after . ! ? ; (not after an abbreviation such as "mio." or "kr.").
_SENTENCE_BREAK = re.compile(
    r"(?<!\bmio)(?<!\bmia)(?<!\bca)(?<!\bbl\.a)(?<!\bf\.eks)(?<!\bjf)(?<!\bvedr)"
    r"(?<!\bnr)(?<!\bm\.v)(?<!\bm\.m)(?<!\bmv)(?<!\bt)(?<!\d)[.!?;]\s+(?=[A-ZÆØÅ\d])"
    r"|(?<![\d.])(?:19|20)\d\d\.\s+(?=[A-ZÆØÅ])"  # "… i 2024. Området …" (not "12. oktober")
)


@dataclass(frozen=True)
class Statement:
    """An amount read as somebody's net budget, and from where."""

    amount_kr: int
    source: AmountSource
    subject: str | None  # whose, as the sentence names it; None: the area it stands under
    adjusted: bool = False  # a korrigeret budget
    notes: tuple[str, ...] = ()
    years: tuple[int, ...] = ()  # the years its clause names ("I 2024 har …")
    clause: str = ""  # the words before the amount that make it a budget and say whose
    purpose: str = ""  # "… til førtidspension": whom for; its budget only under that heading


def _changed_to(text: str, sentence_start: int, previous: tuple[int, int] | None,
                start: int) -> str | None:
    """The clause that makes an amount the budget a change led to ("Jobcentrets budget er i
    2025 reduceret med 3,4 mio. kr. til i alt 45,1 mio. kr." → "Jobcentrets budget er i 2025
    "), or None where the amount does not close that shape in its sentence."""
    if previous is None or previous[0] < sentence_start:
        return None
    if not _CHANGED_TO.match(text[previous[1] : start]):
        return None
    before = text[sentence_start : previous[0]]
    m = _CHANGED_BY.search(before)
    return before[: m.start()] + " " if m else None


def sentence_statements(
    text: str, where: list[tuple[int, int]], page: int | None, year: int | None,
    purposes: bool = False,
) -> tuple[list[Statement], list[tuple[int, str]]]:
    """The budget statements in a paragraph's text (`where`: offset → source line); notes for
    amounts that look like a budget but are not read (another year, several readings). With
    `year` None (not known), statements of every year are read, each with the years it names.
    `purposes`: an amount "til X" (a name alone) is read too, as X's (Statement.purpose), for
    a reader that binds it only under X's own heading."""
    out: list[Statement] = []
    notes: list[tuple[int, str]] = []
    breaks = [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]

    def line_at(offset: int) -> int:
        found = where[0][1]
        for start, number in where:
            if start <= offset:
                found = number
        return found

    previous: tuple[int, int] | None = None
    for start, end, value, amount_notes in amount_spans(text):
        sentence_start = max(b for b in breaks if b <= start)
        changed = _changed_to(text, sentence_start, previous, start)
        clause = changed if changed is not None else \
            text[max(sentence_start, previous[1] if previous else 0) : start]  # fmt: skip
        previous = (start, end)
        cue = None
        for m in _CUE.finditer(clause):
            if _BRIDGE.match(clause[m.end() :]):
                cue = m
                break
        if cue is None:
            continue
        sentence_end = min((b for b in breaks if b > start), default=len(text))
        line = line_at(start)
        purpose = _FOR_NAMED.match(text[end:sentence_end]) if purposes else None
        if _NOT_BUDGET.search(clause) or (
                _PURPOSE_AFTER.match(text[end:sentence_end]) and purpose is None):  # fmt: skip
            continue
        years = {int(y) for y in YEARS.findall(clause)}
        after = _YEAR_AFTER.match(text[end:])  # "… 595 mio. kr. i 2018"
        years |= {int(after.group(1))} if after else set()
        if changed is not None and year is not None and years - {year}:
            continue  # "… reduceret med 3 mio. kr. i 2025 til 45 mio. kr. i 2026": not read
        if years and year is not None and year not in years:
            notes.append((line, f"budget amount for {'/'.join(map(str, sorted(years)))}, not the "
                          f"document's year {year}: {text[sentence_start:sentence_end].strip()!r}"
                          "; not read"))  # fmt: skip
            continue
        if abs(value) >= MAX_KR:
            continue
        whose = subject_of(clause)
        if whose is None or (purpose is not None and whose):
            continue  # a name before the amount and another after it: not guessed between
        source = AmountSource(text[sentence_start:sentence_end].strip(), line, page)
        out.append(Statement(value, source, whose or "", bool(_ADJUSTED.search(clause)),
                             tuple(amount_notes), tuple(sorted(years)), clause,
                             purpose.group("name") if purpose else ""))  # fmt: skip
    return out, notes


def choose(statements: list[Statement]) -> tuple[Statement | None, str | None]:
    """The one budget among an area's statements, or None and why: an original budget before
    an adjusted one; several different amounts are not guessed between."""
    if not statements:
        return None, None
    original = [s for s in statements if not s.adjusted] or statements
    amounts = list(dict.fromkeys(s.amount_kr for s in original))
    if len(amounts) == 1:
        return original[0], None
    listed = ", ".join(format_kr(a) for a in amounts)
    return None, f"several budget amounts ({listed}); none taken"



@dataclass
class Paragraph:
    text: str
    where: list[tuple[int, int]]  # (offset in text, source line)
    page: int | None
    heading: int | None  # index (in the lines) of the heading it stands under


def paragraphs(lines: list[SourceLine], headings: set[int], skip: set[int]) -> list[Paragraph]:
    """The text between headings, as paragraphs joined across their lines."""
    out: list[Paragraph] = []
    current: Paragraph | None = None
    under: int | None = None
    for i, line in enumerate(lines):
        if i in headings:
            under, current = i, None
            continue
        if line.blank or i in skip:
            current = None
            continue
        text = line.text.strip()
        if current is None or bullet_kind(line.text) is not None:
            current = Paragraph("", [], line.page, under)
            out.append(current)
        current.where.append((len(current.text) + (1 if current.text else 0), line.number))
        current.text = join_lines(current.text, text) if current.text else text
    return out



def _notes(s: Statement | None) -> tuple[tuple[int, str], ...]:
    return tuple((s.source.line, n) for n in s.notes) if s else ()


def _sentence_area(title: str, s: Statement | None, where: AmountSource,
                   layout: str = LAYOUT_SENTENCE) -> AreaSpan:  # fmt: skip
    """An area known from one sentence or table row: its text is what was read (a row's, as
    its name and the amount read, not every column's figure)."""
    row = layout == LAYOUT_TABLE_ROWS or where.text.count("|")
    text = f"{title}: {format_kr(s.amount_kr)}" if s is not None and row else where.text
    body = [SourceLine(where.line, text, where.page)]
    return AreaSpan(title, s.amount_kr if s else None, where.line, body, _notes(s),
                    layout=layout, source=s.source if s else None)  # fmt: skip
