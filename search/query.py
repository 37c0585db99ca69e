"""Lenient query syntax: any string a person can type parses.

Understood: plain words, "quoted phrases", field filters (area:Jobcenter, section:"Udvikling og
udfordringer", year:2024), -word or NOT word to exclude, word* for a prefix. Everything else
(stray AND/OR, unbalanced quotes or parentheses, unknown fields, control characters) falls back
to plain words. Nothing here raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from index.config import MAX_QUERY_CHARS

MAX_WORDS = 48

#: Field names a user may type, Danish and English, mapped to Filters attributes.
FIELD_ALIASES = {
    "area": "area", "omraade": "area", "område": "area",
    "section": "section", "afsnit": "section", "overskrift": "section",
    "committee": "committee", "udvalg": "committee",
    "year": "year", "aar": "year", "år": "year",
    "municipality": "municipality", "kommune": "municipality",
}  # fmt: skip
OPERATORS = {"and", "or", "not", "&&", "||", "og/eller"}
_TOKEN = re.compile(
    r'(?P<field>[^\W\d_]+):(?:"(?P<fquoted>[^"]*)"?|(?P<fvalue>[^\s"]+))'
    r'|(?P<neg>-)?"(?P<phrase>[^"]*)"'
    r"|(?P<word>[^\s\"]+)"
)
_WORDCHARS = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*\*?")


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the query as cleaned, for display and for the semantic model
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes)


def clean_text(raw: str) -> str:
    # NFKC: fullwidth "ＭｉｔＩＤ" and ligatures are the letters people meant
    text = unicodedata.normalize("NFKC", raw or "")[:MAX_QUERY_CHARS]
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return re.sub(r"\s+", " ", text).strip()


def parse(raw: str) -> ParsedQuery:
    text = clean_text(raw)
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    prefixes: list[str] = []
    excluded: list[str] = []
    filters: dict[str, str] = {}
    free: list[str] = []
    negate_next = False
    for m in _TOKEN.finditer(text):
        if m.group("field") is not None:
            name = FIELD_ALIASES.get(m.group("field").casefold())
            value = (m.group("fquoted") or m.group("fvalue") or "").strip()
            if name and value:
                filters[name] = value
                continue
            piece = f"{m.group('field')} {value}"
        elif m.group("phrase") is not None:
            parts = tuple(_words(m.group("phrase")))
            if m.group("neg"):
                excluded.extend(parts)
            elif len(parts) > 1:
                phrases.append(parts)
                free.append(" ".join(parts))
            else:
                words.extend(parts)
                free.extend(parts)
            continue
        else:
            piece = m.group("word")
        if piece.casefold() in OPERATORS:
            negate_next = piece.casefold() == "not"
            continue
        negated = negate_next or (piece.startswith("-") and len(piece) > 1)
        negate_next = False
        for w in _words(piece):
            if negated:
                excluded.append(w.rstrip("*"))
            elif w.endswith("*"):
                stem = w.rstrip("*")
                if len(stem) >= 2:
                    prefixes.append(stem)
                    free.append(stem)
            else:
                words.append(w)
                free.append(w)
    return ParsedQuery(
        text=" ".join(free) if free else "",
        words=tuple(words[:MAX_WORDS]),
        phrases=tuple(phrases[:8]),
        prefixes=tuple(prefixes[:8]),
        excluded=tuple(excluded[:16]),
        filters=filters,
    )


def _words(text: str) -> list[str]:
    return [w for w in _WORDCHARS.findall(text.replace("*", "* ").replace("* ", "*"))]


#: A whole number as people write one: 1000000, or Danish thousands groups 1.000.000 / 1 000 000
#: (amounts only: "5.5" is not 55, and k and year take plain digits).
PLAIN_NUMBER = re.compile(r"-?[0-9]+")
GROUPED_NUMBER = re.compile(r"-?[0-9]{1,3}(?:([. \u00a0])[0-9]{3})(?:\1[0-9]{3})*")


def whole_number(value: object, *, grouped: bool = True) -> int | None:
    """The whole number `value` writes (thousands groups allowed when `grouped`), else None:
    one reading for a filter typed in the query box, given to the engine or to the web UI."""
    text = str(value)
    if PLAIN_NUMBER.fullmatch(text) or (grouped and GROUPED_NUMBER.fullmatch(text)):
        return int(re.sub(r"[. \u00a0]", "", text))
    return None
