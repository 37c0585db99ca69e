"""Cutting an area's body into citable passages: sections, paragraph-sized units, sentences.

A passage is a paragraph with the list that follows it, split at sentence (or list item)
boundaries when longer than MAX_WORDS and merged with a neighbour in the same (sub)section when
shorter than MIN_WORDS; each keeps the source lines and page it came from.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.documents.amounts import find_amounts
from index.documents.clean import Block, build_blocks
from index.documents.document import DocumentMeta, Passage
from index.documents.spans import DEFAULT_SECTION, AreaSpan

MIN_WORDS = 40  # shorter paragraphs are merged with a neighbour in the same (sub)section
MAX_WORDS = 200  # longer ones are split at sentence (or list item) boundaries
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"”(]?[A-ZÆØÅ0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:f\.eks|bl\.a|m\.fl|m\.v|mv|jf|ca|kr|mio|mia|nr|pkt|inkl|ekskl|evt|dvs|osv|"
    r"o\.lign|lign|t|tlf|vedr|mht|iht|pga|ift)\.|\b[A-ZÆØÅ]\.)$",
    re.IGNORECASE,
)


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


def area_passages(
    meta: DocumentMeta, span: AreaSpan, ordinal: int, seen: dict[tuple, int]
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
