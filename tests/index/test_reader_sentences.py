"""Budget sentences of two more shapes: an amount budgeted "til" the area its heading names,
and a budget changed by one amount "til i alt" another (the total is read, never the change)."""

# ruff: noqa: E501  (the documents keep their paragraphs on one line, as web pages give them)
from __future__ import annotations

from index.documents.names import same_name
from tests.index.test_reader import read, stated

FOR_THE_HEADING = """Social- og Sundhedsudvalget

Førtidspension

Der er i 2025 budgetteret med en nettoudgift på 145,2 mio. kr. til førtidspension.

Handicap

Der er i 2025 budgetteret med en nettoudgift på 2,0 mio. kr. til kontaktpersonordningen.
"""


def test_a_net_expense_budgeted_for_the_area_its_heading_names() -> None:
    doc = read(FOR_THE_HEADING, year=2025)
    # under "Handicap" the amount is for a part of it: not Handicap's, and no area of its own
    assert stated(doc) == [("Førtidspension", 145_200_000), ("Handicap", None)]


def test_an_amount_for_the_heading_in_another_year_is_not_read() -> None:
    doc = read(FOR_THE_HEADING.replace("i 2025 budgetteret", "i 2026 budgetteret"), year=2025)
    assert all(amount is None for _, amount in stated(doc))


CHANGED_TO_A_TOTAL = """Beskæftigelsesudvalget

Jobcenter

Jobcentrets budget er i 2025 reduceret med 3,4 mio. kr. til i alt 45,1 mio. kr.

Sygedagpenge

Budgettet til sygedagpenge er nedjusteret med 6,0 mio. kr. som følge af færre langvarige forløb.
"""


def test_a_budget_reduced_by_a_change_to_a_total_is_the_total() -> None:
    doc = read(CHANGED_TO_A_TOTAL, year=2025)
    assert stated(doc) == [("Jobcenter", 45_100_000), ("Sygedagpenge", None)]


def test_the_change_and_a_total_not_said_to_be_one_are_not_read() -> None:
    # "til 45,1 mio. kr." does not say it is the total: neither figure is read
    plain_to = CHANGED_TO_A_TOTAL.replace("til i alt 45,1", "til 45,1")
    assert all(amount is None for _, amount in stated(read(plain_to, year=2025)))
    # a total of another year than the document's
    later = CHANGED_TO_A_TOTAL.replace("45,1 mio. kr.", "45,1 mio. kr. i 2026")
    assert all(amount is None for _, amount in stated(read(later, year=2025)))
    # a change of a grant, not of the area's budget
    grant = CHANGED_TO_A_TOTAL.replace("Jobcentrets budget er", "Tilskuddet til jobcentret er")
    assert all(amount is None for _, amount in stated(read(grant, year=2025)))


def test_the_definite_form_of_a_name_in_er_is_the_name() -> None:
    assert same_name("Jobcentrets", "Jobcenter") and same_name("Jobcentret", "Jobcenter")
    assert not same_name("Jobcentret", "Jobcafe") and not same_name("Centret", "Center")
