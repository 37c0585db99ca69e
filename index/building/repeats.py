"""Text a document repeats under many of its areas: the budget boilerplate ("Budgettet er et
rammebudget. Forudsætninger for budgettet er udarbejdet på baggrund af budgetoverslag …",
under every area of the seed's document). It says nothing of the area it stands in, yet its
meaning is close to every vague question about the budget; the ranking holds it back
(search/tuning.py: repeat_penalty)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from index.building.embed_texts import PIECE_SPLIT
from index.building.postings import once_each
from index.documents.document import Passage

#: A sentence is repeated text when this many areas of one document hold it. Two would count
#: a sentence two sister areas share ("Plan, Byg og Miljø" and "Vej, Ejendom og Affald": "er
#: en af to enheder på det tekniske område"), which is about both; the boilerplate stands
#: under all, or most, of a document's areas. Across documents (years, municipalities) nothing
#: counts: an area's text unchanged from last year's budget is still about that area.
REPEAT_AREAS = 3

_NOT_LETTER = re.compile(r"[\W_]+")


def _sentences(text: str) -> list[tuple[int, int]]:
    """A text's sentences and lines, as letters and digits only (hyphenation and spacing
    repair do not make two copies differ): each one's hash and length (a million passages'
    sentences are not held as strings)."""
    out = (_NOT_LETTER.sub("", s.casefold()) for s in PIECE_SPLIT.split(text))
    return [(hash(s), len(s)) for s in out if s]


def repeated_share(passages: Sequence[Passage]) -> np.ndarray:
    """Per passage, the share of its text (letters) in sentences that `REPEAT_AREAS` areas of
    its document hold: 1.0 for a passage of boilerplate alone, 0.5 for one that adds an
    area's own sentence of the same length, 0 for most."""
    split = list(once_each([p.text for p in passages], _sentences))  # a recurring text once
    areas: dict[tuple[str, int], set[str]] = {}
    for p, parts in zip(passages, split, strict=True):
        for s, _ in parts:
            held = areas.setdefault((p.document, s), set())
            if len(held) < REPEAT_AREAS:
                held.add(p.area)
    out = np.zeros(len(passages), dtype=np.float32)
    for r, (p, parts) in enumerate(zip(passages, split, strict=True)):
        total = sum(n for _, n in parts)
        if total:
            rep = sum(n for s, n in parts if len(areas[(p.document, s)]) >= REPEAT_AREAS)
            out[r] = rep / total
    return out
