"""Parse a budget-remarks document into areas, sections and citable passages.

Structure: a document lists areas; an area is a title line followed (after blank lines) by its
net-budget statement ("Samlet nettobudget for området: 50.190.100 kr."), or — when a
municipality gives no amount — by a "Budgetgrundlag" heading. Titles are not matched by name:
the same words can also appear as a lead-in inside an area ("Digitalisering og IT").
Inside an area, SECTION_HEADINGS open sections and short stand-alone lines open sub-sections.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from index.amounts import Reading, declared_unit, find_amounts, parse_number, read_statement, scan
from index.clean import (
    Block,
    SourceLine,
    build_blocks,
    decode,
    looks_like_title,
    section_heading,
    text_lines,
)
from index.config import MIB, CorpusLimits
from index.document import SECTION_HEADINGS, Area, Document, DocumentError, DocumentMeta, Passage

SUPPORTED_SUFFIXES = (".txt", ".pdf")
#: Bump when parsing changes what a document gives: every document is then parsed again
#: (vectors of unchanged passages are still reused).
PARSER_VERSION = "2"
#: Section for text before an area's first heading: areas open with their budget basis, and
#: the areas that omit the heading (e.g. "Demografipulje - Ældreområdet") state just that.
DEFAULT_SECTION = SECTION_HEADINGS[0]
MIN_WORDS = 40  # shorter paragraphs are merged with a neighbour in the same (sub)section
MAX_WORDS = 200  # longer ones are split at sentence (or list item) boundaries
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
    r"(?:,\d+)?|[-−]?\s?\d+(?:,\d+)?)\s*$"
)
_TABLE_HEAD = re.compile(r"(?:bevillings)?område|budget", re.IGNORECASE)
_TABLE_TOTAL = re.compile(r"^(?:i\s+alt|total|sum|samlet)\b", re.IGNORECASE)
MIN_TABLE_ROWS = 2
#: Text before the first area (an introduction) is kept, as an area and section of this name.
PREAMBLE = "Indledning"
#: Lines looked back from a net-budget line for its title, across one or more paragraphs.
TITLE_LOOKBACK = 40
_LONG_WORD = re.compile(r"\w+")

_AMOUNT_STATEMENT = re.compile(
    r"\bnetto\w*|\bsamle[dt]e?\s+(?:netto)?budget|\bbudget\w*\s+i\s+alt", re.IGNORECASE
)
#: "1. ", "3.2 ": the numbering of a numbered heading.
_NUMBERING = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"”(]?[A-ZÆØÅ0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:f\.eks|bl\.a|m\.fl|m\.v|mv|jf|ca|kr|mio|mia|nr|pkt|inkl|ekskl|evt|dvs|osv|"
    r"o\.lign|lign|t|tlf|vedr|mht|iht|pga|ift)\.|\b[A-ZÆØÅ]\.)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _AreaSpan:
    title: str
    amount_kr: int | None
    line: int
    body: list[SourceLine]
    notes: tuple[tuple[int, str], ...] = ()  # (line, what was unsure about the amount)
    section: str = DEFAULT_SECTION  # the section of text before the area's first heading
    layout: str = ""  # how the area was recognised, for the per-document report


@dataclass(frozen=True)
class _Atom:
    """The smallest piece a passage is built from: a sentence run or a whole list item."""

    kind: str  # "text", "bullet" or "subbullet"
    text: str
    first: int
    last: int
    page: int | None
    block: int  # index of the block it came from: sentences of one block join with a space
    origin: Block | None = None  # the whole block, while the atom is one

    @property
    def words(self) -> int:
        return len(self.text.split())


@functools.lru_cache(maxsize=65_536)  # asked of each line several times while finding areas
def is_amount_statement(text: str) -> bool:
    """A short line stating an area's net budget (several municipal wordings)."""
    return (
        bool(_AMOUNT_STATEMENT.search(text))
        and len(text.split()) <= 20
        and (read_statement(text) is not None)
    )


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


def _title_candidate(lines: list[SourceLine], i: int) -> bool:
    line = lines[i]
    return (
        not line.blank
        and _stands_alone(lines, i)
        # a title may start with a formula character ("=Formel"): its own area, not merged into
        # the one before (the CSV export quotes it)
        and looks_like_title(title_text(line.text).lstrip("=+@").strip(), max_words=10)
        and section_heading(line.text) is None
        and not is_amount_statement(line.text)
    )


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


def _blanked(line: SourceLine) -> SourceLine:
    return SourceLine(line.number, "", line.page)


def find_areas(lines: list[SourceLine]) -> tuple[list[_AreaSpan], list[tuple[int, str]]]:
    """The areas of a document, in order, each with the lines of its body; and notes for net
    budget lines that belong to no area (their amount is then counted nowhere)."""
    # (title index, body start index, statement index or None, reading, layout)
    starts: list[tuple[int, int, int | None, Reading | None, str]] = []
    for i in range(len(lines)):
        if not _title_candidate(lines, i):
            continue
        j = _next_text(lines, i)
        if j is None:
            break
        if is_amount_statement(lines[j].text):
            starts.append((i, j + 1, j, read_statement(lines[j].text), LAYOUT_STATEMENT))
        elif section_heading(lines[j].text) == SECTION_HEADINGS[0]:
            starts.append((i, j, None, None, LAYOUT_HEADING))
    # Title, then a paragraph, then the net-budget line: the line is the area's, not a stray
    # line in the area before it.
    used = {s[2] for s in starts}
    titles = {s[0] for s in starts}
    for j, line in enumerate(lines):
        if line.blank or j in used or not is_amount_statement(line.text):
            continue
        floor = max((t for t in titles if t < j), default=-1)
        t = _title_above(lines, j, floor)
        if t is not None and t not in titles:
            starts.append((t, t + 1, j, read_statement(line.text), LAYOUT_PARAGRAPH))
            titles.add(t)
            used.add(j)
    starts.sort(key=lambda s: s[0])
    stray = [
        (ln.number, f"net budget line not attached to any area ({ln.text.strip()!r}); "
         "its amount is not counted")
        for j, ln in enumerate(lines)
        if not ln.blank and j not in used and is_amount_statement(ln.text)
        and _AMOUNT_STATEMENT.search(" ".join(ln.text.split()[:3]))  # a label, not prose
        and (":" in ln.text or _stands_alone(lines, j))
    ]  # fmt: skip
    areas = []
    for n, (title_at, body_at, statement_at, reading, layout) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = list(lines[body_at:end])
        if statement_at is not None and statement_at >= body_at:
            body[statement_at - body_at] = _blanked(lines[statement_at])
        title_line = lines[title_at]
        notes = tuple(
            (lines[statement_at].number, note)
            for note in (reading.notes if reading else ())
            if statement_at is not None
        )
        areas.append(
            _AreaSpan(
                title_text(title_line.text),
                reading.amount if reading else None,
                title_line.number,
                body,
                notes,
                layout=layout,
            )
        )
    return areas, stray


def _word_runs(text: str, limit: int) -> list[str]:
    """A "sentence" of more than `limit` words (no full stop in pages of text) cut into runs
    of `limit` words, so that no passage grows without bound."""
    words = list(re.finditer(r"\S+", text))
    if len(words) <= limit:
        return [text]
    cuts = [words[i].start() for i in range(0, len(words), limit)] + [len(text)]
    return [text[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]


def _sentences(block: Block, index: int) -> list[_Atom]:
    """Split a paragraph at sentence ends, each sentence citing its own source lines."""
    parts: list[str] = []
    for piece in _SENTENCE_SPLIT.split(block.text):
        if parts and _ABBREVIATION.search(parts[-1]):
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    parts = [piece for part in parts for piece in _word_runs(part, MAX_WORDS)]
    atoms, offset = [], 0
    for part in parts:
        offset = block.text.find(part, offset)
        first, last = block.line_at(offset), block.line_at(offset + len(part) - 1)
        atoms.append(_Atom("text", part, first, last, block.page, index))
        offset += len(part)
    return atoms


def _pack(atoms: list[_Atom], limit: int) -> list[list[_Atom]]:
    """Split atoms into about equal consecutive runs of at most `limit` words where possible."""
    total = sum(a.words for a in atoms)
    target = total / math.ceil(total / limit)
    runs: list[list[_Atom]] = [[]]
    words = 0
    for atom in atoms:
        if runs[-1] and (words + atom.words > limit or words >= target):
            runs.append([])
            words = 0
        runs[-1].append(atom)
        words += atom.words
    return [r for r in runs if r]


def _units(blocks: list[tuple[int, Block]]) -> list[list[_Atom]]:
    """Paragraph-sized units: a paragraph with the list that follows it, or a lone list."""
    units: list[list[_Atom]] = []
    for index, block in blocks:
        atom = _Atom(block.kind, block.text, block.first, block.last, block.page, index, block)
        if block.kind != "text" and units:
            units[-1].append(atom)
        else:
            units.append([atom])
    return units


def _chunk(blocks: list[tuple[int, Block]]) -> list[list[_Atom]]:
    """Passages for one (sub)section: split long units, merge short ones with neighbours."""
    pieces: list[list[_Atom]] = []
    for unit in _units(blocks):
        if sum(a.words for a in unit) <= MAX_WORDS:
            pieces.append(unit)
            continue
        atoms = [
            s
            for a in unit
            for s in (_sentences(a.origin, a.block) if a.kind == "text" and a.origin else [a])
        ]
        pieces.extend(_pack(atoms, MAX_WORDS))
    merged: list[list[_Atom]] = []
    for piece in pieces:
        size = sum(a.words for a in piece)
        if (
            merged
            and (sum(a.words for a in merged[-1]) < MIN_WORDS or size < MIN_WORDS)
            and sum(a.words for a in merged[-1]) + size <= MAX_WORDS
        ):
            merged[-1] = merged[-1] + piece
        else:
            merged.append(piece)
    return merged


def render(atoms: Iterable[_Atom]) -> str:
    """Passage text: paragraphs apart by a blank line, list items as "• item" / "  ◦ item"."""
    out: list[str] = []
    previous: _Atom | None = None
    for atom in atoms:
        if previous is not None:
            if atom.kind != "text":
                out.append("\n")
            else:
                out.append(" " if atom.block == previous.block else "\n\n")
        out.append({"bullet": "• ", "subbullet": "  ◦ "}.get(atom.kind, "") + atom.text)
        previous = atom
    return "".join(out)


def passage_id(document: str, area: str, section: str, subsection: str, text: str, n: int) -> str:
    """Stable id: the same passage of an unchanged document always gets the same id.

    `n` counts earlier passages with the same key in the document, so duplicates differ.
    """
    key = "\x1f".join([document, area, section, subsection, text] + ([str(n)] if n else []))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _sectioned(
    blocks: list[Block], first_section: str = DEFAULT_SECTION
) -> list[tuple[str, str, list[tuple[int, Block]]]]:
    """Blocks grouped by (section, subsection), in document order."""
    groups: list[tuple[str, str, list[tuple[int, Block]]]] = []
    section, subsection = first_section, ""
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            section, subsection = block.text, ""
            continue
        if block.kind == "subheading":
            subsection = block.text
            continue
        if not groups or groups[-1][:2] != (section, subsection):
            groups.append((section, subsection, []))
        groups[-1][2].append((index, block))
    return groups


def _area_passages(
    meta: DocumentMeta, span: _AreaSpan, ordinal: int, seen: dict[tuple, int]
) -> list[Passage]:
    passages = []
    for section, subsection, blocks in _sectioned(build_blocks(span.body), span.section):
        for atoms in _chunk(blocks):
            text = render(atoms)
            key = (span.title, section, subsection, text)
            n = seen.get(key, 0)
            seen[key] = n + 1
            passages.append(
                Passage(
                    id=passage_id(meta.id, span.title, section, subsection, text, n),
                    document=meta.id,
                    municipality=meta.municipality,
                    committee=meta.committee,
                    year=meta.year,
                    area=span.title,
                    amount_kr=span.amount_kr,
                    section=section,
                    subsection=subsection,
                    text=text,
                    amounts=find_amounts(text),
                    line_start=min(a.first for a in atoms),
                    line_end=max(a.last for a in atoms),
                    page=atoms[0].page,
                    ordinal=ordinal + len(passages),
                )
            )
    return passages


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


def _preamble(lines: list[SourceLine], first_area: int) -> _AreaSpan | None:
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
    return _AreaSpan(PREAMBLE, None, body[0].number, body, (), PREAMBLE)


def _whole_document(lines: list[SourceLine], title: str) -> _AreaSpan | None:
    """A document in no known layout, as one area named by its metadata title (its opening
    title line left out), with sections and sub-headings found as usual."""
    body = _preamble(lines, len(lines) + 2)
    if body is None:
        return None
    return _AreaSpan(title, None, body.line, body.body, (), "", LAYOUT_NONE)


def find_area_table(
    lines: list[SourceLine],
) -> tuple[dict[str, tuple[str, int, SourceLine]], set[int]]:
    """An area table ("Bevillingsområde | Budget 2024 (1.000 kr.)" over rows "name | amount"):
    each area's name, amount and row by its name (casefolded), and the indices of the table's
    lines. Empty when the document has none."""
    for i, line in enumerate(lines):
        text = line.text
        if line.blank or not _TABLE_HEAD.search(text) or "kr" not in text.casefold():
            continue
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
            amount = int((parse_number(num.lstrip("-")) * unit).to_integral_value())
            rows[name.casefold()] = (name, -amount if num.startswith("-") else amount, lines[j])
        if len(rows) >= MIN_TABLE_ROWS:
            return rows, used
    return {}, set()


def table_areas(lines: list[SourceLine], rows: dict[str, tuple[str, int, SourceLine]],
                used: set[int]) -> list[_AreaSpan]:  # fmt: skip
    """Areas from an area table: the amounts from its rows, the prose from the stand-alone
    lines after it that name an area (an area the prose never names keeps its table row)."""
    lines = [_blanked(ln) if i in used else ln for i, ln in enumerate(lines)]
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
        spans.append(_AreaSpan(name, amount, lines[i].number, lines[i + 1 : end],
                               layout=LAYOUT_TABLE))  # fmt: skip
    for key, (name, amount, row) in rows.items():
        if key not in named:
            text = f"{name}: {amount:,} kr.".replace(",", ".")
            spans.append(_AreaSpan(name, amount, row.number, [SourceLine(row.number, text,
                                   row.page)], layout=LAYOUT_TABLE))  # fmt: skip
    return spans


def join_split_statements(lines: list[SourceLine]) -> list[SourceLine]:
    """A net-budget label and its amount on separate lines ("Samlet budget:" / "938,4 mio.
    kr.") as one statement line, at the label's line; the amount's line becomes blank."""
    out = list(lines)
    for i, line in enumerate(lines):
        text = line.text.strip()
        if not (text.endswith(":") and _AMOUNT_STATEMENT.search(text) and len(text.split()) <= 8):
            continue
        j = _next_text(lines, i)
        if j is None or j - i > 2:
            continue
        value = lines[j].text.strip()
        if len(value.split()) <= 5 and find_amounts(value):
            out[i] = SourceLine(line.number, f"{text} {value}", line.page, line.bold)
            out[j] = _blanked(lines[j])
    return out


def _distinct_titles(spans: list[_AreaSpan], source: str) -> tuple[list[_AreaSpan], list[str]]:
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
        out.append(_AreaSpan(title, span.amount_kr, span.line, span.body, span.notes,
                             span.section, span.layout))  # fmt: skip
    return out, warnings


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
        lines = [_blanked(ln) if i in table_lines else ln for i, ln in enumerate(lines)]
    preamble = None
    if spans:
        spans, renamed = _distinct_titles(spans, source)
        preamble = _preamble(lines, spans[0].line)
        if preamble is not None:
            spans.insert(0, preamble)
    else:
        whole = _whole_document(lines, meta.title)
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
        passages = _area_passages(meta, span, ordinal, seen)
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
        from index.pdf import pdf_lines  # pdfplumber is slow to import; only for PDFs

        lines = pdf_lines(path, data, limits)
    else:
        lines = text_lines(decode(data, source))
    return parse_lines(lines, meta, checksum, source, limits)
