"""Repair PDF-extraction damage: turn raw lines into clean paragraphs, list items and headings.

Budget remarks reach us as text extracted from PDFs: words are hyphenated across lines,
page breaks cut sentences in half (as runs of blank lines), bullet glyphs are private-use
characters or lost altogether (leaving an indented line). Everything downstream wants whole
paragraphs, so the damage is undone here, once, keeping the source line numbers.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Literal

from index.documents.document import SECTION_HEADINGS, DocumentError

#: Bullet glyphs: Word's Symbol-font bullet (private use U+F0B7) and friends.
BULLETS = "\uf0b7\uf0a7\uf076\uf0d8\uf0fc•●▪■►➢✓"
SUB_BULLETS = "o◦○▫"
_BULLET = re.compile(rf"^\s*[{BULLETS}]\s*|^\s*[-–]\s+(?=\S)")
_SUB_BULLET = re.compile(rf"^\s*[{SUB_BULLETS}]\s+(?=\S)")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_SENTENCE_END = re.compile(r"[.!?:;]['\"”’)]*$")
#: Words after which a line-final hyphen is a suspended compound ("Børn- og Familie").
_CONJUNCTIONS = frozenset({"og", "eller", "samt", "såvel", "henholdsvis", "end"})
#: Words a sentence cannot end on: a line ending on one continues after a gap, even when the
#: next line starts with a capital ("... eDoc (ESDH) og for" / "SAPA – et system").
_DANGLING = frozenset(
    "og eller samt for af i til med på om fra ved under over mellem som der at en et de den det"
    " hvor men efter mod hos inden uden både herunder bl.a. f.eks. jf. vedr. dvs. fx".split()
)

Kind = Literal["text", "bullet", "subbullet", "heading", "subheading"]


@dataclass(frozen=True)
class SourceLine:
    """One line of extracted text, right-stripped and NFC-normalised."""

    number: int  # 1-based line in the source (for a PDF: in the extracted text)
    text: str
    page: int | None = None
    bold: bool = False  # a hint from PDFs: a bold short line is a heading
    #: the cells of a table row written with tabs or wide spaces, which the text loses
    cells: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    #: no text but white space: asked of each line about ten times while parsing, so set once
    blank: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "blank", not self.text.strip())


@dataclass(frozen=True)
class Block:
    """A paragraph, a list item or a heading, rebuilt from one or more source lines."""

    kind: Kind
    text: str
    first: int
    last: int
    page: int | None
    #: (offset in text, source line) where each joined source line starts, for exact citations
    starts: tuple[tuple[int, int], ...] = ()

    def line_at(self, offset: int) -> int:
        """The source line holding the character at `offset` of the text."""
        i = bisect.bisect_right(self.starts, (offset, math.inf)) - 1
        return self.starts[i][1] if i >= 0 else self.first


#: Byte-order marks of the encodings a text editor may save in besides UTF-8, longest first
#: (UTF-32-LE's mark begins with UTF-16-LE's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def decode(data: bytes, path: str) -> str:
    """Source bytes as NFC text with LF line ends: UTF-8 with or without BOM, or UTF-16 or
    UTF-32 with a BOM (as Windows' Notepad saves "Unicode").

    Raises DocumentError naming the line for NUL bytes (binary), for UTF-16 without a BOM
    (said as such, not as binary) and for bytes that are not text in the encoding.
    """
    found = [(codec, name) for bom, codec, name in _BOMS if data.startswith(bom)]
    codec, name = found[0] if found else ("utf-8-sig", "UTF-8")
    if codec == "utf-8-sig" and b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        if _utf16_without_bom(data):
            raise DocumentError(path, "UTF-16 text without a byte-order mark; save it as UTF-8 "
                                "(or as UTF-16 with one)", line)  # fmt: skip
        raise DocumentError(path, "binary file (NUL byte), not text", line)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode(codec, "replace")
        line = before.count("\n") + 1
        if codec == "utf-8-sig":
            message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)"
        else:
            message = f"not valid {name} text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        raise DocumentError(path, message, line) from exc
    if "\x00" in text:  # NUL characters: binary data behind a byte-order mark
        line = text[: text.index("\x00")].count("\n") + 1
        raise DocumentError(path, f"binary file (NUL character in {name} text), not text", line)
    if not text.strip():
        raise DocumentError(path, "empty file")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _utf16_without_bom(data: bytes) -> bool:
    """Whether NUL bytes are UTF-16's high bytes of Latin text: about every other byte, nearly
    all on the same side of each pair."""
    head = data[:65536]
    pairs = len(head) // 2
    even, odd = sorted((head[0::2].count(0), head[1::2].count(0)))
    return len(data) % 2 == 0 and pairs >= 2 and odd >= 0.8 * pairs and even * 20 <= odd


#: A no-break or thin space grouping thousands ("50 190 100 kr."): written as Danish "." so the
#: number stays one number once other no-break spaces become plain ones.
_GROUP_SPACE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")


_SPACES = re.compile(r" {2,}")


def normalise_line(text: str) -> str:
    """Strip trailing space and collapse runs of spaces; keep leading indent (it marks bullets)."""
    return _strip_keeping_indent(_normalise_spaces(text))


def _normalise_spaces(text: str) -> str:
    """NFC, digit groups joined by dots, odd spaces made plain, runs of spaces made one: a line's
    end stops none of these, so a whole text done at once is each of its lines done alone."""
    text = _GROUP_SPACE.sub(".", unicodedata.normalize("NFC", text))
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\t", " ")
    return _SPACES.sub(" ", text)


def _strip_keeping_indent(line: str) -> str:
    core = line.strip()
    return " " + core if core and line[:1].isspace() else core


def text_lines(text: str) -> list[SourceLine]:
    """Numbered lines of a decoded text; form feeds count pages (page None without any).

    Each line is what `normalise_line` makes of it, the spaces normalised in one pass over the
    whole text instead of four regex passes per line."""
    has_pages = "\f" in text
    cleaned = _normalise_spaces(text.replace("\f", " ")).split("\n")
    pages: list[int | None] = [None] * len(cleaned)
    if has_pages:
        page = 1
        for i, raw in enumerate(text.split("\n")):
            page += raw.count("\f")
            pages[i] = page
    raw = text.split("\n")
    cells = [_cells(r) for r in raw]
    cells = [c or _header_cells(r, cells[n + 1] if n + 1 < len(cells) else None)
             for n, (r, c) in enumerate(zip(raw, cells, strict=True))]  # fmt: skip
    rows = enumerate(zip(cleaned, pages, cells, strict=True), start=1)
    return [SourceLine(n, _strip_keeping_indent(line), page, cells=c)
            for n, (line, page, c) in rows]  # fmt: skip


#: Between cells: tabs, wide spaces, or dot leaders ("Dagtilbud ........ 412.600").
_CELL_GAP = re.compile(r"\t+| {2,}|\s*\.{3,}\s*|\s*…+\s*")


def _cells(raw: str) -> tuple[str, ...] | None:
    """A row's cells where tabs or runs of spaces separate them and one is a number."""
    if "\t" not in raw and "  " not in raw.strip() and "..." not in raw:
        return None
    cells = tuple(c.strip() for c in _CELL_GAP.split(raw.strip().replace("\f", " ")))
    numeric = [c for c in cells[1:] if c.lstrip("-−÷–( ")[:1].isdigit()]
    if len(cells) < 2 or any(len(c) > 40 for c in cells[1:]) or not numeric:
        return None
    return cells


#: The fewest cells a row must have for the words over it to be split as its column names:
#: a table of one figure a row is named by its caption, as before (see table_reading).
MIN_HEADER_CELLS = 3


def _header_cells(raw: str, below: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The column names of a tab- or wide-space table's header ("Område\tUdgifter\tIndtægter
    \tNetto"): words only, split as the row right under it is, into as many cells (or one
    fewer, its label cell left empty). None for any other line."""
    if below is None or len(below) < MIN_HEADER_CELLS or ("\t" not in raw and "  " not in
                                                          raw.strip()):  # fmt: skip
        return None
    cells = tuple(c.strip() for c in _CELL_GAP.split(raw.strip()))
    words = all(c and not c.lstrip("-−÷–( ")[:1].isdigit() and len(c) <= 40 for c in cells)
    return cells if words and len(cells) in (len(below), len(below) - 1) else None


#: What a list item's line can start with (after no space): a glyph, "o", a dash.
_ITEM_FIRST = frozenset(BULLETS + SUB_BULLETS + "-–")


def bullet_kind(text: str) -> Literal["bullet", "subbullet"] | None:
    """Whether a line opens a list item: a bullet glyph, "o " sub-bullet, or a lost glyph.

    A PDF bullet whose glyph did not survive extraction leaves an indented line, so a line with
    leading white space opens an item too.
    """
    first = text[:1]
    if first not in _ITEM_FIRST and not first.isspace():  # most lines: no pattern can match
        return None
    if _SUB_BULLET.match(text):
        return "subbullet"
    if _BULLET.match(text) or (text[:1].isspace() and text.strip()):
        return "bullet"
    return None


def strip_bullet(text: str) -> str:
    text = _SUB_BULLET.sub("", text, count=1) if _SUB_BULLET.match(text) else text
    return _PRIVATE_USE.sub("", _BULLET.sub("", text, count=1)).strip()


#: The numbering of a numbered heading: "1. ", "3.2 ".
_HEADING_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)")


#: The characters whose casefold starts a heading's ("b", "u"; tests/index/test_clean.py checks
#: them against every Unicode character): a line starting with another is no heading.
_HEADING_FIRST = frozenset(c for h in SECTION_HEADINGS for c in (h[0].lower(), h[0].upper()))
_HEADING_KEYS = {h.casefold(): h for h in SECTION_HEADINGS}


def section_heading(text: str) -> str | None:
    """The canonical top-level heading this line is, if it is one ("Budgetgrundlag"), also
    numbered ("1. Beskrivelse af området", "3.2 Udvikling og udfordringer") or in capitals."""
    first = text.lstrip()[:1]
    if first not in _HEADING_FIRST and not first.isdecimal():  # \d: what numbering starts with
        return None
    key = _HEADING_NUMBER.sub("", text.strip()).rstrip(":").strip().casefold()
    return _HEADING_KEYS.get(key)


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.rstrip()))


def _starts_upper(text: str) -> bool:
    first = text.lstrip()[:1]
    return first.isupper()


def looks_like_title(text: str, max_words: int = 8) -> bool:
    """A short line that could name an area or a sub-section: no final punctuation, capitalised."""
    return (
        len(text) <= 70  # first: it rules out most lines (prose) at no cost
        and 0 < len(text.split()) <= max_words
        and _starts_upper(text)
        and not _TITLE_END.search(text.strip())
        and bullet_kind(text) is None
    )


_TITLE_END = re.compile(r"[.,;:!?\-–]$")


_HYPHENATED = re.compile(r"\w-$")


def join_lines(before: str, after: str) -> str:
    """Join a line to the next, undoing end-of-line hyphenation.

    A line-final hyphen followed by a lowercase word is a word split ("Ukrai-"/"nere") and goes,
    except: before "og"/"eller" it is a suspended compound ("Børn- og"); after an acronym, a single
    letter or a digit it is a real compound hyphen ("IT-"/"sikkerhed", "15-29-"/"årige").
    Before a capital or a digit the hyphen is real ("EU-"/"Kommissionen").
    """
    before, after = before.rstrip(), after.strip()
    if not before:
        return after
    if not after:
        return before
    tail = before[-80:]  # only the last word matters: no work that grows with the paragraph
    if not (tail.endswith("-") and _HYPHENATED.search(tail)):
        return f"{before} {after}"
    first_word = re.match(r"[^\s,.;:]*", after).group(0)
    if not after[0].islower():
        return before + after
    if first_word.casefold() in _CONJUNCTIONS:
        return f"{before} {after}"
    fragment = re.split(r"[\s\-–/(]", tail[:-1])[-1]
    if len(fragment) == 1 or fragment[-1].isdigit() or (fragment.isupper() and fragment.isalpha()):
        return before + after
    return before[:-1] + after


def _continues(before: str, after: str) -> bool:
    """Whether `after`, found after a gap of blank lines, continues the text `before`.

    A page break or a stray blank line inside a sentence leaves a line that does not end a
    sentence followed by one that starts in lowercase (or with a bracket), or a line that ends
    on a comma or a word no sentence ends on.
    """
    if ends_sentence(before):
        return False
    head = after.lstrip()[:1]
    last_word = before.split()[-1].casefold() if before.split() else ""
    return head.islower() or head in "([" or before.endswith(",") or last_word in _DANGLING


def _is_subheading(line: SourceLine, following: SourceLine | None) -> bool:
    """A short capitalised line standing alone, directly followed by a capitalised paragraph."""
    return (
        following is not None
        and not following.blank
        and looks_like_title(line.text, max_words=6)
        and bullet_kind(following.text) is None
        and section_heading(following.text) is None
        and _starts_upper(following.text)
        and not looks_like_title(following.text, max_words=6)
    )


def _open(kind: Kind, text: str, line: SourceLine) -> dict:
    return {
        "kind": kind,
        "text": text,
        "first": line.number,
        "last": line.number,
        "page": line.page,
        "starts": ((0, line.number),),
    }


def build_blocks(lines: list[SourceLine]) -> list[Block]:
    """Rebuild paragraphs, list items and headings from the lines of one area's body."""
    blocks: list[Block] = []
    current: dict | None = None  # the Block fields of the paragraph or item being built
    gap = True  # start, or blank lines since the last text line

    def flush() -> None:
        nonlocal current
        if current is not None:
            blocks.append(Block(**current))
            current = None

    for index, line in enumerate(lines):
        if line.blank:
            gap = True
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        text = line.text.strip()
        kind = bullet_kind(line.text)
        heading = section_heading(text)
        if kind is not None:
            flush()
            current = _open(kind, strip_bullet(line.text), line)
        elif heading is not None:
            flush()
            blocks.append(Block("heading", heading, line.number, line.number, line.page))
        elif current is not None and (not gap or _continues(current["text"], text)):
            current["text"] = join_lines(current["text"], text)
            current["last"] = line.number
            current["starts"] += ((len(current["text"]) - len(text), line.number),)
        elif _is_subheading(line, following):
            flush()
            blocks.append(Block("subheading", text, line.number, line.number, line.page))
        else:
            flush()
            current = _open("text", text, line)
        gap = False
    flush()
    out = []
    for b in blocks:
        text = _SPACES.sub(" ", _PRIVATE_USE.sub("", b.text)).strip()
        if text:
            out.append(b if text == b.text else replace(b, text=text))
    return out
