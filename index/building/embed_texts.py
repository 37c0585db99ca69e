"""What the model sees of a passage: its text with the area and section that give it its
meaning, and each of its sentences and list items alike; vectors are keyed by model and text."""

from __future__ import annotations

import hashlib
import re

from index.building.postings import once_each
from index.documents.document import Passage


def embed_text(p: Passage) -> str:
    """What the model sees: the passage with the area and section that give it its meaning."""
    where = " – ".join(x for x in (p.area, p.section, p.subsection) if x)
    return f"{where}: {p.text}"


#: A passage's sentences and list items, also embedded: one item of a long list ("pas,
#: kørekort, …") is otherwise diluted in the vector of the whole passage.
PIECE_SPLIT = re.compile(r"\n|(?<=[.!?])\s+(?=[A-ZÆØÅ0-9])")
PIECE_MIN_WORDS = 4


def piece_texts(p: Passage, parts: list[str] | None = None) -> list[str]:
    """What the model sees of each sentence or list item, with the passage's area and section;
    none when the passage is a single piece (its own vector says it all). `parts`: those of
    its text, when already split."""
    parts = _pieces(p.text) if parts is None else parts
    if not parts:
        return []
    where = embed_text(p)[: -len(p.text)]
    return [where + x for x in parts]


def _pieces(text: str) -> list[str]:
    parts = [x.strip(" •◦") for x in PIECE_SPLIT.split(text)]
    parts = [x for x in parts if len(x.split()) >= PIECE_MIN_WORDS]
    return parts if len(parts) >= 2 else []


def all_piece_texts(passages: list[Passage]) -> list[list[str]]:
    """`piece_texts` of every passage, a text that recurs split once (two thirds of the bench
    corpus's passages repeat an earlier text)."""
    parts = once_each([p.text for p in passages], _pieces)
    return [piece_texts(p, ps) for p, ps in zip(passages, parts, strict=True)]


def text_key(model_id: str, text: str) -> str:
    return hashlib.sha1(f"{model_id}\n{text}".encode()).hexdigest()
