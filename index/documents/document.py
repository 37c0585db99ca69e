"""The data that flows from parsing to indexing to search: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The top-level section headings of a budget remark, in the order they usually appear.
SECTION_HEADINGS = ("Budgetgrundlag", "Beskrivelse af området", "Udvikling og udfordringer")


@dataclass(frozen=True)
class DocumentMeta:
    """Who wrote a document and for what: from the sidecar TOML beside it in corpus/."""

    id: str  # path under corpus/ without suffix, e.g. "kalundborg/2024/oekonomiudvalget"
    path: str  # source file, relative to the corpus dir
    title: str
    municipality: str
    committee: str
    year: int
    #: areas renamed since an earlier year: (title here, (earlier titles, ...)), from the
    #: sidecar's [renamed] table; what lets an area's amounts be followed across the years
    renamed: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Passage:
    """A paragraph-sized, citable piece of one area's remarks."""

    id: str  # stable: derived from document, area, section and text
    document: str
    municipality: str
    committee: str
    year: int
    area: str
    amount_kr: int | None  # the area's net budget in whole kroner; None when not stated
    section: str  # "Budgetgrundlag", "Beskrivelse af området", ... ("" before any heading)
    subsection: str  # a sub-heading inside the section ("Staben", "Forebyggelse"), or ""
    text: str
    amounts: tuple[int, ...]  # amounts the text mentions, in kroner
    line_start: int  # 1-based lines in the source file (for a PDF: lines of the extracted text)
    line_end: int
    page: int | None = None  # 1-based page, for PDF sources (and text with form feeds)
    ordinal: int = 0  # position of the passage in its document


@dataclass(frozen=True)
class Area:
    title: str
    amount_kr: int | None
    line: int
    passages: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    areas: tuple[Area, ...]
    checksum: str  # sha256 of the source bytes
    warnings: tuple[str, ...] = field(default_factory=tuple)
    layout: str = ""  # how its areas were recognised ("title, then net budget line", ...)

    @property
    def passages(self) -> tuple[Passage, ...]:
        return tuple(p for a in self.areas for p in a.passages)


class DocumentError(Exception):
    """A document that cannot be parsed. The message names the file (and line where it applies)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.message = message
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
