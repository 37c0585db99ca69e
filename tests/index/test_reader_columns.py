"""Which column of a table is the year's net budget where its header alone does not say:
the adopted budget beside its proposal, a column named by its unit under a caption naming the
net budget, and the "I alt" of service and transfer expenses (never of drift and anlæg)."""

# ruff: noqa: E501  (the documents keep their rows on one line, as they are published)
from __future__ import annotations

from tests.index.test_reader import read, stated

PROPOSAL_AND_ADOPTED = """Budget 2025 – Kultur- og Fritidsudvalget (mio. kr.)

Område\tBudgetforslag 2025\tVedtaget budget 2025
Bibliotek\t21,4\t22,0
Idræt\t14,8\t14,8
"""


def test_the_adopted_budget_is_read_not_its_proposal() -> None:
    doc = read(PROPOSAL_AND_ADOPTED, year=2025)
    assert stated(doc) == [("Bibliotek", 22_000_000), ("Idræt", 14_800_000)]


def test_two_budget_columns_of_one_year_without_an_adopted_one_are_not_guessed() -> None:
    text = PROPOSAL_AND_ADOPTED.replace("Vedtaget budget 2025", "Budget 2025 (2. beh.)")
    assert stated(read(text, year=2025)) == [("Bibliotek", None), ("Idræt", None)]


UNIT_COLUMN = """Nettodriftsbudget 2025 pr. udvalg

Udvalg\tMio. kr.\tAndel
Økonomiudvalget\t245,8\t10,4 %
Teknik- og Miljøudvalget\t104,0\t4,4 %
"""


def test_a_column_named_by_its_unit_under_a_net_budget_caption_of_the_year() -> None:
    doc = read(UNIT_COLUMN, year=2025)
    assert stated(doc) == [("Økonomiudvalget", 245_800_000), ("Teknik- og Miljøudvalget", 104_000_000)]


def test_a_unit_column_under_another_years_or_another_figures_caption_is_not_read() -> None:
    for caption in ("Nettodriftsbudget 2024 pr. udvalg", "Regnskab 2025 pr. udvalg",
                    "Nettodriftsbudget 2025: ændringer pr. udvalg"):
        doc = read(UNIT_COLUMN.replace("Nettodriftsbudget 2025 pr. udvalg", caption), year=2025)
        assert all(amount is None for _, amount in stated(doc)), caption


SERVICE_AND_TRANSFERS = """Tabel 3. Nettodriftsudgifter 2025 fordelt på magistratsafdelinger (mio. kr., 2025-priser)

Magistratsafdeling\tServiceudgifter\tOverførselsudgifter\tI alt
Børn og Unge\t6.254,8\t112,3\t6.367,1
Teknik og Miljø\t879,6\t0,0\t879,6
I alt\t7.134,4\t112,3\t7.246,7
"""


def test_the_i_alt_of_service_and_transfer_expenses_is_the_net_budget() -> None:
    doc = read(SERVICE_AND_TRANSFERS, year=2025)
    assert stated(doc) == [("Børn og Unge", 6_367_100_000), ("Teknik og Miljø", 879_600_000)]


def test_the_i_alt_of_drift_and_anlaeg_is_not_read() -> None:
    # operations and construction summed are no operating budget: neither column is taken
    text = """Budget 2025 fordelt på drift og anlæg (1.000 kr.)

Udvalg\tDrift\tAnlæg\tI alt
Økonomiudvalget\t98.420\t12.000\t110.420
Teknik- og Miljøudvalget\t61.700\t48.250\t109.950
"""
    assert all(amount is None for _, amount in stated(read(text, year=2025)))
    # nor an I alt beside service expenses under a caption that names no net budget
    gross = SERVICE_AND_TRANSFERS.replace("Nettodriftsudgifter 2025", "Bruttoudgifter 2025")
    assert all(amount is None for _, amount in stated(read(gross, year=2025)))


TWO_COMMITTEES = """Budget 2025 – driftsbudget pr. udvalg og område (1.000 kr.)

Økonomiudvalget
Område\tBudget 2025
Administration\t198.420
IT og digitalisering\t41.300
I alt for udvalget\t239.720

Teknik- og Miljøudvalget
Område\tBudget 2025
Veje og trafik\t88.905
Parkering\t-3.120
I alt for udvalget\t85.785
"""


def test_a_second_committees_table_keeps_the_unit_said_at_the_top() -> None:
    doc = read(TWO_COMMITTEES, year=2025)
    assert stated(doc) == [("Administration", 198_420_000), ("IT og digitalisering", 41_300_000),
                           ("Veje og trafik", 88_905_000), ("Parkering", -3_120_000)]  # fmt: skip


def test_a_table_of_other_columns_does_not_take_the_unit_of_the_one_above() -> None:
    # other column names may be other figures in another unit: not read without their own
    text = TWO_COMMITTEES.replace("Område\tBudget 2025\nVeje", "Område\tNettobudget 2025\nVeje")
    assert dict(stated(read(text, year=2025)))["Veje og trafik"] is None
    # and no unit at the top: neither table is read
    bare = TWO_COMMITTEES.replace(" (1.000 kr.)", "")
    assert all(amount is None for _, amount in stated(read(bare, year=2025)))
