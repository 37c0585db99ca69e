"""Amounts in Danish budget prose, resolved to whole kroner."""

from decimal import Decimal

import pytest

from index.amounts import declared_unit, find_amounts, parse_number, statement_amount


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("50.190.100", Decimal(50190100)),
        ("0,04", Decimal("0.04")),
        ("474,6", Decimal("474.6")),
        ("1.234,5", Decimal("1234.5")),
        ("7", Decimal(7)),
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
    ],
)
def test_statement_amount(line: str, amount: int | None) -> None:
    assert statement_amount(line) == amount


def test_declared_unit() -> None:
    assert declared_unit("Beløb i 1.000 kr.") == 1_000
    assert declared_unit("(t. kr.)") == 1_000
    assert declared_unit("Nettobudget (tilskud): 12") == 1
