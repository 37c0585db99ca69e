"""Danish money amounts in prose ("0,1 mio. kr.", "116.000 kr.", "1.234 t. kr.") as whole kroner.

Budget remarks state amounts in several scales; search filters and the area totals need them
as plain integers, so every scale word is resolved here and nowhere else. An amount is exact
or reported: `scan` returns, beside the amounts, what it was unsure of (spaces between digit
groups, a figure beyond any budget), and `read_statement` refuses to pick one of several
amounts on a net-budget line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: No municipal budget reaches a quadrillion kroner; beyond this a "number" is a typo or an
#: attack, and would not fit the index's 64-bit integers anyway.
MAX_KR = 10**15
# Decimals: ",5" or the whole-kroner dash ",-" ("50.190.100,- kr.").
_DECIMALS = r"(?:,\d+|,-)?"
# A Danish number: "." or a no-break/thin space groups thousands ("50.190.100", "50 190 100"),
# "," marks decimals ("474,6"). Plain spaces between groups are read too, but reported.
_NUMBER = (
    rf"\d{{1,3}}(?:[.\u00a0\u202f\u2009]\d{{3}})+{_DECIMALS}"
    rf"|\d{{1,3}}(?: \d{{3}})+{_DECIMALS}"
    rf"|\d+{_DECIMALS}"
)
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
_AMOUNT = re.compile(  # the lookahead only skips, fast, what cannot start an amount
    rf"(?=[-−\d])(?:(?<![\w.,])(?P<sign>[-−]\s?)?(?P<num>{_NUMBER})\s*(?:{_SCALE})?{_KR}"
    rf"|(?<![\w.,])(?P<sign2>[-−]\s?)?(?P<num2>{_NUMBER})\s*(?P<tkr>tkr\b\.?))",
    re.IGNORECASE,
)
# "beløb i 1.000 kr.", "(1.000 kr.)", "(t. kr.)", "(mio. kr.)": a unit declaration, not an amount.
_UNIT_DECL = re.compile(
    rf"(?:\(\s*(?:i\s+)?|\bi\s+)(?:(?P<unit>1\.000|t\.?|mio\.?|mia\.?)\s*{_KR}|(?P<tkr>tkr\b\.?))"
    r"\s*\)?",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[-−]\s?)?(?P<num>\d{1,3}(?:[.\u00a0\u202f\u2009]\d{3})+"
    rf"{_DECIMALS}|\d+{_DECIMALS})(?![\w,])"
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DIGIT = re.compile(r"\d")
#: An accounting negative: the amount alone in brackets, "(1.234.567) kr.", "(12,3 mio. kr.)",
#: "(1.234)" under a declared unit. Income areas are written this way in many budgets.
_ACCOUNTING = re.compile(
    rf"\(\s*(?P<num>{_NUMBER})\s*(?P<unit>(?:(?:mia|milliard(?:er)?|mio|million(?:er)?|tusind|tus|t)"
    rf"\b\.?\s*)?(?:{_KR}|tkr\b\.?)?)\s*\)",
    re.IGNORECASE,
)
#: Other figures in brackets on a net-budget line: "(2023: 48.000.000 kr.)", "(heraf ...)".
_BRACKETS = re.compile(r"\([^()]*\)")


def _kr(value: int) -> str:
    return f"{value:,} kr.".replace(",", ".")


def parse_number(text: str) -> Decimal:
    """A Danish-formatted number ("50.190.100", "0,04", "50.190.100,-") as a Decimal."""
    cleaned = re.sub(r"[.\u00a0\u202f\u2009 ]", "", text).removesuffix(",-").replace(",", ".")
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


def scan(text: str) -> tuple[tuple[int, ...], list[str]]:
    """Every amount in kroner the text mentions, in order, without repeats; and a note for
    each figure read with doubt (spaces between digit groups) or not read at all (beyond
    MAX_KR). A unit declaration such as "beløb i 1.000 kr." is a scale, not an amount."""
    # every amount ends in kr., kroner or tkr. and has a digit ("kr" alone: krav, kriser, ...)
    if "kr" not in text.lower() or not _DIGIT.search(text):
        return (), []
    masked = _UNIT_DECL.sub(lambda m: " " * len(m.group(0)), text)
    found: list[int] = []
    notes: list[str] = []
    for m in _AMOUNT.finditer(masked):
        if m.group("num"):
            num, value = m.group("num"), 0
            value = _kroner(num, _scale_of(m.group("scale")), bool(m.group("sign")))
        else:
            num = m.group("num2")
            value = _kroner(num, 1_000, bool(m.group("sign2")))
        shown = m.group(0).strip()
        if abs(value) >= MAX_KR:
            notes.append(f"amount {shown!r} is beyond any budget; not read")
            continue
        if " " in num:
            notes.append(f"amount {shown!r} has spaces between digit groups; read as {_kr(value)}")
        if value not in found:
            found.append(value)
    return tuple(found), notes


def find_amounts(text: str) -> tuple[int, ...]:
    """Every amount in kroner the text mentions, in order, without repeats (see `scan`)."""
    return scan(text)[0]


def declared_unit(text: str) -> int:
    """The scale a unit declaration in the text sets ("(1.000 kr.)" → 1000); 1 without one."""
    m = _UNIT_DECL.search(text)
    if not m:
        return 1
    unit = (m.group("unit") or "tkr").lower().rstrip(".")
    return {"1.000": 1_000, "t": 1_000, "tkr": 1_000, "mio": 1_000_000, "mia": 1_000_000_000}[unit]


@dataclass(frozen=True)
class Reading:
    """What a net-budget line says: its amount, or None with the reason it was not read."""

    amount: int | None
    notes: tuple[str, ...] = ()


def read_statement(line: str) -> Reading | None:
    """The net budget an amount statement gives; None when the line holds no figure at all.

    Handles "Samlet nettobudget for området: 50.190.100 kr.", "... udgør netto 474,6 mio. kr.",
    "Samlet nettobudget: 1.234 t. kr." and "Nettobudget 2024 (1.000 kr.): 12.345". Figures in
    brackets are other figures ("50.190.100 kr. (2023: 48.000.000 kr.)" is 50.190.100 kr.),
    and a line with several different amounts is not guessed at: amount None, with a note.
    """
    unit = declared_unit(line)
    masked = unit_masked = _UNIT_DECL.sub(lambda m: " " * len(m.group(0)), line)
    bracketed = "".join(m.group(0) for m in _BRACKETS.finditer(masked))
    masked = _BRACKETS.sub(lambda m: " " * len(m.group(0)), masked)
    colon = masked.rfind(":")
    value_part = masked[colon + 1 :]
    amounts, notes = scan(value_part)
    if not amounts and not notes:
        amounts = _accounting_negative(unit_masked[colon + 1 :], unit)
        notes += [f"amount in brackets read as negative (accounting style): {_kr(a)}"
                  for a in amounts]  # fmt: skip
    if not amounts and not notes:
        numbers = [m for m in _BARE_NUMBER.finditer(value_part) if not _YEAR.match(m.group("num"))]
        amounts = tuple(
            dict.fromkeys(_kroner(m.group("num"), unit, bool(m.group("sign"))) for m in numbers)
        )
        beyond = [a for a in amounts if abs(a) >= MAX_KR]
        notes += [f"amount {_kr(a)} is beyond any budget; not read" for a in beyond]
        amounts = tuple(a for a in amounts if abs(a) < MAX_KR)
    if len(amounts) == 1:
        return Reading(amounts[0], tuple(notes))
    if len(amounts) > 1:
        listed = ", ".join(_kr(a) for a in amounts)
        notes.append(f"net budget line gives several amounts ({listed}); none taken")
        return Reading(None, tuple(notes))
    if notes or find_amounts(bracketed):
        if not notes:
            notes.append("net budget line gives an amount only in brackets; none taken")
        return Reading(None, tuple(notes))
    return None


def _accounting_negative(text: str, unit: int) -> tuple[int, ...]:
    """The one amount written alone in brackets after the label, as a negative; () for none
    or several (several bracketed figures are other figures, not a sign)."""
    found = list(_ACCOUNTING.finditer(text))
    if len(found) != 1 or _YEAR.match(found[0].group("num")):
        return ()
    m = found[0]
    after = text[m.end() :].lstrip()
    written = f"-{m.group('num')} {m.group('unit') or ''}"
    if not m.group("unit") and re.match(rf"(?:{_SCALE})?{_KR}|tkr\b", after, re.IGNORECASE):
        written += after  # "(1.234.567) kr."
    amounts = scan(written)[0]
    if not amounts and not m.group("unit"):
        amounts = (_kroner(m.group("num"), unit, True),)
    return tuple(a for a in amounts[:1] if abs(a) < MAX_KR)


def statement_amount(line: str) -> int | None:
    """The net budget an amount statement gives, in kroner, or None (see `read_statement`)."""
    reading = read_statement(line)
    return reading.amount if reading else None


#: How an amount that is not stated reads, on the command line and in the web UI.
UNKNOWN_AMOUNT = "ikke oplyst"


def danish_number(value: int | float) -> str:
    """12345678 -> '12.345.678' (Danish thousands separator; minus sign kept)."""
    return f"{round(value):,}".replace(",", ".")


def format_kr(amount: int | None) -> str:
    """81205800 -> '81.205.800 kr.'; None -> 'ikke oplyst'. The one way amounts are written."""
    return UNKNOWN_AMOUNT if amount is None else f"{danish_number(amount)} kr."
