"""Extract numbered, page-tagged lines from a PDF, shaped like the text files' lines.

pdfplumber gives positioned text lines but no blank lines; paragraph breaks are recovered from
vertical gaps, and each page break becomes a run of blank lines — exactly how page breaks look
in the PDF-extracted .txt files — so one cleaning and parsing path serves both. Page furniture
of published PDFs (running headers, footers, contents pages, a cover) is dropped first
(index.documents.furniture).
"""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path
from typing import Any

from index.config import MIB, CorpusLimits
from index.documents.clean import SourceLine, normalise_line
from index.documents.document import DocumentError
from index.documents.furniture import strip_furniture

#: Blank lines standing for a page break (the .txt sources show runs of 3 or more).
PAGE_BREAK_BLANKS = 3
_STREAM = re.compile(rb"stream\r?\n")
_CHUNK = MIB


def inflated_size(data: bytes, limit: int) -> int:
    """What the PDF's Flate streams inflate to, in all; counting stops just past `limit`.

    Measured before pdfminer sees the file, without holding the inflated bytes: a 2 MB file
    can hold a stream that inflates to gigabytes, and pdfminer inflates each stream whole.
    """
    total = 0
    for m in _STREAM.finditer(data):
        end = data.find(b"endstream", m.end())
        buf: bytes = data[m.end() : end if end >= 0 else len(data)]
        inflater = zlib.decompressobj()
        try:
            while True:
                out = inflater.decompress(buf, _CHUNK)
                total += len(out)
                buf = inflater.unconsumed_tail
                if total > limit or inflater.eof or (not buf and len(out) < _CHUNK):
                    break
        except zlib.error:
            continue  # not a Flate stream (an image, plain text): pdfminer copes with it
        if total > limit:
            break
    return total


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether `exc` is, wraps or was raised while handling one of `kinds` (pdfplumber wraps
    pdfminer's errors, MemoryError included, in its own)."""
    seen: list[object] = [exc]
    while seen:
        e = seen.pop()
        if isinstance(e, kinds):
            return True
        if isinstance(e, BaseException):
            seen += [a for a in e.args if isinstance(a, BaseException)]
            seen += [x for x in (e.__cause__, e.__context__) if x is not None]
    return False


def _page_lines(page: Any) -> list[tuple[str, bool, float]]:
    """(text, bold, top) for each text line of a page, top to bottom."""
    rows = []
    for row in page.extract_text_lines(layout=False, strip=True, return_chars=True):
        chars = [c for c in row["chars"] if c["text"].strip()]
        bold = bool(chars) and all("bold" in c.get("fontname", "").lower() for c in chars)
        rows.append((row["text"], bold, float(row["top"])))
    return rows


def _pitch(pages: list[list[tuple[str, bool, float]]]) -> float:
    """The distance between consecutive lines of a paragraph, over the whole document.

    Taken low in the distribution (10th percentile): on a page of short paragraphs and list
    items most steps include a gap, so a median or per-page estimate would miss the gaps.
    """
    steps = sorted(
        b[2] - a[2] for rows in pages for a, b in zip(rows, rows[1:], strict=False) if b[2] > a[2]
    )
    return steps[len(steps) // 10] if steps else 1.0


def _blank_lines(step: float, pitch: float) -> int:
    """Blank lines a vertical step stands for; any clearly wider step is at least one."""
    if step <= 1.3 * pitch:
        return 0
    return max(1, round(step / pitch) - 1)


def pdf_lines(
    path: Path, data: bytes | None = None, limits: CorpusLimits | None = None
) -> list[SourceLine]:
    """Numbered lines of a PDF's text; raises DocumentError for unreadable, encrypted,
    oversized or textless PDFs. (The time limit is the caller's: see index.documents.worker.)"""
    import pdfplumber  # heavy; only needed for PDF sources

    limits = limits or CorpusLimits()
    source = str(path)
    raw = data if data is not None else Path(path).read_bytes()
    if inflated_size(raw, limits.max_inflated_bytes) > limits.max_inflated_bytes:
        raise DocumentError(
            source,
            f"PDF inflates to more than the {limits.max_inflated_bytes / MIB:g} MB limit "
            "(BUDGET_SEARCH_MAX_INFLATED_MB); a compression bomb?",
        )
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            pages = []
            for page in pdf.pages:
                pages.append(_page_lines(page))
                # a page's characters and layout objects (~2 KB a character) are dropped as soon
                # as its lines are read: kept to the end, a 4,000-page book needed 4 GB
                page.close()
    except DocumentError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

        if _caused_by(exc, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise DocumentError(
                source, "krypteret PDF: encrypted with a password; save it without one"
            ) from None
        if _caused_by(exc, (MemoryError,)):
            raise MemoryError from None  # the worker names the limit
        detail = str(exc) or type(exc).__name__
        raise DocumentError(source, f"unreadable PDF ({type(exc).__name__}: {detail})") from exc
    if not any(pages):
        raise DocumentError(source, "PDF has no extractable text (a scanned image?)")
    pages = strip_furniture(pages)  # running headers, footers, contents pages, cover
    lines: list[SourceLine] = []

    def add(text: str, page_no: int, bold: bool = False) -> None:
        lines.append(SourceLine(len(lines) + 1, normalise_line(text), page_no, bold))

    pitch = _pitch(pages)
    for page_no, rows in enumerate(pages, start=1):
        if page_no > 1:
            for _ in range(PAGE_BREAK_BLANKS):
                add("", page_no)
        previous_top: float | None = None
        for text, bold, top in rows:
            if previous_top is not None:
                for _ in range(_blank_lines(top - previous_top, pitch)):
                    add("", page_no)
            add(text, page_no, bold)
            previous_top = top
    return lines
