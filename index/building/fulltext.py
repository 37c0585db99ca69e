"""The text fields of a passage: their boosts, their analysers (as a Whoosh schema) and their
analysed postings, which the keyword index (index/building/sparse.py) is written from.

The schema is the one a Whoosh index of the passages would have: the postings are analysed
with its analysers, and the oracle test writes such an index through Whoosh's public API to
check that the keyword index scores as Whoosh does.
"""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import fields

from index.building.analysis import DanishAnalyzer, Vocabulary
from index.building.postings import FieldPostings, collect_fields
from index.documents.document import Passage

#: A passage's text fields: its area's title, its section headings and its text (how much a
#: query word counts in each is search/tuning.py's).
TEXT_FIELDS = ("area", "heading", "body")


def schema(vocab: Vocabulary | None = None) -> fields.Schema:
    """Text fields and the passage id. Filters (area, year, amount, …) are masks over the
    passage table's columns (search/filters.py), not fields."""
    analyzer = DanishAnalyzer(vocab)
    return fields.Schema(
        id=fields.STORED(),  # docnum -> passage, for a Whoosh index of the passages
        # titles unsplit: "Borgerservice" is about citizen service, not about every "borger"
        area=fields.TEXT(analyzer=DanishAnalyzer(None), phrase=True),
        heading=fields.TEXT(analyzer=analyzer, phrase=True),
        body=fields.TEXT(analyzer=analyzer, phrase=True),
    )


def heading(p: Passage) -> str:
    return " ".join(x for x in (p.section, p.subsection) if x)


def field_texts(passages: Sequence[Passage]) -> dict[str, list[str]]:
    """Each text field's value per passage, in docnum order."""
    return {
        "area": [p.area for p in passages],
        "heading": [heading(p) for p in passages],
        "body": [p.text for p in passages],
    }


def postings(
    passages: Sequence[Passage], vocab: Vocabulary, workers: int = 1
) -> dict[str, FieldPostings]:
    """The text fields' postings, each analysed with its schema analyser's vocabulary (none for
    titles, kept unsplit), by up to `workers` processes."""
    declared = schema(vocab)
    return collect_fields(
        {
            name: (texts, declared[name].analyzer.vocab)
            for name, texts in field_texts(passages).items()
        },
        workers,
    )
