"""Parse a budget-remarks document into areas, sections and citable passages.

Structure: a document lists areas; an area is a title line followed (after blank lines) by its
net-budget statement ("Samlet nettobudget for området: 50.190.100 kr."), or — when a
municipality gives no amount — by a "Budgetgrundlag" heading. Titles are not matched by name:
the same words can also appear as a lead-in inside an area ("Digitalisering og IT").
Inside an area, SECTION_HEADINGS open sections and short stand-alone lines open sub-sections.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from index.amounts import find_amounts, statement_amount
from index.clean import (
    Block,
    SourceLine,
    build_blocks,
    decode,
    looks_like_title,
    section_heading,
    text_lines,
)
from index.document import SECTION_HEADINGS, Area, Document, DocumentError, DocumentMeta, Passage

SUPPORTED_SUFFIXES = (".txt", ".pdf")
#: Section for text before an area's first heading: areas open with their budget basis, and
#: the areas that omit the heading (e.g. "Demografipulje - Ældreområdet") state just that.
DEFAULT_SECTION = SECTION_HEADINGS[0]
MIN_WORDS = 40  # shorter paragraphs are merged with a neighbour in the same (sub)section
MAX_WORDS = 200  # longer ones are split at sentence (or list item) boundaries

_AMOUNT_STATEMENT = re.compile(
    r"\bnetto\w*|\bsamlede?\s+(?:netto)?budget|\bbudget\w*\s+i\s+alt", re.IGNORECASE
)
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


def is_amount_statement(text: str) -> bool:
    """A short line stating an area's net budget (several municipal wordings)."""
    return (
        bool(_AMOUNT_STATEMENT.search(text))
        and len(text.split()) <= 20
        and statement_amount(text) is not None
    )


def _stands_alone(lines: list[SourceLine], index: int) -> bool:
    return index == 0 or lines[index - 1].blank


def _next_text(lines: list[SourceLine], index: int) -> int | None:
    for j in range(index + 1, len(lines)):
        if not lines[j].blank:
            return j
    return None


def find_areas(lines: list[SourceLine]) -> list[_AreaSpan]:
    """The areas of a document, in order, each with the lines of its body."""
    starts: list[tuple[int, int, int | None]] = []  # (title index, body start index, amount)
    for i, line in enumerate(lines):
        if line.blank or is_amount_statement(line.text) or section_heading(line.text):
            continue
        if not (looks_like_title(line.text.strip(), max_words=10) and _stands_alone(lines, i)):
            continue
        j = _next_text(lines, i)
        if j is None:
            break
        if is_amount_statement(lines[j].text):
            starts.append((i, j + 1, statement_amount(lines[j].text)))
        elif section_heading(lines[j].text) == SECTION_HEADINGS[0]:
            starts.append((i, j, None))
    areas = []
    for n, (title_at, body_at, amount) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        title_line = lines[title_at]
        areas.append(
            _AreaSpan(title_line.text.strip(), amount, title_line.number, lines[body_at:end])
        )
    return areas


def _sentences(block: Block, index: int) -> list[_Atom]:
    """Split a paragraph at sentence ends, each sentence citing its own source lines."""
    parts: list[str] = []
    for piece in _SENTENCE_SPLIT.split(block.text):
        if parts and _ABBREVIATION.search(parts[-1]):
            parts[-1] += " " + piece
        else:
            parts.append(piece)
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


def _sectioned(blocks: list[Block]) -> list[tuple[str, str, list[tuple[int, Block]]]]:
    """Blocks grouped by (section, subsection), in document order."""
    groups: list[tuple[str, str, list[tuple[int, Block]]]] = []
    section, subsection = DEFAULT_SECTION, ""
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
    for section, subsection, blocks in _sectioned(build_blocks(span.body)):
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


def parse_lines(
    lines: list[SourceLine], meta: DocumentMeta, checksum: str, source: str | None = None
) -> Document:
    """A Document from cleaned source lines; raises DocumentError when no area is found."""
    source = source or meta.path
    spans = find_areas(lines)
    if not spans:
        raise DocumentError(
            source,
            "no recognisable areas (expected a title line followed by a net budget line such as "
            "'Samlet nettobudget for området: ... kr.' or by a 'Budgetgrundlag' heading)",
        )
    warnings = []
    preamble = [ln for ln in lines if ln.number < spans[0].line and not ln.blank]
    for line in preamble[1:]:  # the first line is the document title
        warnings.append(f"{source}:{line.number}: text before the first area ignored")
    areas, seen, ordinal = [], {}, 0
    for span in spans:
        if span.amount_kr is None:
            warnings.append(f"{source}:{span.line}: area {span.title!r} states no net budget")
        passages = _area_passages(meta, span, ordinal, seen)
        if not passages:
            warnings.append(f"{source}:{span.line}: area {span.title!r} has no text")
        ordinal += len(passages)
        areas.append(Area(span.title, span.amount_kr, span.line, tuple(passages)))
    return Document(meta, tuple(areas), checksum, tuple(warnings))


def parse_file(path: Path, meta: DocumentMeta) -> Document:
    """Parse a .txt (UTF-8, optional BOM, LF or CRLF) or .pdf budget-remarks file.

    Raises DocumentError naming the file for anything that cannot be parsed.
    """
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            source, f"unsupported extension {path.suffix or '(none)'!r} (expected .txt or .pdf)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(source, f"cannot read file: {exc.strerror or exc}") from exc
    checksum = hashlib.sha256(data).hexdigest()
    if suffix == ".pdf":
        from index.pdf import pdf_lines  # pdfplumber is slow to import; only for PDFs

        lines = pdf_lines(path, data)
    else:
        lines = text_lines(decode(data, source))
    return parse_lines(lines, meta, checksum, source)
