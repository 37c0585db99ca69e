"""Budget PDFs in published styles we had not seen (tests/pdf_layouts.py renders them, each
with the areas and amounts a careful reader sees): read by the PDF reader, no amount is wrong,
invented, or under a title that is not an area, and most are read."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from index.documents.clean import SourceLine
from index.documents.document import Document, DocumentMeta
from index.documents.parse import parse_file, parse_lines
from pdf_layouts import LAYOUTS, Layout, render_all
from pdf_render import FONT_DIR

META = DocumentMeta("x/pdf", "x/pdf.pdf", "Budgetbemærkninger", "Odense Kommune",
                    "Teknik- og Miljøudvalget", 2025)  # fmt: skip


def _norm(s: str) -> str:
    return re.sub(r"[\s\-–—&/,.]+", " ", s).strip().casefold()


def _matches(title: str, t: str) -> bool:
    """realdocs' title match: equal, or one holding the other (over four letters)."""
    return title == t or (len(t) > 4 and (t in title or (title in t and len(title) > 4)))


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Layout, Document]]:
    if not (FONT_DIR / "DejaVuSans.ttf").is_file():
        pytest.fail(f"DejaVu fonts missing in {FONT_DIR}: apt-get install fonts-dejavu-core")
    out = []
    for layout, path in render_all(tmp_path_factory.mktemp("pdf_layouts")):
        meta = replace(META, id=f"x/{layout.name}", path=path.name,
                       title=f"Budgetbemærkninger - {layout.committee}",
                       municipality=layout.municipality, committee=layout.committee,
                       year=layout.year)  # fmt: skip
        out.append((layout, parse_file(path, meta)))
    return out


def _score(layout: Layout, doc: Document) -> tuple[int, list[str]]:
    """(exact amounts, what is wrong: a wrong, invented or stray amount)."""
    mine = [(_norm(a.title), a.amount_kr, a.title) for a in doc.areas if a.amount_kr is not None]
    want = {_norm(t): v for t, v in layout.areas.items()}
    also = {_norm(t): v for t, v in layout.also.items()}
    bad = [f"{layout.name}: stray {raw!r} {a}" for title, a, raw in mine
           if not any(_matches(title, t) for t in want) and also.get(title) != a]  # fmt: skip
    exact = 0
    for t, v in want.items():
        got = [a for title, a, _ in mine if _matches(title, t)]
        if v is None and got:
            bad.append(f"{layout.name}: invented {t!r} {got}")
        elif v is not None and got and v not in got:
            bad.append(f"{layout.name}: wrong {t!r} {got}, not {v}")
        exact += v is not None and v in got
    return exact, bad


def test_no_pdf_layout_gives_a_wrong_invented_or_stray_amount(read) -> None:
    """Of the amounts the PDFs show, at least 89 of 98 are read (89 when this was written:
    the misses are a table whose header is on two lines and whose rows leave cells empty, and
    a follow-up table whose last column names no year)."""
    exact, bad = 0, []
    for layout, doc in read:
        e, b = _score(layout, doc)
        exact, bad = exact + e, bad + b
    total = sum(v is not None for layout in LAYOUTS for v in layout.areas.values())
    assert bad == []
    assert len(LAYOUTS) >= 12 and total == 98 and exact >= 89


def test_pdf_layouts_read_as_the_cli_reads_them(tmp_path: Path) -> None:
    """`budget-search areas --json --corpus` over the rendered PDFs: the same amounts."""
    import json

    from click.testing import CliRunner

    from webui.cli import cli

    render_all(tmp_path / "corpus" / "pdf")
    result = CliRunner().invoke(cli, ["areas", "--json", "--corpus", str(tmp_path / "corpus")])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["areas"]
    by_doc: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["amount_kr"] is not None:
            by_doc.setdefault(r["document"].split("/")[-1], {})[r["area"]] = r["amount_kr"]
    bold = by_doc["bold_net_lines"]
    assert bold["Huslejeindtægter, ældreboliger"] == -6_215_000
    assert by_doc["bevillingsoversigt"]["Byggesag"] == -2_350_000
    assert by_doc["heading_small_table"] == {"Vej og Park": 34_905_000,
                                             "Kollektiv trafik": 24_480_000,
                                             "Affald og genbrug": -1_120_000}  # fmt: skip
    for r in rows:
        if r["amount_kr"] is not None:
            assert r["amount_source"]["page"] >= 1, r


def _pdf(*rows: str, year: int = 2025) -> Document:
    """Lines as a PDF gives them, "**" opening a bold one."""
    lines = [SourceLine(n, r.removeprefix("**"), 1, r.startswith("**"))
             for n, r in enumerate(rows, start=1)]  # fmt: skip
    return parse_lines(lines, replace(META, year=year), "x")


def _amounts(doc: Document) -> dict[str, int | None]:
    return {a.title: a.amount_kr for a in doc.areas if a.title != "Indledning"}


def test_a_heading_over_a_one_row_net_table_takes_its_budget_year() -> None:
    head = "**1.000 kr. R2023 B2024 B2025 BO2026"
    doc = _pdf("**Teknik og Miljø", "", "Beløb i 1.000 kr.", "",
               "**Vej og Park", head, "Nettodriftsudgifter 31.872 33.410 34.905 34.905", "",
               "Vedligehold af veje og grønne arealer.", "",
               "**Affald og genbrug", head, "Netto -1.204 -850 -1.120 -1.120", "",
               "Affaldsområdet er brugerfinansieret.")  # fmt: skip
    assert _amounts(doc) == {"Vej og Park": 34_905_000, "Affald og genbrug": -1_120_000}


def test_a_one_row_table_of_another_figure_or_year_gives_no_amount() -> None:
    head = "**1.000 kr. R2023 B2024 B2025 BO2026"
    doc = _pdf("**Teknik og Miljø", "", "**Vej og Park", head,
               "Nettoanlægsudgifter 31.872 33.410 34.905 34.905", "", "Tekst om veje.", "",
               "**Kollektiv trafik", head, "Udgifter 22.118 23.050 24.480 24.100", "",
               "Tekst om busser.")  # fmt: skip
    assert set(_amounts(doc).values()) <= {None}
    # a budget year the table has only as an overslag (BO2026): not read as the budget
    doc = _pdf("**Teknik og Miljø", "", "**Vej og Park", head,
               "Nettodriftsudgifter 31.872 33.410 34.905 34.905", "", "Tekst om veje.", year=2026)
    assert set(_amounts(doc).values()) <= {None}


def test_a_list_with_dot_leaders_names_its_areas_without_them() -> None:
    intro = "Nettodriftsbudgettet fordeler sig således (mio. kr.):"
    doc = _pdf("**Budget 2025 - Børneudvalget", "", intro,
               "Dagtilbud " + "." * 60 + " 412,3", "Skoler m.v. " + "." * 58 + " 601,7",
               "Specialtilbud . . . . . . . . . . . . . . . 96,4")  # fmt: skip
    # was: "Dagtilbud ......" (the amount right, the title with its leaders)
    assert _amounts(doc) == {"Dagtilbud": 412_300_000, "Skoler m.v.": 601_700_000,
                             "Specialtilbud": 96_400_000}  # fmt: skip
    # the text's area table the same; a title's own abbreviation dot stays
    from index.documents.clean import text_lines

    text = "\n".join(["Budget 2025 - Børneudvalget", "", intro,
                      "Dagtilbud ............ 412,3", "Skoler m.v. .......... 601,7"])  # fmt: skip
    doc = parse_lines(text_lines(text), META, "x")
    assert _amounts(doc) == {"Dagtilbud": 412_300_000, "Skoler m.v.": 601_700_000}


def _committee(name: str, total: str, *areas: tuple[str, str]) -> list[str]:
    rows = [f"**{name}", "", f"{name} har ansvaret for områderne nedenfor.", "",
            f"Samlet nettobudget for udvalget: {total} kr.", ""]  # fmt: skip
    for title, amount in areas:
        rows += [f"**{title}", f"{title} er beskrevet her.", "",
                 f"Samlet nettobudget for området: {amount} kr.", ""]  # fmt: skip
    return rows


def test_a_committees_total_over_its_areas_is_reconciled_not_an_area() -> None:
    # was: the three committees with their totals as areas, and none of their areas
    doc = _pdf(*_committee("Børne- og Ungeudvalget", "911.350.300", ("Dagtilbud", "312.450.000"),
                           ("Skoler", "598.900.300")),
               *_committee("Kultur- og Fritidsudvalget", "58.855.500",
                           ("Biblioteker", "31.240.000"), ("Idrætsfaciliteter", "27.615.500")))
    assert _amounts(doc) == {"Børne- og Ungeudvalget": None, "Dagtilbud": 312_450_000,
                             "Skoler": 598_900_300, "Kultur- og Fritidsudvalget": None,
                             "Biblioteker": 31_240_000, "Idrætsfaciliteter": 27_615_500}
    assert [(r.stated_kr, r.summed_kr, r.agrees) for r in doc.reconciliations] == [
        (911_350_300, 911_350_300, True), (58_855_500, 58_855_500, True)]


def test_committees_side_by_side_with_their_totals_stay_areas() -> None:
    """No areas under them: each committee's total is its amount."""
    doc = _pdf(*_committee("Børne- og Ungeudvalget", "911.350.300"),
               *_committee("Kultur- og Fritidsudvalget", "58.855.500"))
    assert _amounts(doc) == {"Børne- og Ungeudvalget": 911_350_300,
                             "Kultur- og Fritidsudvalget": 58_855_500}
    # one with an area under it is that area's total; the one without stays an area
    doc = _pdf(*_committee("Børne- og Ungeudvalget", "312.450.000", ("Dagtilbud", "312.450.000")),
               *_committee("Kultur- og Fritidsudvalget", "58.855.500"))
    assert _amounts(doc) == {"Børne- og Ungeudvalget": None, "Dagtilbud": 312_450_000,
                             "Kultur- og Fritidsudvalget": 58_855_500}


#: Where a table's columns stand on the page (x0, x1 of each figure, right-aligned).
_COLUMNS = [(200.0, 240.0), (260.0, 300.0), (320.0, 360.0), (380.0, 420.0)]


def _chunks(label: str, *figures: str, at: list[int] | None = None,
            shift: float = 0.0) -> tuple:  # fmt: skip
    """A line's chunks: the label at the left, each figure right-aligned in its column."""
    at = at if at is not None else list(range(len(figures)))
    out = [(label, 50.0, 50.0 + 5 * len(label), False)]
    for figure, n in zip(figures, at, strict=True):
        x1 = _COLUMNS[n][1] + shift
        out.append((figure, x1 - 5 * len(figure), x1, False))
    return tuple(out)


def test_a_pdf_rows_figures_keep_the_columns_they_stand_in() -> None:
    from index.documents.pdf_cells import table_cells

    head = (("Område (1.000 kr.)", 50.0, 140.0, True), ("Regnskab 2023", 190.0, 240.0, True),
            ("Budget 2024", 250.0, 300.0, True), ("Budget 2025", 310.0, 360.0, True),
            ("Overslag 2026", 370.0, 420.0, True))  # fmt: skip
    full = _chunks("Biblioteker", "30.100", "30.800", "31.240", "31.240")
    short = _chunks("Idrætshaller", "18.400", "19.050", "19.600", at=[1, 2, 3])
    other = _chunks("Foreningstilskud", "7.650", "7.800", "8.020", "8.020")
    cells = table_cells([head, full, short, other])
    assert cells[2] == ("Idrætshaller", "", "18.400", "19.050", "19.600")
    assert cells[0] == tuple(c[0] for c in head) and cells[1][3] == "31.240"
    # a table with every cell filled is left to the text: nothing to place
    assert table_cells([head, full, other]) == [None, None, None]


def test_a_pdf_row_is_not_placed_where_the_page_cannot_tell() -> None:
    from index.documents.pdf_cells import table_cells

    head = (("Område", 50.0, 80.0, True), ("Regnskab 2023", 190.0, 240.0, True),
            ("Budget 2024", 250.0, 300.0, True), ("Budget 2025", 310.0, 360.0, True),
            ("Overslag 2026", 370.0, 420.0, True))  # fmt: skip
    full = _chunks("Biblioteker", "30.100", "30.800", "31.240", "31.240")
    other = _chunks("Foreningstilskud", "7.650", "7.800", "8.020", "8.020")
    between = _chunks("Idrætshaller", "18.400", "19.050", at=[1, 2], shift=30.0)
    assert table_cells([head, full, between, other]) == [None] * 4  # figures between columns
    short = _chunks("Idrætshaller", "18.400", "19.050", at=[1, 2])
    assert table_cells([full, short, other]) == [None] * 3  # no header line above
    assert table_cells([head, full, short]) == [None] * 3  # one full row: no columns learnt
    two_line_head = (("2023", 190.0, 240.0, True), ("2024", 250.0, 300.0, True),
                     ("2025", 310.0, 360.0, True), ("2026", 370.0, 420.0, True))  # fmt: skip
    assert table_cells([two_line_head, full, short, other]) == [None] * 4


def _two_columns(target: Path, areas: list[tuple[str, str]]) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, "Budget 2025 - Klima- og Planudvalget", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.text_columns(ncols=2, gutter=8, balance=True) as cols:
        for title, amount in areas:
            pdf.set_font("DejaVu", "B", 10)
            cols.write(f"{title}\n\n")
            pdf.set_font("DejaVu", "", 9)
            cols.write(f"{title} er beskrevet her med opgaver, mål og udfordringer for året.\n\n"
                       f"Samlet nettobudget for området: {amount} kr.\n\n")  # fmt: skip
    pdf.output(str(target))
    return target


def test_two_columns_of_text_are_read_one_after_the_other(tmp_path: Path) -> None:
    areas = [("Klimatilpasning", "14.250.000"), ("Byplanlægning", "9.480.000"),
             ("Landdistrikter", "3.115.500"), ("Natura 2000", "2.040.000")]  # fmt: skip
    doc = parse_file(_two_columns(tmp_path / "to.pdf", areas), META)
    # was: "Klimatilpasning Landdistrikter" and the like, lines of both columns run together,
    # with one column's amount
    assert _amounts(doc) == {"Klimatilpasning": 14_250_000, "Byplanlægning": 9_480_000,
                             "Landdistrikter": 3_115_500, "Natura 2000": 2_040_000}


def test_a_tables_names_and_figures_and_a_page_of_one_column_stay_lines() -> None:
    from index.documents.pdf_cells import text_columns

    def row(top: float, *chunks: tuple[str, float, float]) -> tuple:
        return (" ".join(c[0] for c in chunks), False, top,
                tuple((*c, False) for c in chunks))  # fmt: skip

    table = [row(10.0 * n, (f"Område nummer {n}", 50.0, 150.0), (f"{n}.250", 300.0, 330.0),
                 (f"{n}.300", 400.0, 430.0)) for n in range(1, 8)]  # fmt: skip
    assert text_columns(table) == table  # names left, figures right: a table
    prose = [row(10.0 * n, ("Tekst over hele siden i en linje", 50.0, 500.0)) for n in range(8)]
    assert text_columns(prose) == prose
    # two lines side by side are too few to be columns
    pair = [row(10.0, ("Jobcenter", 50.0, 120.0), ("Borgerservice", 300.0, 380.0)),
            row(20.0, ("Tekst til venstre", 50.0, 200.0), ("Tekst til højre", 300.0, 420.0)),
            row(30.0, ("Tekst over hele siden i en linje", 50.0, 500.0))]  # fmt: skip
    assert text_columns(pair) == pair
    # side by side on more lines: the left column first, then the right
    cols = [row(10.0 * n, (f"Venstre {n}", 50.0, 200.0), (f"Højre {n}", 300.0, 420.0))
            for n in range(4)]  # fmt: skip
    assert [r[0] for r in text_columns(cols)] == [*(f"Venstre {n}" for n in range(4)),
                                                  *(f"Højre {n}" for n in range(4))]


def test_bold_headings_right_over_their_text_are_read_when_one_title_stands_apart() -> None:
    """One title has a blank line after it (a column's top), the others stand right over
    their text, as PDFs give headings: the headings' reading, which keeps that title's amount
    and gives the others theirs."""
    rows = ["**Budget 2025 - Klima- og Planudvalget", ""]
    for n, (title, amount) in enumerate([("Klimatilpasning", "14.250.000"),
                                         ("Byplanlægning", "9.480.000"),
                                         ("Landdistrikter", "3.115.500")]):  # fmt: skip
        rows += [f"**{title}", *([""] if n == 2 else []), f"{title} er beskrevet her.",
                 f"Samlet nettobudget for området: {amount} kr.", ""]  # fmt: skip
    # was: Landdistrikter alone, the other two net-budget lines attached to no area
    assert _amounts(_pdf(*rows)) == {"Klimatilpasning": 14_250_000, "Byplanlægning": 9_480_000,
                                     "Landdistrikter": 3_115_500}  # fmt: skip


def test_the_headings_reading_is_not_taken_where_it_differs_or_gives_no_more() -> None:
    from index.documents.parse import _more_and_same
    from index.documents.spans import AreaSpan

    def spans(*pairs: tuple[str, int | None]) -> list[AreaSpan]:
        return [AreaSpan(t, a, n, []) for n, (t, a) in enumerate(pairs)]

    titles = spans(("Landdistrikter", 3_115_500))
    assert _more_and_same(spans(("Klimatilpasning", 14_250_000),
                                ("Landdistrikter", 3_115_500)), titles)  # fmt: skip
    # another amount for the title read, or the title under another name: not taken
    assert not _more_and_same(spans(("Klimatilpasning", 14_250_000),
                                    ("Landdistrikter", 3_000_000)), titles)  # fmt: skip
    assert not _more_and_same(spans(("Klimatilpasning", 14_250_000),
                                    ("Puljen til landdistrikter", 3_115_500)), titles)  # fmt: skip
    assert not _more_and_same(spans(("Landdistrikter", 3_115_500), ("Byplan", None)), titles)
