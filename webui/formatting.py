"""Danish formatting for the templates: amounts, counts, slugs, sort keys."""

from __future__ import annotations

import re
import unicodedata

from flask import Flask

UNKNOWN_AMOUNT = "beløb ukendt"
_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
#: Danish alphabetical order puts æ, ø, å after z, in that order.
_COLLATE = str.maketrans({"æ": "z\x01", "ø": "z\x02", "å": "z\x03"})


def number(value: int | float) -> str:
    """12345678 -> '12.345.678' (Danish thousands separator; minus sign kept)."""
    return f"{round(value):,}".replace(",", ".")


def kr(amount: int | None) -> str:
    """81205800 -> '81.205.800 kr.'; None -> 'beløb ukendt'."""
    return UNKNOWN_AMOUNT if amount is None else f"{number(amount)} kr."


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
    app.add_template_global(plural, "plural")
