"""An area across the years: grouping, the sidecar's [renamed], the API, the page and the
`change` answers, on the seed plus a hand-written 2025 and on bench/synth.py's years corpus."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.documents.document import DocumentError
from index.documents.sidecar import read_meta
from search.snapshot import AreaSummary
from search.years import group, title_key
from webui import create_app

D24 = "kalundborg/2024/oekonomiudvalget"
D25 = "kalundborg/2025/oekonomiudvalget"


def summary(doc: str, year: int, area: str, amount: int | None,
            municipality: str = "Kalundborg Kommune") -> AreaSummary:  # fmt: skip
    return AreaSummary(doc, municipality, "Økonomiudvalget", year, area, amount, 1, ())


# -- grouping (pure) ---------------------------------------------------------------------


def test_titles_match_across_dashes_case_and_fagcenter_prefix() -> None:
    assert title_key("Demografipulje – Ældreområdet") == title_key("demografipulje - ældreområdet")
    assert title_key("Fagcenter Børn, Læring og Uddannelse") == title_key(
        "Børn,  Læring og Uddannelse")
    assert title_key("Jobcenter") != title_key("Borgerservice")


def test_years_change_from_the_year_before_and_unknown_stays_unknown() -> None:
    areas = [summary("a", 2022, "Jobcenter", 100_000_000), summary("b", 2023, "Jobcenter", None),
             summary("c", 2024, "JOBCENTER", 90_000_000),
             summary("d", 2025, "Jobcenter", 99_000_000),
             summary("h", 2025, "Jobcenter", 5, municipality="Holbæk Kommune")]  # fmt: skip
    years = group(areas, {})
    rows = years[("a", "Jobcenter")].rows
    assert [(r.year, r.amount_kr, r.change_kr, r.change_pct) for r in rows] == [
        (2022, 100_000_000, None, None), (2023, None, None, None), (2024, 90_000_000, None, None),
        (2025, 99_000_000, 9_000_000, 10.0)]  # fmt: skip
    assert years[("c", "JOBCENTER")] is years[("a", "Jobcenter")]
    assert len(years[("d", "Jobcenter")].rows) == 4  # another municipality is not joined...
    holbaek = [y for k, y in years.items() if y.municipality == "Holbæk Kommune"]
    assert len(holbaek) == 1 and len(holbaek[0].rows) == 1  # ... it has its own history


def test_renamed_joins_titles_that_do_not_match() -> None:
    areas = [summary("a", 2023, "Digitalisering og IT", 40), summary("b", 2024, "IT-kontoret", 44),
             summary("c", 2025, "IT og Cybersikkerhed", 50)]  # fmt: skip
    assert len(group(areas, {})[("c", "IT og Cybersikkerhed")].rows) == 1
    chained = group(areas, {"b": {"IT-kontoret": ["Digitalisering og IT"]},
                            "c": {"IT og Cybersikkerhed": ["IT-kontoret"]}})  # fmt: skip
    history = chained[("a", "Digitalisering og IT")]
    assert [r.area for r in history.rows] == ["Digitalisering og IT", "IT-kontoret",
                                              "IT og Cybersikkerhed"]  # fmt: skip
    assert history.title == "IT og Cybersikkerhed" and history.rows[-1].change_kr == 6


@pytest.mark.parametrize("table", ['"IT" = 3', '"IT" = []', '"IT" = [""]', '"" = "Old"'])
def test_a_malformed_renamed_table_names_its_sidecar(tmp_path: Path, table: str) -> None:
    (tmp_path / "d.txt").write_text("x", encoding="utf-8")
    (tmp_path / "d.toml").write_text('title = "T"\nmunicipality = "M"\ncommittee = "C"\n'
                                     f'year = 2025\n[renamed]\n{table}\n')  # fmt: skip
    with pytest.raises(DocumentError, match=r"d\.toml: \[renamed\]"):
        read_meta(tmp_path / "d.txt", tmp_path)


def test_renamed_is_read_from_the_sidecar(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("x", encoding="utf-8")
    (tmp_path / "d.toml").write_text(
        'title = "T"\nmunicipality = "M"\ncommittee = "C"\nyear = 2025\n'
        '[renamed]\n"New" = ["Old", "Older"]\n')  # fmt: skip
    assert read_meta(tmp_path / "d.txt", tmp_path).renamed == (("New", ("Old", "Older")),)


# -- the seed and a hand-written 2025 ----------------------------------------------------


@pytest.fixture(scope="module")
def client(years_engine):
    return create_app({"ENGINE": years_engine}).test_client()


def years_of(client, doc: str, slug: str) -> list[tuple]:
    data = client.get(f"/api/areas/{doc}/{slug}").get_json()
    return [(y["year"], y["document"], y["amount_kr"], y["change_kr"], y["change_pct"])
            for y in data["years"]]  # fmt: skip


def test_api_area_years_on_the_hand_written_2025(client) -> None:
    assert years_of(client, D25, "jobcenter") == [
        (2024, D24, 50_190_100, None, None), (2025, D25, 53_412_700, 3_222_600, 6.4)]  # fmt: skip
    # renamed in the 2025 sidecar; the 2024 page shows the same two years
    it = [(2024, D24, 44_166_100, None, None), (2025, D25, 47_920_000, 3_753_900, 8.5)]
    assert years_of(client, D25, "it-digitalisering-og-cybersikkerhed") == it
    assert years_of(client, D24, "digitalisering-og-it") == it
    # "Fagcenter" dropped, a dash and case changed: still the same areas
    assert years_of(client, D25, "boern-laering-og-uddannelse")[0][2] == 7_882_800
    assert years_of(client, D25, "demografipulje-aeldreomraadet")[-1][3:] == (2_500_000, 25.0)
    # an area of 2024 only has its one year, no change
    assert years_of(client, D24, "kultur-og-fritid") == [(2024, D24, 6_681_800, None, None)]


def test_api_areas_filtered_by_year_municipality_committee(client) -> None:
    assert client.get("/api/areas").get_json()["count"] == 23
    only = client.get("/api/areas?year=2025").get_json()
    assert only["count"] == 6 and only["documents"] == [D25] and only["filters"] == {"year": 2025}
    assert only["total_kr"] == sum((53_412_700, 79_874_300, 47_920_000, 8_104_500, 12_500_000,
                                    14_180_000))  # fmt: skip
    assert client.get("/api/areas?municipality=kalundborg kommune&committee=Økonomiudvalget"
                      "&year=2024").get_json()["count"] == 17  # fmt: skip
    assert client.get("/api/areas?municipality=Holbæk Kommune").get_json()["count"] == 0
    bad = client.get("/api/areas?year=2025x")
    assert bad.status_code == 400 and "year" in bad.get_json()["error"]["message"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/areas.csv?year=2025").get_data(
        as_text=True))))  # fmt: skip
    assert len(rows) == 6


def test_area_page_years_table_links_each_year(client) -> None:
    page = client.get(f"/area/{D25}/jobcenter").get_data(as_text=True)
    table = page.split('class="area-years"', 1)[1].split("</section>", 1)[0]
    assert f'href="/area/{D24}/jobcenter">2024</a>' in table
    assert f'href="/area/{D25}/jobcenter" aria-current="page">2025</a>' in table
    assert "53.412.700 kr." in table and "+3.222.600 kr." in table and "+6,4 %" in table
    seed_only = client.get(f"/area/{D24}/kultur-og-fritid").get_data(as_text=True)
    assert 'class="area-years"' not in seed_only  # one year: nothing to compare


def answer(years_engine, q: str) -> dict | None:
    a = years_engine.search(q, k=3).answer
    return a.to_json() if a else None


def test_change_answers(years_engine) -> None:
    a = answer(years_engine, "Hvor meget er Jobcenter steget siden 2023?")
    assert a["kind"] == "change" and a["total_kr"] == 3_222_600
    assert [(r["year"], r["amount_kr"], r["change_kr"]) for r in a["rows"]] == [
        (2024, 50_190_100, None), (2025, 53_412_700, 3_222_600)]  # fmt: skip
    a = answer(years_engine, "Borgerservice 2024 til 2025")
    assert a["kind"] == "change" and a["total_kr"] == 79_874_300 - 81_205_800
    assert a["rows"][-1]["change_pct"] == -1.6
    a = answer(years_engine, "how did the IT budget change")
    assert a["kind"] == "change"
    assert [r["area"] for r in a["rows"]] == ["Digitalisering og IT",
                                              "IT, Digitalisering og Cybersikkerhed"]  # fmt: skip
    # one year only: no change to show, so no change answer (the seed answers as before)
    assert answer(years_engine, "Hvor meget er Kultur og Fritid steget?") is None
    assert answer(years_engine, "Kultur og Fritid budget 2024")["kind"] == "amount"
    # not a change question: the other answers, as before
    assert answer(years_engine, "Hvad koster Jobcenter i 2025?")["amount_kr"] == 53_412_700
    assert answer(years_engine, "Jobcenter")["kind"] == "amount"


def test_change_answer_on_the_page_and_in_csv(client) -> None:
    q = "Hvor meget er Jobcenter steget siden 2023?"
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    card = page.split('data-kind="change"', 1)[1].split("</section>", 1)[0]
    assert "+3.222.600 kr." in card and "+6,4 %" in card
    assert f'href="/area/{D24}/jobcenter">2024</a>' in card
    rows = list(csv.DictReader(io.StringIO(client.get("/api/answer.csv", query_string={"q": q})
                                           .get_data(as_text=True))))  # fmt: skip
    assert [(r["year"], r["amount_kr"], r["change_kr"], r["change_pct"]) for r in rows] == [
        ("2024", "50190100", "", ""), ("2025", "53412700", "3222600", "6.4")]  # fmt: skip


def test_areas_json_reports_each_documents_layout(years_settings) -> None:
    from webui.cli import cli

    env = {"BUDGET_SEARCH_INDEX": str(years_settings.index_dir)}
    out = CliRunner().invoke(cli, ["areas", "--json"], env=env, catch_exceptions=False)
    docs = {d["document"]: d for d in json.loads(out.stdout)["documents"]}
    assert (docs[D25]["areas"], docs[D25]["with_amount"]) == (6, 6)
    assert docs[D25]["layout"] == docs[D24]["layout"] == "title, then net budget line"


# -- bench/synth.py: several years of one municipality and committee ---------------------


@pytest.fixture(scope="module")
def synth_years(seed_settings, tmp_path_factory, encoder):
    from bench.synth import SynthEncoder, generate_years
    from index.building.build import build_index
    from search.engine import Engine

    corpus = tmp_path_factory.mktemp("synth-years")
    written = generate_years(corpus, (2022, 2023, 2024, 2025), seed=3)
    settings = seed_settings.with_overrides(corpus_dir=corpus,
                                            index_dir=tmp_path_factory.mktemp("synth-years-ix"))
    fake = SynthEncoder(encoder)
    build_index(settings, encoder_factory=lambda: fake, progress=False, log=lambda m: None)
    return written, Engine(settings.index_dir, lambda: encoder)


@pytest.mark.slow
def test_synthetic_years_corpus_follows_every_area(synth_years) -> None:
    written, engine = synth_years
    client = create_app({"ENGINE": engine}).test_client()
    overview = client.get("/api/areas?committee=økonomiudvalget").get_json()
    assert overview["count"] == 20 and len(overview["documents"]) == 4
    for seed_title, years in written.items():
        last_year, last_title, _ = years[-1]
        doc = f"holbaek/{last_year}/oekonomiudvalget"
        row = next(a for a in overview["areas"] if a["document"] == doc and a["area"] == last_title)
        got = client.get(f"/api/areas/{doc}/{row['slug']}").get_json()["years"]
        assert [(y["year"], y["area"], y["amount_kr"]) for y in got] == years, seed_title
        for before, now in zip(got, got[1:], strict=False):
            assert now["change_kr"] == now["amount_kr"] - before["amount_kr"]
            assert now["change_pct"] == round(now["change_kr"] / before["amount_kr"] * 100, 1)
    a = engine.search("Hvor meget er Borgerservice steget siden 2023?", k=1).answer
    assert a.kind == "change" and [r.year for r in a.rows] == [2023, 2024, 2025]
    assert a.rows[0].change_kr is None  # the first year shown is where the change starts
    assert a.total_kr == a.rows[-1].amount_kr - a.rows[0].amount_kr
    assert re.search(r"20\d\d–2025", a.title)


def test_answers_without_a_year_read_each_budget_once(years_engine) -> None:
    """Two years of one committee: a question that names no year is about the latest budget
    (adding 2024 to 2025 would count one budget twice); naming a year still picks it."""
    areas = years_engine.snapshot.areas
    total = {d: sum(a.amount_kr or 0 for a in areas if a.document == d) for d in (D24, D25)}
    a = answer(years_engine, "Hvad er budgettet i alt?")
    assert a["kind"] == "total" and a["total_kr"] == total[D25]
    assert [(r["document"], r["amount_kr"]) for r in a["rows"]] == [(D25, total[D25])]
    assert answer(years_engine, "Hvad er budgettet i alt i 2024?")["total_kr"] == total[D24]
    fire = {a.year: a.amount_kr for a in areas if a.area == "Vestsjællands Brandvæsen"}
    assert len(fire) == 2  # the area is in both years
    a = answer(years_engine, "Hvad koster brandvæsenet?")
    assert a["total_kr"] == fire[2025] and [r["year"] for r in a["rows"]] == [2025]
    assert a["corpus_total_kr"] == total[D25]
    # an area the latest year lacks keeps its last year, and its row says which
    culture = [a for a in areas if a.area == "Kultur og Fritid"]
    assert [a.year for a in culture] == [2024]
    a = answer(years_engine, "Hvad koster Kultur og Fritid?")
    assert a["total_kr"] == culture[0].amount_kr and a["rows"][0]["year"] == 2024
    a = answer(years_engine, "de 3 største områder")
    assert {r["year"] for r in a["rows"]} == {2025} and len(a["rows"]) == 3


def test_overview_page_picks_one_document(client) -> None:
    """Two years of one committee: the overview links each document, and a chosen one lists
    only its areas and its own total, with sorting and downloads kept to it."""
    page = client.get("/areas").get_data(as_text=True)
    nav = page.split('class="documents"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    assert [(label, bool(cur)) for _, cur, label in links] == [
        ("Alle dokumenter", True), ("Kalundborg Kommune, Økonomiudvalget 2025", False),
        ("Kalundborg Kommune, Økonomiudvalget 2024", False)]  # fmt: skip
    assert "23 områder i 2 dokumenter" in page
    url = links[1][0].replace("&amp;", "&")
    chosen = client.get(url).get_data(as_text=True)
    api = client.get("/api" + url).get_json()
    assert api["count"] == 6 and api["documents"] == [D25]
    total = f"{api['total_kr']:,} kr.".replace(",", ".")
    assert f'6 områder · i alt <strong class="kr">{total}' in chosen
    assert "Kultur og Fritid" not in chosen
    assert 'aria-current="page">Kalundborg Kommune, Økonomiudvalget 2025' in chosen
    sort = re.search(r'<a href="([^"]+)">Nettobudget', chosen)
    assert sort and "year=2025" in sort.group(1)
    assert re.search(r'href="/api/areas.csv\?[^"]*year=2025', chosen)
    # a filter that matches nothing is an empty listing, not an error; a bad year is a 400
    assert "0 områder" in client.get("/areas?municipality=Holbæk Kommune").get_data(as_text=True)
    assert client.get("/areas?year=<b>").status_code == 400
