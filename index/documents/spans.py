"""An area as the readers find it: its title, amount, where the amount was read, and its lines."""

from __future__ import annotations

from dataclasses import dataclass

from index.documents.clean import SourceLine
from index.documents.document import SECTION_HEADINGS, AmountSource

#: Section for text before an area's first heading: areas open with their budget basis, and
#: the areas that omit the heading (e.g. "Demografipulje - Ældreområdet") state just that.
DEFAULT_SECTION = SECTION_HEADINGS[0]


@dataclass(frozen=True)
class AreaSpan:
    title: str
    amount_kr: int | None
    line: int
    body: list[SourceLine]
    notes: tuple[tuple[int, str], ...] = ()  # (line, what was unsure about the amount)
    section: str = DEFAULT_SECTION  # the section of text before the area's first heading
    layout: str = ""  # how the area was recognised, for the per-document report
    source: AmountSource | None = None  # where amount_kr was read
