"""Amounts in Danish budget prose, resolved to whole kroner."""

from decimal import Decimal

import pytest

from index.documents.amounts import (
    MAX_KR,
    Reading,
    declared_unit,
    find_amounts,
    parse_number,
    read_statement,
    scan,
)
from index.documents.clean import normalise_line


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("50.190.100", Decimal(50190100)),
        ("0,04", Decimal("0.04")),
        ("474,6", Decimal("474.6")),
        ("1.234,5", Decimal("1234.5")),
        ("7", Decimal(7)),
        ("50.190.100,-", Decimal(50190100)),
        ("50\u00a0190\u00a0100", Decimal(50190100)),
    ],
)
def test_parse_number(text: str, number: Decimal) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("tildelt 0,1 mio. kr. i 2024", (100_000,)),
        ("tilført 116.000 kr. i 2024", (116_000,)),
        ("fået tilført 0,04 mio. kr. i 2024", (40_000,)),
        ("2,3 mio. kr. i 2025", (2_300_000,)),
        ("i 2024, 2,3 mio. kr. i 2025, 2,8 mio. kr. i 2026", (2_300_000, 2_800_000)),
        ("en udgift på 1.000 kr.", (1_000,)),
        ("beløb i 1.000 kr.", ()),  # a unit declaration, not an amount
        ("(1.000 kr.)", ()),
        ("1.234 t. kr.", (1_234_000,)),
        ("12 tkr.", (12_000,)),
        ("474,6 mio. kr.", (474_600_000,)),
        ("1,2 mia. kr.", (1_200_000_000,)),
        ("3 millioner kroner", (3_000_000,)),
        ("50.190.100 kr.", (50_190_100,)),
        ("et fald på -5 mio. kr.", (-5_000_000,)),
        ("0,3 mio. kr. årligt og igen 0,3 mio. kr.", (300_000,)),  # each amount once
        ("i 2024 og 2025 og 72 timer", ()),  # numbers without kroner are not amounts
        ("0,2 mio.kr. årligt", (200_000,)),
        ("50\u00a0190\u00a0100 kr.", (50_190_100,)),  # no-break spaces group thousands
        ("50\u202f190\u202f100 kr.", (50_190_100,)),  # narrow no-break spaces too
        ("50.190.100,- kr.", (50_190_100,)),  # ",-": whole kroner
        ("i alt 5.000,- kr. og 250,- kr.", (5_000, 250)),
        ("999.999.999.999.999 mia. kr.", ()),  # beyond any budget: not an amount
        # Danish writing beyond the basics
        ("÷12,5 mio. kr.", (-12_500_000,)),
        ("udgør ÷ 1.234.567 kr.", (-1_234_567,)),
        ("Resultat: – 1.234.567 kr.", (-1_234_567,)),
        ("Jobcenter – 50.190.100 kr.", (50_190_100,)),  # a dash between name and amount
        ("1.234.567- kr.", (-1_234_567,)),  # a trailing minus
        ("12.5 mio. kr.", (12_500_000,)),  # a point before one or two digits and a scale
        ("1.5 mia. kr.", (1_500_000_000,)),
        ("Budget: mio. kr. 12,5", (12_500_000,)),  # the unit first
        ("12,345,678 kr.", (12_345_678,)),  # commas grouping thousands
        # millions without "kr.", unless another unit follows
        ("et nettobudget på 595 mio., hvilket udgør 11,5 %", (595_000_000,)),
        ("2,5 mio. kWh", ()),
        ("1,2 mio. borgere", ()),
    ],
)
def test_find_amounts(text: str, amounts: tuple[int, ...]) -> None:
    assert find_amounts(text) == amounts


@pytest.mark.parametrize(
    ("line", "amount"),
    [
        ("Samlet nettobudget for området: 50.190.100 kr.", 50_190_100),
        ("Samlet nettobudget for området: 5.000.000 kr.   ", 5_000_000),
        ("Det samlede budget på området udgør netto 474,6 mio. kr.", 474_600_000),
        ("Samlet nettobudget: 1.234 t. kr.", 1_234_000),
        ("Nettobudget 2024 (1.000 kr.): 12.345", 12_345_000),
        ("Nettobudget 2024 (mio. kr.): 4,5", 4_500_000),
        ("Samlet nettobudget for området:", None),
        ("Samlet nettobudget for området: 50\u00a0190\u00a0100 kr.", 50_190_100),
        ("Samlet nettobudget for området: 50.190.100,- kr.", 50_190_100),
        ("Samlet nettobudget for området: kr. 50.190.100,-", 50_190_100),
        ("Samlet nettobudget for området: 50.190.100 kr. (2023: 48.000.000 kr.)", 50_190_100),
        ("Nettobudget 2024 (1.000 kr.): 12.345 (2023: 11.000)", 12_345_000),
        ("Samlet nettobudget: 2 mio. kr., heraf 1 mio. kr. til løn", None),
        ("Samlet nettobudget for området: 999.999.999.999.999 mia. kr.", None),
        # accounting negatives (income areas): the amount alone in brackets
        ("Samlet nettobudget for området: (1.234.567) kr.", -1_234_567),
        ("Samlet nettobudget for området: (12,3 mio. kr.)", -12_300_000),
        ("Nettobudget 2024 (1.000 kr.): (12.345)", -12_345_000),
        ("Samlet nettobudget: (1.234) t. kr.", -1_234_000),
        ("Samlet nettobudget: (2023: 48 mio. kr.)", None),  # a labelled figure is no sign
        ("Samlet nettobudget: (1 mio. kr.) eller (2 mio. kr.)", None),
    ],
)
def test_statement_amount(line: str, amount: int | None) -> None:
    reading = read_statement(line)
    assert (reading.amount if reading else None) == amount


def test_declared_unit() -> None:
    assert declared_unit("Beløb i 1.000 kr.") == 1_000
    assert declared_unit("(t. kr.)") == 1_000
    assert declared_unit("Nettobudget (tilskud): 12") == 1


def test_what_is_unsure_is_reported_not_guessed() -> None:
    assert read_statement("Samlet nettobudget: 2 mio. kr., heraf 1 mio. kr. til løn").notes == (
        "net budget line gives several amounts (2.000.000 kr., 1.000.000 kr.); none taken",
    )
    # the amount alone in brackets is an accounting negative: taken, and said so
    assert read_statement("Samlet nettobudget: (48.000.000 kr.)") == Reading(-48_000_000, (
        "amount in brackets read as negative (accounting style): -48.000.000 kr.",))
    assert read_statement("Samlet nettobudget: (2023: 48.000.000 kr.)").notes == (
        "net budget line gives an amount only in brackets; none taken",
    )
    assert read_statement("Samlet nettobudget for området: 5 kr.").notes == ()
    assert read_statement("Samlet nettobudget for området:") is None
    # plain spaces between digit groups: read as one number, and said so
    assert scan("i alt 50 190 100 kr.") == (
        (50_190_100,),
        ["amount '50 190 100 kr.' has spaces between digit groups; read as 50.190.100 kr."],
    )
    assert scan("et tillæg på 2.000.000.000.000 mia. kr.") == (
        (),
        ["amount '2.000.000.000.000 mia. kr.' is beyond any budget; not read"],
    )
    assert all(abs(a) < MAX_KR < 2**63 for a in find_amounts("1.000.000 mia. kr. og 5 kr."))


def test_no_break_spaces_between_digit_groups_survive_line_cleaning() -> None:
    line = normalise_line("Samlet nettobudget for området: 50\u00a0190\u00a0100\u00a0kr.")
    assert line == "Samlet nettobudget for området: 50.190.100 kr."
    assert read_statement(line).amount == 50_190_100
