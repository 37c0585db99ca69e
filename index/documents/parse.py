"""Parse a budget-remarks document into areas, sections and citable passages.

Reading the file (text or PDF) and repairing its damage is :mod:`index.documents.clean` (and
:mod:`index.documents.pdf`); finding the areas is :mod:`index.documents.areas`; cutting each area
into passages is :mod:`index.documents.chunk`. This module puts them together, with the limits
that protect the build.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from index.config import MIB, CorpusLimits
from index.documents.amounts import scan
from index.documents.areas import (
    LAYOUT_SPLIT,
    blanked,
    distinct_titles,
    find_area_table,
    find_areas,
    join_split_statements,
    preamble_area,
    table_areas,
    whole_document,
)
from index.documents.chunk import area_passages
from index.documents.clean import SourceLine, decode, text_lines
from index.documents.document import Area, Document, DocumentError, DocumentMeta

SUPPORTED_SUFFIXES = (".txt", ".pdf")
#: Bump when parsing changes what a document gives: every document is then parsed again
#: (vectors of unchanged passages are still reused).
PARSER_VERSION = "2"
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
    table, table_lines = find_area_table(lines)
    if table and not any(s.amount_kr is not None for s in spans):
        spans, stray = table_areas(lines, table, table_lines), []
        lines = [blanked(ln) if i in table_lines else ln for i, ln in enumerate(lines)]
    preamble = None
    if spans:
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
            "budget line such as 'Samlet nettobudget for området: ... kr.' or by a "
            f"'Budgetgrundlag' heading); indexed as one area {whole.title!r} so that its text "
            "is searchable"
        ]
    notes: list[tuple[int, str]] = list(stray)
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
        areas.append(Area(span.title, span.amount_kr, span.line, tuple(passages)))
    warnings += renamed + [f"{source}:{n}: {note}" for n, note in sorted(notes)]
    layouts = list(dict.fromkeys(s.layout for s in spans if s.layout))
    if split_labels:
        layouts.append(LAYOUT_SPLIT)
    return Document(meta, tuple(areas), checksum, tuple(warnings), "; ".join(layouts))


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
        from index.documents.pdf import pdf_lines  # pdfplumber is slow to import; only for PDFs

        lines = pdf_lines(path, data, limits)
    else:
        lines = text_lines(decode(data, source))
    return parse_lines(lines, meta, checksum, source, limits)
