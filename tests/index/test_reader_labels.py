"""A title over a block of labelled figures ("Bruttobudget 2025: …" / "Nettobudget 2025: …"):
the net-budget line of the block is the area's, the gross and income lines are not."""

from __future__ import annotations

from tests.index.test_more_layouts import FIGURES_OF_ONE_AREA as BREAKDOWN_UNDER_HEADING
from tests.index.test_reader import read, stated

GROSS_AND_NET = """Teknik- og Miljøudvalget

Vejvæsen
Bruttobudget 2025: 58,4 mio. kr.
Nettobudget 2025: 51,9 mio. kr.

Området omfatter vedligeholdelse af kommunens veje, stier og broer.

Parkering
Bruttobudget 2025: 3,1 mio. kr.
Indtægter 2025: -6,8 mio. kr.
Nettobudget 2025: -3,7 mio. kr.
"""


def test_the_net_line_of_a_block_of_labelled_figures_under_a_title() -> None:
    doc = read(GROSS_AND_NET, year=2025)
    assert stated(doc) == [("Vejvæsen", 51_900_000), ("Parkering", -3_700_000)]
    assert [a.source.line for a in doc.areas if a.source] == [5, 12]


def test_a_block_without_one_net_line_of_the_year_gives_no_amount() -> None:
    # gross and income only: neither is the net budget
    gross_only = GROSS_AND_NET.replace("Nettobudget 2025: 51,9", "Indtægter 2025: -6,5")
    assert ("Vejvæsen", 58_400_000) not in stated(read(gross_only, year=2025))
    assert all(amount != -6_500_000 for _, amount in stated(read(gross_only, year=2025)))
    # two net lines (two years): not guessed between
    two = GROSS_AND_NET.replace("Bruttobudget 2025: 3,1", "Nettobudget 2026: 3,1")
    assert dict(stated(read(two, year=2025))).get("Parkering") is None
    # another year's net line
    other = GROSS_AND_NET.replace("Nettobudget 2025", "Nettobudget 2024")
    assert all(amount is None for _, amount in stated(read(other, year=2025)))




def test_the_net_row_of_a_breakdown_is_the_budget_of_the_heading_above() -> None:
    doc = read(BREAKDOWN_UNDER_HEADING, year=2025)
    assert stated(doc) == [("Jobcenter", 33_200_000), ("Ungeindsats", 12_450_000)]
    # expenses and income are kinds of figure, not areas
    assert not {"Udgifter", "Indtægter"} & {a.title for a in doc.areas}


def test_a_breakdown_without_a_budget_column_unit_or_area_heading_is_not_read() -> None:
    other_year = BREAKDOWN_UNDER_HEADING.replace("Budget 2025", "Budget 2024")
    assert all(amount is None for _, amount in stated(read(other_year, year=2025)))
    no_unit = BREAKDOWN_UNDER_HEADING.replace("1.000 kr.  ", "Beløb      ")
    assert all(amount is None for _, amount in stated(read(no_unit, year=2025)))
    # under a heading naming the figures, not an area: bound to nothing
    figures = BREAKDOWN_UNDER_HEADING.replace("Ungeindsats\n", "Økonomi\n")
    assert dict(stated(read(figures, year=2025))).get("Økonomi") is None
