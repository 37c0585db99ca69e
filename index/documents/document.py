"""The data that flows from parsing to indexing to search: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.documents.amounts import danish_number

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
    #: corrections from the sidecar, for what no rule reads: [amounts] "title" = kroner, and
    #: headings = ["title", ...], lines of the text that start an area
    amounts: tuple[tuple[str, int], ...] = ()
    headings: tuple[str, ...] = ()
    #: where the document is published (the sidecar's `source`), an http(s) address; "" for none
    source: str = ""


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
class AmountSource:
    """Where an amount was read: the text as the document writes it, its line and page, so a
    reader can check the figure against the source."""

    text: str
    line: int
    page: int | None = None

    def to_json(self) -> dict:
        return {"text": self.text, "line": self.line, "page": self.page}


@dataclass(frozen=True)
class Reconciliation:
    """A total the document states, against the sum of the areas it covers."""

    label: str  # how the document names the total ("Driftsudgifter i alt")
    stated_kr: int
    summed_kr: int  # the areas' amounts added up
    areas: int  # how many areas were added
    tolerance_kr: int  # what rounding the written figures allows (0 for whole kroner)
    source: AmountSource
    missing: int = 0  # areas under the total that state no amount: no sum to compare

    @property
    def difference_kr(self) -> int:
        return self.summed_kr - self.stated_kr

    @property
    def agrees(self) -> bool:
        return not self.missing and abs(self.difference_kr) <= self.tolerance_kr

    def verdict(self) -> str:
        """In Danish, as `index`, `areas` and the /areas page say it."""
        if self.missing:
            return f"kan ikke afstemmes: {self.missing} område(r) uden beløb"
        if self.difference_kr == 0:
            return "stemmer"
        diff = danish_number(abs(self.difference_kr))
        if self.agrees:
            return f"stemmer inden for afrunding ({diff} kr.)"
        more = "mere" if self.difference_kr > 0 else "mindre"
        return f"stemmer ikke: områderne summer til {diff} kr. {more} end totalen"

    def to_json(self) -> dict:
        return {"label": self.label, "stated_kr": self.stated_kr, "summed_kr": self.summed_kr,
                "areas": self.areas, "difference_kr": self.difference_kr,
                "tolerance_kr": self.tolerance_kr, "missing": self.missing,
                "agrees": self.agrees, "verdict": self.verdict(),
                "source": self.source.to_json()}  # fmt: skip


@dataclass(frozen=True)
class Area:
    title: str
    amount_kr: int | None
    line: int
    passages: tuple[Passage, ...] = ()
    source: AmountSource | None = None  # where amount_kr was read; None when not stated


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    areas: tuple[Area, ...]
    checksum: str  # sha256 of the source bytes
    warnings: tuple[str, ...] = field(default_factory=tuple)
    layout: str = ""  # how its areas were recognised ("title, then net budget line", ...)
    reconciliations: tuple[Reconciliation, ...] = ()  # stated totals against their areas

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
