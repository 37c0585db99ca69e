"""Danish formatting for the templates: amounts, counts, slugs, sort keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask import Flask

# amounts are written one way everywhere (the CLI too): the index stage's, as filters here
from index.documents.amounts import danish_number as number
from index.documents.amounts import format_kr as kr

_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
#: Danish alphabetical order puts æ, ø, å after z, in that order.
_COLLATE = str.maketrans({"æ": "z\x01", "ø": "z\x02", "å": "z\x03"})


#: Bars are SVG rects 0..BAR_WIDTH wide (a width attribute: the CSP refuses style=).
BAR_WIDTH = 100


def bar_width(amount: int | None, biggest: int) -> float:
    """An amount's bar beside the biggest (absolute) amount: 0 for an unknown or zero amount,
    else at least half a unit, so a small but real amount still shows."""
    if not amount or not biggest:
        return 0.0
    return max(round(abs(amount) / biggest * BAR_WIDTH, 1), 0.5)


def share(fraction: float | None) -> str:
    """0.17636 -> '17,6 %' (Danish decimal comma, a space before %); None -> ''."""
    if fraction is None:
        return ""
    return f"{fraction * 100:.1f}".replace(".", ",") + "\u00a0%"


def decimal_comma(value: object) -> object:
    """A float written the Danish way for Excel ('0,684184'); anything else unchanged."""
    if isinstance(value, float):
        text = repr(value) if "e" not in repr(value) else f"{value:.12f}".rstrip("0")
        return text.replace(".", ",")
    return value


def ms(value: float) -> str:
    """Milliseconds, whole, Danish style ('under 1 ms' for a quick one)."""
    return "under 1 ms" if value < 1 else f"{number(value)} ms"


def read_where(source: Mapping[str, Any] | None) -> str:
    """Where an amount was read, after "læst": 'i linje 6' in a text, 'på s. 3' in a PDF (its
    page: a line of the extracted text means nothing to a reader of the PDF); '' for none."""
    if not source:
        return ""
    return f"på s. {source['page']}" if source.get("page") else f"i linje {source['line']}"


def sentence(text: str) -> str:
    """'stemmer ikke: …' -> 'Stemmer ikke: …' (the first letter only; the rest as written)."""
    return text[:1].upper() + text[1:]


def plural(count: int, one: str, many: str) -> str:
    return f"{number(count)} {one if count == 1 else many}"


def slug(text: str) -> str:
    """'Digitalisering og IT' -> 'digitalisering-og-it'; æ/ø/å spelled out, never empty."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DANISH)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "omraade"


def collate(text: str) -> str:
    """A sort key for Danish names."""
    return unicodedata.normalize("NFC", text).casefold().translate(_COLLATE)


def register(app: Flask) -> None:
    app.add_template_filter(kr, "kr")
    app.add_template_filter(number, "number")
    app.add_template_filter(ms, "ms")
    app.add_template_filter(share, "share")
    app.add_template_filter(read_where, "read_where")
    app.add_template_filter(sentence, "sentence")
    app.add_template_global(plural, "plural")
