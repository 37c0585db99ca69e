"""The reader on more layouts of published budgets: each document here once gave a wrong or
invented amount (a unit lost, a caption read as an amount, …). Every area's amount is asserted.
"""

# ruff: noqa: E501  (the documents keep their lines as published)
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from index.documents.clean import text_lines
from index.documents.document import Document, DocumentMeta
from index.documents.parse import parse_lines

META = DocumentMeta("hjoerring/2025/budget", "hjoerring/2025/budget.txt", "Budget 2025",
                    "Hjørring Kommune", "Teknik og Miljø", 2025)  # fmt: skip


def read(text: str, year: int = 2025) -> Document:
    return parse_lines(text_lines(text), replace(META, year=year), "x")


def stated(doc: Document) -> list[tuple[str, int | None]]:
    """The document's areas with their amounts, the text around them left out."""
    return [(a.title, a.amount_kr) for a in doc.areas if a.title not in ("Indledning", META.title)]


#: A PDF table whose unit opens its header line, before the year columns ("R2023 B2024 …").
UNIT_IN_HEADER = """Teknik og Miljø

Netto, 1.000 kr.           R2023      B2024      B2025     BO2026     BO2027     BO2028
Affald og genbrug          -1.204       -850     -2.310     -2.310     -2.310     -2.310
Vejvedligeholdelse         71.320     74.005     76.240     76.240     75.900     75.900
Byfornyelse                 2.115      1.980      2.040      2.040      2.040      2.040
I alt                      72.231     75.135     75.970     75.970     75.630     75.630
"""


def test_a_unit_at_the_start_of_a_header_line_scales_the_table() -> None:
    doc = read(UNIT_IN_HEADER)
    assert stated(doc) == [
        ("Affald og genbrug", -2_310_000),
        ("Vejvedligeholdelse", 76_240_000),
        ("Byfornyelse", 2_040_000),
    ]
    assert [(r.label, r.verdict()) for r in doc.reconciliations] == [("I alt", "stemmer")]


#: A caption ending on its unit after a comma, the thousands grouped with a space (PDF), over a
#: table of one budget column with the same grouping.
UNIT_AFTER_A_COMMA = """Kultur- og Fritidsudvalget
Driftsbudget 2025 – netto, 1 000 kr.

Område                     Budget 2025
Bibliotek                       18 420
Kulturhuse                       6 105
Foreningstilskud                 9 870
Udvalget i alt                  34 395
"""


def test_a_unit_ending_a_caption_is_no_amount_and_scales_the_table() -> None:
    doc = read(UNIT_AFTER_A_COMMA)
    assert stated(doc) == [
        ("Bibliotek", 18_420_000),
        ("Kulturhuse", 6_105_000),
        ("Foreningstilskud", 9_870_000),
    ]
    assert all(a.amount_kr != 1_000 for a in doc.areas)  # the caption's "1 000 kr."


def test_a_unit_after_a_comma_or_a_dash_is_no_amount_after_a_colon_it_is() -> None:
    from index.documents.amounts import read_statement

    assert read_statement("Nettobudget 2025, 1.000 kr.") is None
    assert read_statement("Nettobudget 2025 – 1 000 kr.") is None
    assert read_statement("Nettobudget 2025, 1.000 kr.: 6.840").amount == 6_840_000
    assert read_statement("Resultat: – 1.000 kr.").amount == -1_000
    assert read_statement("Samlet nettobudget for området: 1.000 kr.").amount == 1_000


#: Bare year columns under a caption that names the budget and its unit (a PDF's wide spaces).
BARE_YEARS = """Økonomiudvalget
Budget 2026-2029 (1.000 kr., 2026-priser)
Politikområde                       2026        2027        2028        2029
Politisk organisation              8.940       8.940       8.940       8.940
Administration                   162.305     160.100     159.800     159.800
Erhverv og turisme                 6.720       6.720       6.500       6.500
"""


def test_rows_of_several_figures_are_read_by_column_not_as_name_and_last_figure() -> None:
    doc = read(BARE_YEARS, year=2026)
    assert stated(doc) == [
        ("Politisk organisation", 8_940_000),
        ("Administration", 162_305_000),
        ("Erhverv og turisme", 6_720_000),
    ]


#: Under each area a small table of its expenses, income and net: the rows are no areas.
FIGURES_OF_ONE_AREA = """Arbejdsmarkedsudvalget

Jobcenter

Jobcentret varetager indsatsen for ledige og sygemeldte borgere.

1.000 kr.                  Budget 2025
Udgifter                        45.300
Indtægter                      -12.100
Netto                           33.200

Ungeindsats

1.000 kr.                  Budget 2025
Udgifter                        14.850
Indtægter                       -2.400
Netto                           12.450
"""


def test_a_table_of_expenses_income_and_net_rows_gives_no_areas_named_so() -> None:
    doc = read(FIGURES_OF_ONE_AREA)
    titles = [t for t, _ in stated(doc)]
    assert not {"Udgifter", "Indtægter", "Netto"} & set(titles), titles
    assert all(a in (None, 33_200_000, 12_450_000) for _, a in stated(doc))


#: An area table whose unit stands alone before the budget column's name.
UNIT_BEFORE_THE_COLUMN = """Arbejdsmarkedsudvalget

1.000 kr.                  Budget 2025
Jobcenter                       45.300
Ungeindsats                     12.450

Jobcenter

Jobcentret varetager indsatsen for ledige og sygemeldte borgere.
"""


def test_an_area_tables_unit_standing_alone_in_its_header_scales_it() -> None:
    assert stated(read(UNIT_BEFORE_THE_COLUMN)) == [("Jobcenter", 45_300_000),
                                                    ("Ungeindsats", 12_450_000)]


#: The same area name under two committees, each with its own net-budget line.
SAME_NAME_TWICE = """Økonomiudvalget

Administration
Samlet nettobudget for området: 112.450.300 kr.

Området omfatter rådhusets stabe og sekretariater.

Teknik- og Miljøudvalget

Administration
Samlet nettobudget for området: 8.920.000 kr.

Området omfatter myndighedsbehandling på natur- og miljøområdet.
"""


def test_an_area_named_again_keeps_its_own_amount_and_its_source() -> None:
    doc = read(SAME_NAME_TWICE)
    assert stated(doc) == [("Administration", 112_450_300), ("Administration (2)", 8_920_000)]
    second = doc.areas[-1]
    assert second.source is not None and second.source.line == 11
    assert second.source.text == "Samlet nettobudget for området: 8.920.000 kr."


#: Tables whose header line has no number: split by its tabs or wide spaces as the rows are.
EXPENSES_INCOME_NET = """Erhvervs- og Beskæftigelsesudvalget

Budget 2025 (1.000 kr.)
Område                          Udgifter     Indtægter      Netto
Forsikrede ledige                 98.400      ÷ 24.600     73.800
Integrationsydelse                21.300       ÷ 8.950     12.350
Erhvervsservice                    4.120       ÷ 7.576    ÷ 3.456
"""

FOLLOW_UP_TABS = (
    "Budgetopfølgning 2 – Børne- og Familieudvalget\n\n"
    "Mio. kr.\tBudget 2025\tKorrigeret budget 2025\tForventet regnskab 2025\tMer-/mindreforbrug\n"
    "Dagtilbud\t142,8\t145,1\t146,0\t0,9\n"
    "Skoler\t301,4\t303,0\t301,9\t-1,1\n"
)


def test_a_tab_or_wide_space_header_without_numbers_names_the_columns() -> None:
    assert stated(read(EXPENSES_INCOME_NET)) == [
        ("Forsikrede ledige", 73_800_000),
        ("Integrationsydelse", 12_350_000),
        ("Erhvervsservice", -3_456_000),
    ]
    assert stated(read(FOLLOW_UP_TABS)) == [("Dagtilbud", 142_800_000), ("Skoler", 301_400_000)]


#: One figure a row under a header whose label cell names the figure: the accounts, no budget.
ONE_FIGURE_UNDER_REGNSKAB = """Kultur- og Fritidsudvalget

Regnskab 2023        (1.000 kr.)
Bibliotek                       18.420
Kulturhuse                       6.105
"""


def test_a_one_figure_tables_header_naming_regnskab_in_its_label_cell_is_no_budget() -> None:
    doc = read(ONE_FIGURE_UNDER_REGNSKAB)
    assert stated(doc) == [("Bibliotek", None), ("Kulturhuse", None)]
    assert stated(read(ONE_FIGURE_UNDER_REGNSKAB.replace("Regnskab 2023", "Budget 2025"))) == [
        ("Bibliotek", 18_420_000), ("Kulturhuse", 6_105_000)]


def test_a_row_of_figures_without_a_name_is_no_area() -> None:
    """Rows that start with a figure ("602.118  618.400  631.250" under "R2023  B2024  B2025")
    have no name: no area may be titled "602.118", whatever its amount."""
    text = """Børn & Familie – budgetbemærkninger 2025

Nettodriftsudgifter i 1.000 kr.

Område 3.22 Folkeskoler
R2023       B2024       B2025       BO2026      BO2027
602.118     618.400     631.250     631.250     629.900

Folkeskoleområdet omfatter 24 skoler med i alt ca. 12.800 elever.

Område 3.25 Specialundervisning
R2023       B2024       B2025       BO2026      BO2027
141.900     150.210     158.875     160.000     160.000

Specialundervisningen omfatter 4 specialskoler.
"""
    doc = parse_lines(text_lines(text), replace(META, year=2025), "x")
    assert not [a.title for a in doc.areas if re.fullmatch(r"[\d.,\s]+", a.title)]
    assert all(a.amount_kr in (None, 631_250_000, 158_875_000) for a in doc.areas)


@pytest.mark.parametrize(("text", "want"), [
    ("""Budget 2025

Jobcenter

Området har i 2025 et
nettobudget på 50,2 mio. kr.

Borgerservice

Samlet nettobudget for området: 12.100.000 kr.
""", [("Jobcenter", 50_200_000), ("Borgerservice", 12_100_000)]),
    ("""Budget 2025

Beskæftigelsesudvalget

Jobcentret har budgetansvar for
Kalundborg Kommunes indsats for ledige. Nettobudgettet udgør 50,2 mio. kr. i 2025.

Borgerservice

Borgerservice har et nettobudget på 12,1 mio. kr. i 2025.
""", [("Beskæftigelsesudvalget", 50_200_000), ("Borgerservice", 12_100_000)]),
])  # fmt: skip
def test_a_sentence_broken_across_pdf_lines_is_no_title(text, want) -> None:
    """"Området har i 2025 et" / "nettobudget på …": a line ending on "et", "for", "og" … is
    a sentence cut by the page's width, not an area's name; the amount is the heading's."""
    doc = parse_lines(text_lines(text), replace(META, year=2025, committee="Ukendt"), "x")
    assert [(a.title, a.amount_kr) for a in doc.areas if a.amount_kr is not None] == want


#: A wide-space table whose rows leave cells empty: the gaps close up, so "18.400 19.050 19.600"
#: could be any three of the four columns.
EMPTY_CELLS = """Kultur- og Idrætsudvalget

Område (1.000 kr.)     Regnskab 2023   Budget 2024   Budget 2025   Overslag 2026
Biblioteker                   30.100        30.800        31.240          31.240
Kulturpulje                                              1.500           1.500
Idrætshaller                                18.400        19.050          19.600
Foreningstilskud               7.650         7.800         8.020           8.020
"""


def test_a_row_that_lost_its_empty_cells_gives_no_amount() -> None:
    # was: Idrætshaller 19.600.000 (its 2026 overslag, the third figure of the row)
    assert stated(read(EMPTY_CELLS)) == [
        ("Biblioteker", 31_240_000),
        ("Kulturpulje", None),
        ("Idrætshaller", None),
        ("Foreningstilskud", 8_020_000),
    ]
    # the full rows of a tab table keep their columns
    tabs = EMPTY_CELLS.replace("Kulturpulje                                              1.500",
                               "Kulturpulje   -   -   1.500")  # fmt: skip
    assert ("Kulturpulje", 1_500_000) in stated(read(tabs))
