"""Extract numbered, page-tagged lines from a PDF, shaped like the text files' lines.

pdfplumber gives positioned text lines but no blank lines; paragraph breaks are recovered from
vertical gaps, and each page break becomes a run of blank lines — exactly how page breaks look
in the PDF-extracted .txt files — so one cleaning and parsing path serves both. Page furniture
of published PDFs (running headers, footers, contents pages, a cover) is dropped first
(index.documents.furniture).

A page with no text but an image over most of it is a scan: it is read by OCR with Tesseract
(Danish) where Tesseract, its Danish data and pytesseract are installed, and named in a
warning either way, with what was done. OCR runs within the document's time limit.
"""

from __future__ import annotations

import functools
import io
import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.config import MIB, CorpusLimits
from index.documents.clean import SourceLine, normalise_line
from index.documents.document import DocumentError
from index.documents.furniture import strip_furniture
from index.documents.pdf_cells import Row, chunks, table_cells, text_columns

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


def _page_lines(page: Any) -> list[Row]:
    """(text, bold, top, chunks) for each text line of a page, top to bottom; chunks: its
    runs of characters between wide gaps, with where they stand (index.documents.pdf_cells)."""
    rows = []
    for row in page.extract_text_lines(layout=False, strip=True, return_chars=True):
        chars = [c for c in row["chars"] if c["text"].strip()]
        bold = bool(chars) and all("bold" in c.get("fontname", "").lower() for c in chars)
        rows.append((row["text"], bold, float(row["top"]), chunks(chars)))
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


#: OCR's resolution: Tesseract reads body text best at 300 dpi.
OCR_DPI = 300
OCR_LANGUAGE = "dan"
#: A page is a scan when it has no text and its images cover at least this share of it.
SCAN_COVER = 0.5
OCR_INSTALL = ("install Tesseract with its Danish data (Debian: apt-get install tesseract-ocr "
               "tesseract-ocr-dan) and pytesseract to read them by OCR")  # fmt: skip


@functools.cache
def ocr_engine() -> str | None:
    """The OCR engine at hand, as "tesseract 5.3.0 (dan)"; None without pytesseract, the
    tesseract program or its Danish data."""
    try:
        import pytesseract
    except ImportError:
        return None
    try:
        version = pytesseract.get_tesseract_version()
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError,
            ValueError):  # fmt: skip
        return None
    return f"tesseract {version} ({OCR_LANGUAGE})" if OCR_LANGUAGE in languages else None


def page_ranges(pages: list[int]) -> str:
    """'page 4' or 'pages 2-7, 9'."""
    runs: list[list[int]] = []
    for n in pages:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)
    return f"page{'s' if len(pages) > 1 else ''} {text}"


def _scanned(page: Any) -> bool:
    """Whether images cover most of a page that has no text."""
    x0, top, x1, bottom = page.bbox
    area = max((x1 - x0) * (bottom - top), 1.0)
    covered = 0.0
    for im in page.images:
        w = min(im["x1"], x1) - max(im["x0"], x0)
        h = min(im["bottom"], bottom) - max(im["top"], top)
        covered += max(w, 0) * max(h, 0)
    return covered >= SCAN_COVER * area


class _Clock:
    """The document's time limit, as seen from inside the worker: OCR stops a little before
    the worker would be stopped, so the reason names OCR."""

    def __init__(self, limits: CorpusLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()

    def left(self) -> float:
        return self.limits.parse_seconds - (time.monotonic() - self.started) - 1.0


def _ocr_rows(page: Any, source: str, clock: _Clock, pages: int) -> list[Row]:
    """(text, bold, top, chunks) for each line Tesseract reads on the page, in its reading
    order; tops in PDF points like pdfplumber's, and no chunks (no character positions)."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread: 6x faster on a busy machine
    left = clock.left()
    slow = DocumentError(
        source,
        f"OCR of its scanned pages takes longer than the {clock.limits.parse_seconds:g} s limit "
        f"(stopped on page {page.page_number} of {pages}); raise BUDGET_SEARCH_PARSE_SECONDS to "
        "read them",
    )
    if left <= 0:
        raise slow
    image = page.to_image(resolution=OCR_DPI).original.convert("L")
    try:
        data = pytesseract.image_to_data(image, lang=OCR_LANGUAGE, timeout=left,
                                         output_type=pytesseract.Output.DICT)  # fmt: skip
    except RuntimeError as exc:  # pytesseract's timeout; TesseractError is one too
        if "timeout" in str(exc).lower():
            raise slow from None
        raise DocumentError(source, f"OCR failed on page {page.page_number}: {exc}") from None
    finally:
        image.close()
    lines: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip():
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append((word.strip(), data["top"][i] * 72 / OCR_DPI))
    top = page.bbox[1]  # the rendered image starts at the page's top edge
    return [(" ".join(w for w, _ in words), False, top + min(t for _, t in words), ())
            for words in lines.values()]  # fmt: skip


@dataclass(frozen=True)
class PdfText:
    lines: list[SourceLine]
    warnings: tuple[str, ...] = ()  # scanned pages: read by OCR, or not indexed


def pdf_lines(
    path: Path, data: bytes | None = None, limits: CorpusLimits | None = None
) -> list[SourceLine]:
    """Numbered lines of a PDF's text (`read_pdf` without its warnings)."""
    return read_pdf(path, data, limits).lines


def read_pdf(
    path: Path, data: bytes | None = None, limits: CorpusLimits | None = None
) -> PdfText:
    """Numbered lines of a PDF's text, and warnings naming its scanned pages; raises
    DocumentError for unreadable, encrypted, oversized or textless PDFs. (The time limit is
    the caller's: see index.documents.worker; OCR stops itself just before it.)"""
    import pdfplumber  # heavy; only needed for PDF sources

    limits = limits or CorpusLimits()
    clock = _Clock(limits)
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
            scanned: list[int] = []  # pages with no text but images over most of them
            blind: list[int] = []  # of those, the ones OCR found no text on
            for page in pdf.pages:
                rows = _page_lines(page)
                if not rows and _scanned(page):
                    scanned.append(page.page_number)
                    if ocr_engine() is not None:
                        rows = _ocr_rows(page, source, clock, len(pdf.pages))
                        if not rows:
                            blind.append(page.page_number)
                pages.append(rows)
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
    warnings = _scan_warnings(source, scanned, blind)
    if not any(pages):
        if not scanned:
            raise DocumentError(source, "PDF has no extractable text (a scanned image?)")
        if ocr_engine() is None:
            raise DocumentError(source, f"PDF has no extractable text: its {page_ranges(scanned)}"
                                f" are images (scanned?); {OCR_INSTALL}")  # fmt: skip
        raise DocumentError(source, "PDF has no extractable text, and OCR found none on its "
                            f"scanned {page_ranges(scanned)}")  # fmt: skip
    pages = strip_furniture(pages)  # running headers, footers, contents pages, cover
    lines: list[SourceLine] = []

    def add(text: str, page_no: int, bold: bool = False,
            cells: tuple[str, ...] | None = None) -> None:  # fmt: skip
        cells = tuple(normalise_line(c) for c in cells) if cells else None
        lines.append(SourceLine(len(lines) + 1, normalise_line(text), page_no, bold, cells))

    pitch = _pitch(pages)
    for page_no, rows in enumerate(pages, start=1):
        if page_no > 1:
            for _ in range(PAGE_BREAK_BLANKS):
                add("", page_no)
        previous_top: float | None = None
        # two columns of text, one after the other; a table whose rows leave cells empty:
        # each figure in the column it stands in
        rows = text_columns(rows)
        cells = table_cells([row[3] for row in rows])
        for (text, bold, top, *_), row_cells in zip(rows, cells, strict=True):
            if previous_top is not None and top < previous_top:
                add("", page_no)  # the top of the next column of text
            elif previous_top is not None:
                for _ in range(_blank_lines(top - previous_top, pitch)):
                    add("", page_no)
            add(text, page_no, bold, row_cells)
            previous_top = top
    return PdfText(lines, warnings)


def _scan_warnings(source: str, scanned: list[int], blind: list[int]) -> tuple[str, ...]:
    if not scanned:
        return ()
    if ocr_engine() is None:
        return (f"{source}: {page_ranges(scanned)} {_have(scanned)} no text, only images "
                f"(scanned?), and {_are(scanned)} not indexed: {OCR_INSTALL}, then run "
                "`budget-search index --full`",)  # fmt: skip
    read = [n for n in scanned if n not in blind]
    out = []
    if read:
        out.append(f"{source}: {page_ranges(read)} {_have(read)} no text, only images "
                   "(scanned?): read by OCR (Tesseract, Danish); check names and amounts "
                   "against the PDF")  # fmt: skip
    if blind:
        out.append(f"{source}: {page_ranges(blind)} {_have(blind)} no text, only images, and "
                   f"OCR found none; not indexed")  # fmt: skip
    return tuple(out)


def _have(pages: list[int]) -> str:
    return "have" if len(pages) > 1 else "has"


def _are(pages: list[int]) -> str:
    return "are" if len(pages) > 1 else "is"
