"""Danish money amounts in prose ("0,1 mio. kr.", "116.000 kr.", "1.234 t. kr.") as whole kroner.

Budget remarks state amounts in several scales; search filters and the area totals need them
as plain integers, so every scale word is resolved here and nowhere else. An amount is exact
or reported: `scan` returns, beside the amounts, what it was unsure of (spaces between digit
groups, a figure beyond any budget), and `read_statement` refuses to pick one of several
amounts on a net-budget line.

Danish writing: "." groups thousands and "," marks decimals, "÷" (and a trailing "-") is a
minus, the scale may come before the number ("mio. kr. 12,5"). A point before one or two digits
and a scale word is a decimal ("12.5 mio. kr."), and commas grouping thousands in twos or more
("12,345,678 kr.") are read as such; "12,345 kr." stays 12,345 kr. with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

#: No municipal budget reaches a quadrillion kroner; beyond this a "number" is a typo or an
#: attack, and would not fit the index's 64-bit integers anyway.
MAX_KR = 10**15
# Decimals: ",5" or the whole-kroner dash ",-" ("50.190.100,- kr.").
_DECIMALS = r"(?:,\d+|,-)?"
_SCALE_WORDS = r"mia|milliard(?:er)?|mio|million(?:er)?|tusind|tus|t"
# A Danish number: "." or a no-break/thin space groups thousands ("50.190.100", "50 190 100"),
# "," marks decimals ("474,6"). Plain spaces between groups are read too, but reported.
_NUMBER = (
    # a point before one or two digits and a scale word is a decimal: "12.5 mio.", "1.5 mia."
    r"\d+\.\d{1,2}(?=\s*(?:mia|mio|milliard|million)\w*\b)"
    rf"|\d{{1,3}}(?:[.\u00a0\u202f\u2009]\d{{3}})+{_DECIMALS}"
    r"|\d{1,3}(?:,\d{3}){2,}(?![,\d])"  # "12,345,678": commas grouping thousands
    rf"|\d{{1,3}}(?: \d{{3}})+{_DECIMALS}"
    rf"|\d+{_DECIMALS}"
)
#: Minus signs: "-", "−", the Danish "÷" and the en dash.
_MINUS = "-−÷–"
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
_SCALE = rf"(?P<scale>{_SCALE_WORDS})\b\.?\s*"
_AMOUNT = re.compile(  # the lookahead only skips, fast, what cannot start an amount
    rf"(?=[{_MINUS}\dkKmMtT])(?:(?<![\w.,])(?P<sign>[{_MINUS}]\s?)?(?P<num>{_NUMBER})"
    rf"(?P<trail>(?<!,)-(?![\w-]))?\s*(?:{_SCALE})?{_KR}"
    rf"|(?<![\w.,])(?P<sign2>[{_MINUS}]\s?)?(?P<num2>{_NUMBER})\s*(?P<tkr>tkr\b\.?)"
    # the unit first: "mio. kr. 12,5", "kr. 1.234.567" (checked where it may start)
    rf"|(?<![\w.])(?:(?P<scale3>mia|mio|t)\.?\s*)?\bkr\.\s*(?P<sign3>[{_MINUS}]\s?)?"
    rf"(?P<num3>{_NUMBER})(?![\d.,]*\s*(?:%|kr|tkr|mio|mia|milliard|million|t\.))(?!\w)"
    # millions without "kr." ("et nettobudget på 595 mio., hvilket …"), unless a unit in lower
    # case follows ("2,5 mio. kWh", "1,2 mio. borgere", "12 mio. i 2024" is not read)
    rf"|(?<![\w.,])(?P<sign4>[{_MINUS}]\s?)?(?P<num4>{_NUMBER})\s*"
    r"(?P<scale4>mia|milliard(?:er)?|mio|million(?:er)?)\b(?!\.?\s*(?-i:[a-zæøå%&/]))\.?)",
    re.IGNORECASE,
)
#: What may stand before an amount written unit first: a label's colon, "på", a bracket.
_UNIT_FIRST_AFTER = re.compile(
    r"(?:^|[:(=|]|\b(?:på|af|udgør|er|til|med|budget\w*|i\s+alt))\s*$", re.IGNORECASE
)
#: Before a minus written with a space: only a label's end or nothing ("Jobcenter – 50 mio. kr."
#: is a dash between a name and its amount, "Resultat: – 1.234 kr." is a minus).
_SPACED_MINUS_AFTER = re.compile(r"(?:^|[:(=|÷])\s*$")
#: "1.000" as a unit, also grouped with a (no-break, thin) space as PDFs print it: "1 000 kr.".
THOUSAND = r"1[.\u00a0\u202f\u2009 ]000"
# "beløb i 1.000 kr.", "(1.000 kr.)", "(t. kr.)", "(mio. kr.)": a unit declaration, not an amount.
# So is one that ends a caption after a comma or a spaced dash ("Driftsbudget 2025 – netto,
# 1.000 kr.", "Nettobudget 2025 – 1 000 kr.:"): no budget is a thousand kroner.
_UNIT_DECL = re.compile(
    rf"(?:\(\s*(?:i\s+)?|\bi\s+|(?P<tail>(?<=[\w)])(?:,\s+|\s[–—-]\s+)|(?<=[^\W\d_]),))"
    rf"(?:(?P<unit>{THOUSAND}|t\.?|mio\.?|mia\.?)\s*{_KR}|(?P<tkr>tkr\b\.?))"
    r"\s*\)?(?(tail)(?=\s*(?::|$)))",
    re.IGNORECASE,
)
#: A unit standing alone, as a table's column header says it: "Mio. kr.", "1.000 kr.", "t.kr."
_BARE_UNIT = re.compile(
    rf"(?<![\w.])(?:(?P<unit>{THOUSAND}|t\.?|mio\.?|mia\.?)\s*{_KR}|(?P<tkr>tkr\b))",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<sign>[{_MINUS}]\s?)?(?P<num>\d{{1,3}}(?:[.\u00a0\u202f\u2009]\d{{3}})+"
    rf"{_DECIMALS}|\d+{_DECIMALS})(?P<trail>(?<!,)-)?(?![\w,])"
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
#: A year standing in a text ("budget 2024", "2023-priser"): which year a figure is for. The one
#: pattern the readers of sentences, tables and net-budget lines share.
YEARS = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_DIGIT = re.compile(r"\d")
#: An accounting negative: the amount alone in brackets, "(1.234.567) kr.", "(12,3 mio. kr.)",
#: "(1.234)" under a declared unit. Income areas are written this way in many budgets.
_ACCOUNTING = re.compile(
    rf"\(\s*(?P<num>{_NUMBER})\s*(?P<unit>(?:(?:{_SCALE_WORDS})\b\.?\s*)?(?:{_KR}|tkr\b\.?)?)\s*\)",
    re.IGNORECASE,
)
#: Other figures in brackets on a net-budget line: "(2023: 48.000.000 kr.)", "(heraf ...)".
_BRACKETS = re.compile(r"\([^()]*\)")
#: A table cell's number: "-2.093,8", "÷ 12,5", "(1.234)", "1.234-", "50.190.100 kr."
_CELL = re.compile(
    rf"^(?P<sign>[{_MINUS}]\s?)?(?P<open>\()?\s*(?P<num>{_NUMBER})\s*(?(open)\))(?P<trail>-)?"
    rf"\s*(?:(?P<scale>{_SCALE_WORDS})\b\.?\s*)?(?P<kr>{_KR})?$",
    re.IGNORECASE,
)


def parse_number(text: str) -> Decimal:
    """A Danish-formatted number ("50.190.100", "0,04", "50.190.100,-") as a Decimal; also
    "12.5" (a decimal point: the caller has seen the scale word) and "12,345,678"."""
    text = text.strip()
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        cleaned = text
    elif re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", text):
        cleaned = text.replace(",", "")
    else:
        cleaned = re.sub(r"[.\u00a0\u202f\u2009 ]", "", text).removesuffix(",-").replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc


def kroner(num: str, scale: int = 1, negative: bool = False) -> int:
    """A number as written (`parse_number`) times its scale, in whole kroner: exactly, however
    large. Amounts in documents and in questions ("over 2,5 mio.") are read by this alone."""
    value = round(Fraction(parse_number(num)) * scale)  # exact: Decimal rounds at 28 digits
    return -value if negative else value


def _scale_of(word: str | None) -> int:
    if not word:
        return 1
    return _SCALES[word.lower().rstrip(".")]


def _negative(text: str, sign: str | None, trail: str | None, start: int) -> bool:
    """Whether a matched sign makes the amount negative (see _SPACED_MINUS_AFTER)."""
    if trail:
        return True
    if not sign:
        return False
    if sign.strip() == sign:  # "-12", "÷12": joined to the number
        return True
    return sign[0] == "÷" or bool(_SPACED_MINUS_AFTER.search(text[:start]))


def amount_spans(text: str) -> list[tuple[int, int, int, list[str]]]:
    """Every amount in the text with where it is: (start, end, kroner, notes)."""
    low = text.lower()
    if not _DIGIT.search(text) or ("kr" not in low and "mi" not in low):
        return []
    masked = _UNIT_DECL.sub(lambda m: " " * len(m.group(0)), text)
    out = []
    for m in _AMOUNT.finditer(masked):
        notes: list[str] = []
        start = m.start()
        if m.group("num"):
            num, scale = m.group("num"), _scale_of(m.group("scale"))
            sign, trail = m.group("sign"), m.group("trail")
        elif m.group("num2"):
            num, scale, sign, trail = m.group("num2"), 1_000, m.group("sign2"), None
        elif m.group("num4"):
            num, scale = m.group("num4"), _scale_of(m.group("scale4"))
            sign, trail = m.group("sign4"), None
        else:
            if not _UNIT_FIRST_AFTER.search(masked[:start]):
                continue
            num, scale = m.group("num3"), _scale_of(m.group("scale3"))
            sign, trail = m.group("sign3"), None
            start = m.start("sign3") if sign else m.start("num3")
        if sign and not _negative(masked, sign, None, m.start()) and not m.group("num3"):
            start += len(sign)
            sign = None
        negative = _negative(masked, sign, trail, m.start())
        value = kroner(num, scale, negative)
        shown = m.group(0).strip()
        if abs(value) >= MAX_KR:
            beyond = f"amount {shown!r} is beyond any budget; not read"
            out.append((start, m.end(), value, [beyond]))
            continue
        if " " in num:
            notes.append(f"amount {shown!r} has spaces between digit groups; "
                         f"read as {format_kr(value)}")  # fmt: skip
        if re.fullmatch(r"\d{1,3},\d{3}", num) and scale == 1:
            notes.append(f"amount {shown!r}: is the comma a decimal or a thousands separator? "
                         f"read as {format_kr(value)}")  # fmt: skip
        out.append((start, m.end(), value, notes))
    return out


def scan(text: str) -> tuple[tuple[int, ...], list[str]]:
    """Every amount in kroner the text mentions, in order, without repeats; and a note for
    each figure read with doubt (spaces between digit groups) or not read at all (beyond
    MAX_KR). A unit declaration such as "beløb i 1.000 kr." is a scale, not an amount."""
    found: list[int] = []
    notes: list[str] = []
    for _start, _end, value, why in amount_spans(text):
        notes += why
        if abs(value) < MAX_KR and value not in found:
            found.append(value)
    return tuple(found), notes


def find_amounts(text: str) -> tuple[int, ...]:
    """Every amount in kroner the text mentions, in order, without repeats (see `scan`)."""
    return scan(text)[0]


_UNITS = {"1.000": 1_000, "t": 1_000, "tkr": 1_000, "mio": 1_000_000, "mia": 1_000_000_000}


def declared_unit(text: str, bare: bool = False) -> int:
    """The scale a unit declaration in the text sets ("(1.000 kr.)" → 1000); 1 without one.
    With `bare`, a unit standing alone ("Mio. kr.", a column header) counts too, and a text
    without any unit gives 0."""
    m = _UNIT_DECL.search(text) or (_BARE_UNIT.search(text) if bare else None)
    if not m:
        return 1 if not bare or re.search(r"\bkr\b", text, re.IGNORECASE) else 0
    unit = (m.group("unit") or "tkr").lower().rstrip(".")
    return _UNITS["1.000" if unit[0] == "1" else unit]


def parse_cell(cell: str, unit: int = 1) -> int | None:
    """A table cell as kroner, in `unit` unless the cell gives its own scale; None for a cell
    that is not one amount (text, a percentage, empty)."""
    m = _CELL.match(cell.strip())
    if not m:
        return None
    written = m.group("scale") or m.group("kr")  # the cell's own unit
    scale = _scale_of(m.group("scale")) if written else unit
    negative = bool(m.group("sign") or m.group("open") or m.group("trail"))
    return kroner(m.group("num"), scale, negative)


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
    # after the first label: "Nettobudget 2024: 45,2 mio. kr. Nettobudget 2023: 43,1 mio. kr."
    # gives two amounts, not the last one
    colon = masked.find(":")
    value_part = masked[colon + 1 :]
    amounts, notes = scan(value_part)
    if not amounts and not notes:
        amounts = _accounting_negative(unit_masked[colon + 1 :], unit)
        notes += [f"amount in brackets read as negative (accounting style): {format_kr(a)}"
                  for a in amounts]  # fmt: skip
    if not amounts and not notes:
        numbers = [m for m in _BARE_NUMBER.finditer(value_part) if not _YEAR.match(m.group("num"))
                   and not value_part[m.end():].lstrip().startswith("%")]  # fmt: skip
        if numbers and not _UNIT_DECL.search(line):
            # "Samlet nettobudget: 12.345", or a sentence wrapped before its "mio. kr.": kroner,
            # thousands or millions? Not guessed.
            return Reading(None, ("net budget line gives a number without a unit (kr., 1.000 kr., "
                                  "mio. kr.); not read",))  # fmt: skip
        amounts = tuple(dict.fromkeys(
            kroner(m.group("num"), unit, _negative(value_part, m.group("sign"), m.group("trail"),
                                                    m.start()))
            for m in numbers
        ))  # fmt: skip
        beyond = [a for a in amounts if abs(a) >= MAX_KR]
        notes += [f"amount {format_kr(a)} is beyond any budget; not read" for a in beyond]
        amounts = tuple(a for a in amounts if abs(a) < MAX_KR)
    if len(amounts) == 1:
        return Reading(amounts[0], tuple(notes))
    if len(amounts) > 1:
        listed = ", ".join(format_kr(a) for a in amounts)
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
        amounts = (kroner(m.group("num"), unit, True),)
    return tuple(a for a in amounts[:1] if abs(a) < MAX_KR)


#: How an amount that is not stated reads, on the command line and in the web UI.
UNKNOWN_AMOUNT = "ikke oplyst"


def danish_number(value: int | float) -> str:
    """12345678 -> '12.345.678' (Danish thousands separator; minus sign kept)."""
    return f"{round(value):,}".replace(",", ".")


def format_kr(amount: int | None) -> str:
    """81205800 -> '81.205.800 kr.'; None -> 'ikke oplyst'. The one way amounts are written."""
    return UNKNOWN_AMOUNT if amount is None else f"{danish_number(amount)} kr."
