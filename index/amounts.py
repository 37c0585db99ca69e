"""Danish money amounts in prose ("0,1 mio. kr.", "116.000 kr.", "1.234 t. kr.") as whole kroner.

Budget remarks state amounts in several scales; search filters and the area totals need them
as plain integers, so every scale word is resolved here and nowhere else.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# A Danish number: "." or NBSP groups thousands, "," marks decimals ("50.190.100", "474,6").
_NUMBER = r"\d{1,3}(?:[.\u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_KR = r"kr(?:oner)?\b\.?"
# Scale words between the number and "kr."; the key is matched case-insensitively.
_SCALES: dict[str, int] = {
    "mia": 1_000_000_000,
    "milliard": 1_000_000_000,
    "milliarder": 1_000_000_000,
    "mio": 1_000_000,
    "million": 1_000_000,
    "millioner": 1_000_000,
    "t": 1_000,
    "tus": 1_000,
    "tusind": 1_000,
    "1.000": 1_000,
}
_SCALE = r"(?P<scale>mia|milliard(?:er)?|mio|million(?:er)?|tusind|tus|t)\b\.?\s*"
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?P<sign>[-−]\s?)?(?P<num>{_NUMBER})\s*(?:{_SCALE})?{_KR}"
    rf"|(?<![\w.,])(?P<sign2>[-−]\s?)?(?P<num2>{_NUMBER})\s*(?P<tkr>tkr\b\.?)",
    re.IGNORECASE,
)
# "beløb i 1.000 kr.", "(1.000 kr.)", "(t. kr.)", "(mio. kr.)": a unit declaration, not an amount.
_UNIT_DECL = re.compile(
    rf"(?:\(\s*(?:i\s+)?|\bi\s+)(?:(?P<unit>1\.000|t\.?|mio\.?|mia\.?)\s*{_KR}|(?P<tkr>tkr\b\.?))"
    r"\s*\)?",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(rf"(?<![\w.,])(?P<sign>[-−]\s?)?(?P<num>{_NUMBER})(?![\w,])")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def parse_number(text: str) -> Decimal:
    """A Danish-formatted number ("50.190.100", "0,04") as a Decimal."""
    cleaned = re.sub(r"[.\u00a0\u202f]", "", text).replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc


def _kroner(num: str, scale: int, negative: bool) -> int:
    value = int((parse_number(num) * scale).to_integral_value())
    return -value if negative else value


def _scale_of(word: str | None) -> int:
    if not word:
        return 1
    return _SCALES[word.lower().rstrip(".")]


def find_amounts(text: str) -> tuple[int, ...]:
    """Every amount in kroner the text mentions, in order, without repeats.

    A unit declaration such as "beløb i 1.000 kr." is a scale, not an amount of 1.000 kr.
    """
    masked = _UNIT_DECL.sub(lambda m: " " * len(m.group(0)), text)
    found: list[int] = []
    for m in _AMOUNT.finditer(masked):
        if m.group("num"):
            value = _kroner(m.group("num"), _scale_of(m.group("scale")), bool(m.group("sign")))
        else:
            value = _kroner(m.group("num2"), 1_000, bool(m.group("sign2")))
        if value not in found:
            found.append(value)
    return tuple(found)


def declared_unit(text: str) -> int:
    """The scale a unit declaration in the text sets ("(1.000 kr.)" → 1000); 1 without one."""
    m = _UNIT_DECL.search(text)
    if not m:
        return 1
    unit = (m.group("unit") or "tkr").lower().rstrip(".")
    return {"1.000": 1_000, "t": 1_000, "tkr": 1_000, "mio": 1_000_000, "mia": 1_000_000_000}[unit]


def statement_amount(line: str) -> int | None:
    """The net budget an amount statement gives, in kroner, or None if it gives none.

    Handles "Samlet nettobudget for området: 50.190.100 kr.", "... udgør netto 474,6 mio. kr.",
    "Samlet nettobudget: 1.234 t. kr." and "Nettobudget 2024 (1.000 kr.): 12.345".
    """
    value_part = line.rsplit(":", 1)[1] if ":" in line else line
    amounts = find_amounts(value_part)
    if amounts:
        return amounts[-1]
    unit = declared_unit(line)
    masked = _UNIT_DECL.sub(" ", value_part)
    numbers = [m for m in _BARE_NUMBER.finditer(masked) if not _YEAR.match(m.group("num"))]
    if not numbers:
        return None
    last = numbers[-1]
    return _kroner(last.group("num"), unit, bool(last.group("sign")))
