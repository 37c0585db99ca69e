"""Parse a budget-remarks document into areas, sections and citable passages.

Reading the file (text or PDF) and repairing its damage is :mod:`index.documents.clean` (and
:mod:`index.documents.pdf`); finding the areas is :mod:`index.documents.areas`; cutting each area
into passages is :mod:`index.documents.chunk`. This module puts them together, with the limits
that protect the build.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

from index.config import MIB, CorpusLimits
from index.documents.amounts import YEARS, format_kr, read_statement, scan
from index.documents.area_table import find_area_table, table_areas
from index.documents.areas import (
    LAYOUT_SPLIT,
    blanked,
    distinct_titles,
    find_areas,
    join_split_statements,
    preamble_area,
    whole_document,
)
from index.documents.chunk import area_passages
from index.documents.clean import SourceLine, decode, text_lines
from index.documents.corrections import corrected_amounts, headed_spans
from index.documents.document import (
    AmountSource,
    Area,
    Document,
    DocumentError,
    DocumentMeta,
    Reconciliation,
)
from index.documents.names import same_name
from index.documents.spans import AreaSpan
from index.documents.statements import GeneralReading, read_document
from index.documents.tables import read_tables

SUPPORTED_SUFFIXES = (".txt", ".pdf")
#: Bump when parsing changes what a document gives: every document is then parsed again
#: (vectors of unchanged passages are still reused).
PARSER_VERSION = "9"
_LONG_WORD = re.compile(r"\w+")


def check_limits(lines: list[SourceLine], source: str, limits: CorpusLimits) -> list[str]:
    """Refuse a paragraph (a run of lines without a blank one) over the length limit, before
    any work that grows with it; warn about over-long "words" (indexed as they are)."""
    warnings = []
    size, first = 0, None
    for line in lines:
        if line.blank:
            size, first = 0, None
            continue
        if first is None:
            first = line.number
        size += len(line.text) + 1
        if size > limits.max_paragraph_chars:
            raise DocumentError(
                source,
                f"a paragraph of more than {limits.max_paragraph_chars:,} characters (the limit) "
                "starts here; is the file text at all? Break it up with blank lines",
                first,
            )
        if len(line.text) > limits.max_word_chars:
            longest = max((len(w) for w in _LONG_WORD.findall(line.text)), default=0)
            if longest > limits.max_word_chars:
                warnings.append(
                    f"{source}:{line.number}: a {longest:,}-character word (over "
                    f"{limits.max_word_chars}); indexed whole, not split into parts"
                )
    return warnings


def _merged(spans: list[AreaSpan], extra: list[AreaSpan]) -> list[AreaSpan]:
    """The areas of a layout and those read from sentences or rows: one named like an area
    without an amount gives it its amount ("Bibliotek" / "Nettobudgettet udgør 45,2 mio. kr."),
    not a second "Bibliotek (2)"."""
    out = list(spans)
    for e in extra:
        k = next((i for i, a in enumerate(out) if a.amount_kr is None
                  and a.title.casefold() == e.title.casefold()), None)  # fmt: skip
        if k is None:
            out.append(e)
        elif e.amount_kr is not None:
            out[k] = replace(out[k], amount_kr=e.amount_kr, source=e.source,
                             notes=out[k].notes + e.notes)  # fmt: skip
    return out


def parse_lines(
    lines: list[SourceLine],
    meta: DocumentMeta,
    checksum: str,
    source: str | None = None,
    limits: CorpusLimits | None = None,
) -> Document:
    """A Document from cleaned source lines; raises DocumentError when no area is found or
    a limit is broken. What the parser was unsure of is in Document.warnings, by line."""
    source = source or meta.path
    limits = limits or CorpusLimits()
    warnings = check_limits(lines, source, limits)
    joined = join_split_statements(lines)
    split_labels = joined != lines
    lines = joined
    spans, stray = find_areas(lines)
    spans = [_in_year(s, meta.year) for s in spans]
    spans, stray = _document_totals(spans, stray, meta)
    table, table_lines = find_area_table(lines)
    general: GeneralReading | None = None
    whole_doc = None
    # the titles gave only committees' totals, their areas' net-budget lines attached to no
    # title: the areas under their headings may be read as headings with amounts
    only_totals = _only_totals(spans, stray)
    # or net-budget lines were left with no title (a PDF's bold heading right over its text):
    # the headings' reading is taken where it gives more and keeps every amount read here
    partial = bool(stray) and any(s.amount_kr is not None for s in spans)
    if table and not any(s.amount_kr is not None for s in spans):
        spans, stray = table_areas(lines, table, table_lines), []
        header = lines[min(table_lines)]
        spans = [_in_year(a, meta.year, header) for a in spans]
        lines = [blanked(ln) if i in table_lines else ln for i, ln in enumerate(lines)]
    elif not any(s.amount_kr is not None for s in spans) or only_totals or partial:
        general = read_document(lines, meta.year, (meta.title, meta.committee))
        own = [ln if i not in general.table_lines else blanked(ln) for i, ln in enumerate(lines)]
        if any(a.amount_kr is not None for a in general.headed) and (
                not partial or only_totals or _more_and_same(general.headed, spans)):
            spans = sorted(general.headed + general.extra, key=lambda a: a.line)
            stray, lines = [], own
        elif only_totals or partial:
            general = None  # the titles as read
        elif general.extra or general.whole_amount is not None:
            lines = own
            if not spans:
                whole_doc = whole_document(lines, meta.title)
                if whole_doc is not None and general.whole is not None:
                    whole_doc = replace(whole_doc, amount_kr=general.whole_amount,
                                        source=general.whole, layout=general.layouts[-1])
            spans = sorted(_merged(spans, general.extra), key=lambda a: a.line)
    spans, parents = _committee_totals(spans)
    corrections: list[str] = []
    if meta.headings:
        heads, corrections = headed_spans(lines, meta, source)
        if heads:
            spans, stray, whole_doc = heads, [], None
    preamble = None
    if whole_doc is not None:
        spans, renamed = distinct_titles(spans, source)
        spans.insert(0, whole_doc)
        preamble = whole_doc if whole_doc.amount_kr is None else None
    elif spans:
        spans, renamed = distinct_titles(spans, source)
        preamble = preamble_area(lines, spans[0].line)
        if preamble is not None:
            spans.insert(0, preamble)
    else:
        whole = whole_document(lines, meta.title)
        if whole is None:
            raise DocumentError(source, "no text to index")
        spans, preamble = [whole], whole
        renamed = [
            f"{source}:{whole.line}: no recognisable areas (a title line followed by a net "
            "budget line such as 'Samlet nettobudget for området: ... kr.', a 'Budgetgrundlag' "
            "heading, a table of areas or a sentence stating an area's net budget); indexed as "
            f"one area {whole.title!r} so that its text is searchable"
        ]
    if meta.amounts:
        at = spans.index(preamble) if preamble is not None else None
        spans, more = corrected_amounts(spans, meta, source)
        corrections += more
        if at is not None:
            preamble = spans[at] if spans[at].amount_kr is None else None
    totals = (list(general.totals) if general else []) + parents
    cross: list[tuple[int, str]] = []
    if general is None and any(s.amount_kr is not None for s in spans):
        more_totals, cross = _cross_check(lines, spans, meta.year)
        totals += more_totals
    parent_lines = {r.source.line for r in parents}  # a committee's total, reconciled above
    stray = [(n, note) for n, note in stray if n not in parent_lines]
    stray, stated = _stated_totals(stray, lines, spans, preamble)
    totals += stated
    notes_totals = [(t.source.line, f"total {t.label!r} ({format_kr(t.stated_kr)}): "
                     f"{t.verdict()}") for t in totals if not t.agrees]  # fmt: skip
    notes: list[tuple[int, str]] = list(stray) + (general.notes if general else []) + notes_totals
    notes += cross
    areas, seen, ordinal = [], {}, 0
    for span in spans:
        notes += span.notes
        if span.amount_kr is None and span is not preamble:
            notes.append((span.line, f"area {span.title!r} states no net budget"))
        passages = area_passages(meta, span, ordinal, seen)
        # amounts in the text read with doubt, or not read at all
        notes += [(ln.number, d) for ln in span.body if not ln.blank for d in scan(ln.text)[1]]
        if not passages:
            notes.append((span.line, f"area {span.title!r} has no text"))
        ordinal += len(passages)
        areas.append(Area(span.title, span.amount_kr, span.line, tuple(passages), span.source))
    warnings += renamed + corrections + [f"{source}:{n}: {note}" for n, note in sorted(notes)]
    layouts = list(dict.fromkeys(s.layout for s in spans if s.layout))
    if split_labels:
        layouts.append(LAYOUT_SPLIT)
    return Document(meta, tuple(areas), checksum, tuple(warnings), "; ".join(layouts),
                    tuple(totals))  # fmt: skip




def _in_year(span: AreaSpan, year: int, header: SourceLine | None = None) -> AreaSpan:
    """A net-budget line (or an area table's `header`) that names only other years ("I 2025
    er nettobudgettet …" in a 2024 document) gives no amount for this one: None, with a note."""
    if span.source is None:
        return span
    said = header.text if header is not None else span.source.text.split(":")[0]
    years = {int(y) for y in YEARS.findall(said)}
    if not years or year in years:
        return span
    note = (f"budget amount for {'/'.join(map(str, sorted(years)))}, not the document's year "
            f"{year}: {span.source.text!r}; not read")
    return replace(span, amount_kr=None, source=None,
                   notes=span.notes + ((span.source.line, note),))


def _document_totals(spans: list[AreaSpan], stray: list[tuple[int, str]], meta: DocumentMeta
                     ) -> tuple[list[AreaSpan], list[tuple[int, str]]]:  # fmt: skip
    """The document's own total written as a title and its net-budget line ("Bemærkninger -
    Økonomiudvalget" / "Samlet nettobudget for udvalget: …") above its areas' is no area: a
    total to reconcile with them (never added to them). Alone, it is the document's area."""
    keep = []
    for span in spans:
        label = span.source.text.split(":")[0] if span.source else ""
        others = any(s.amount_kr is not None for s in spans if s is not span)
        if span.source and others and _TOTAL_LABEL.search(label) and any(
                same_name(span.title, name) for name in (meta.title, meta.committee)):  # fmt: skip
            stray.append((span.source.line, "the document's total"))
        else:
            keep.append(span)
    return keep, stray


def _more_and_same(headed: list[AreaSpan], spans: list[AreaSpan]) -> bool:
    """Whether the headings' reading gives more amounts than the titles', and every amount
    the titles gave, under the same title."""
    mine = {(s.title.casefold(), s.amount_kr) for s in spans if s.amount_kr is not None}
    theirs = {(s.title.casefold(), s.amount_kr) for s in headed if s.amount_kr is not None}
    return len(theirs) > len(mine) and mine <= theirs


def _only_totals(spans: list[AreaSpan], stray: list[tuple[int, str]]) -> bool:
    """Whether every amount the titles gave is labelled as a committee's total ("Samlet
    nettobudget for udvalget: …") while other net-budget lines were attached to no title."""
    amounts = [s for s in spans if s.amount_kr is not None]
    return bool(amounts and stray) and all(_total_line(s) for s in amounts)


def _total_line(span: AreaSpan) -> bool:
    """A net-budget line labelled as a committee's or a sum ("… for udvalget: …"); not a table
    row or a sentence that names a committee as its area ("Økonomiudvalget | 185,3")."""
    if span.source is None or ":" not in span.source.text:
        return False
    label = span.source.text.split(":")[0]
    return not same_name(label.strip(), span.title) and span.title.casefold() not in \
        label.casefold() and bool(_TOTAL_LABEL.search(label))  # fmt: skip


def _committee_totals(spans: list[AreaSpan]) -> tuple[list[AreaSpan], list[Reconciliation]]:
    """A committee's total over its areas, in a document of two levels ("Børne- og
    Ungeudvalget" / "Samlet nettobudget for udvalget: 911.350.300 kr." above "Dagtilbud" /
    "Samlet nettobudget for området: …" and the committee's other areas): a total to reconcile
    with the areas below it, up to the next committee, never an area's amount beside theirs
    (every sum would count it twice). The committee stays an area for its text, with no amount.
    Committees listed side by side, each with its total and no areas under it, are areas."""
    out, parents = list(spans), []
    for n, span in enumerate(spans):
        if span.amount_kr is None or not _total_line(span):
            continue
        end = next((k for k in range(n + 1, len(spans)) if _total_line(spans[k])), len(spans))
        under = spans[n + 1 : end]
        known = [s.amount_kr for s in under if s.amount_kr is not None]
        if not known:
            continue
        assert span.source is not None
        label = span.source.text.split(":")[0].strip()
        parents.append(Reconciliation(label, span.amount_kr, sum(known), len(known), 0,
                                      span.source, missing=len(under) - len(known)))  # fmt: skip
        note = (span.source.line, f"{label!r} of {span.title!r} is the total of the "
                f"{len(under)} areas under it, not an area's amount")  # fmt: skip
        out[n] = replace(span, amount_kr=None, source=None, notes=span.notes + (note,))
    return out, parents


def _cross_check(lines: list[SourceLine], spans: list[AreaSpan], year: int
                 ) -> tuple[list[Reconciliation], list[tuple[int, str]]]:  # fmt: skip
    """A document whose areas state their amounts and that also has a table of them (a
    "Bevillingsoversigt"): the table's totals are reconciled, and a row that gives an area
    another amount than its own net-budget line is a warning naming both lines."""
    totals, notes = [], []
    by_title = {s.title.casefold(): s for s in spans if s.amount_kr is not None}
    for table in read_tables(lines, year):
        totals += [Reconciliation(label, stated, summed, count, tolerance, source)
                   for label, stated, source, summed, count, tolerance in table.totals]  # fmt: skip
        for title, amount, source in table.rows:
            span = by_title.get(title.casefold())
            if span is None or amount is None or span.source is None:
                continue
            if abs(amount - span.amount_kr) > _rounding_of(amount):
                notes.append((source.line, f"area {span.title!r}: the table says "
                              f"{format_kr(amount)} here, its net-budget line (line "
                              f"{span.source.line}) {format_kr(span.amount_kr)}"))
    return totals, notes


def _rounding_of(amount: int) -> int:
    """Half the last written digit of a table's figure, seen from its trailing zeros ("50,2"
    in mio. kr. is 50.200.000: it may differ from an exact amount by 50.000), at most 500.000."""
    step = 1
    while step < 1_000_000 and amount and amount % (step * 10) == 0:
        step *= 10
    return step // 2


#: A net-budget line for more than one area: the committee's, or a sum ("i alt").
_TOTAL_LABEL = re.compile(r"udvalg|\bi\s+alt\b|\btotal|hele\s+kommunen|samlede?\s+drift",
                          re.IGNORECASE)  # fmt: skip


def _stated_totals(stray: list[tuple[int, str]], lines: list[SourceLine], spans: list,
                   preamble) -> tuple[list[tuple[int, str]], list[Reconciliation]]:  # fmt: skip
    """Net-budget lines that belong to no area but name a total ("Samlet nettobudget for
    udvalget: 460.443.800 kr."): reconciled against the sum of the document's areas."""
    areas = [s for s in spans if s is not preamble]
    known = [s.amount_kr for s in areas if s.amount_kr is not None]
    keep, totals = [], []
    by_number = {ln.number: ln for ln in lines}
    for number, note in stray:
        line = by_number[number]
        text, page = line.text.strip(), line.page
        reading = read_statement(text)
        amount = reading.amount if reading else None
        if amount is not None and areas and _TOTAL_LABEL.search(text.split(":")[0]):
            totals.append(Reconciliation(text.split(":")[0].strip(), amount, sum(known),
                                         len(known), 0, AmountSource(text, number, page),
                                         missing=len(areas) - len(known)))  # fmt: skip
        else:
            keep.append((number, note))
    return keep, totals


def parse_file(path: Path, meta: DocumentMeta, limits: CorpusLimits | None = None) -> Document:
    """Parse a .txt (UTF-8, optional BOM, LF or CRLF) or .pdf budget-remarks file.

    Raises DocumentError naming the file for anything that cannot be parsed, or that breaks
    one of `limits` (size, inflated size, paragraph length). The time limit is enforced by the
    caller: corpus.load_corpus parses each file in a worker process it can stop.
    """
    path = Path(path)
    limits = limits or CorpusLimits()
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            source, f"unsupported extension {path.suffix or '(none)'!r} (expected .txt or .pdf)"
        )
    try:
        with path.open("rb") as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise DocumentError(source, f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > limits.max_file_bytes:
        raise DocumentError(
            source, f"file is over the {limits.max_file_bytes / MIB:g} MB limit "
            "(BUDGET_SEARCH_MAX_FILE_MB)",
        )  # fmt: skip
    checksum = hashlib.sha256(data).hexdigest()
    if suffix == ".pdf":
        from index.documents.pdf import read_pdf  # pdfplumber is slow to import; only for PDFs

        pdf = read_pdf(path, data, limits)
        doc = parse_lines(pdf.lines, meta, checksum, source, limits)
        return replace(doc, warnings=pdf.warnings + doc.warnings)  # scanned pages, OCR
    return parse_lines(text_lines(decode(data, source)), meta, checksum, source, limits)
