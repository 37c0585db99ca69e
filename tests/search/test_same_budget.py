"""One budget in two documents (issue 28, item 8): two documents of the same municipality,
committee and year are two answers side by side, never one sum, and `index` warns naming both
files; file names that differ only in case (`budget.txt`, `budget.TXT`) are two documents, each
searchable. Written documents, indexed with the real model and searched through the engine, the
command line's formatting and the web app, as the other tests do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import format_response
from search.snapshot import AreaSummary
from search.years import group
from webui import create_app

SIDECAR = """title = "Bemærkninger - Økonomiudvalget"
municipality = "Testby Kommune"
committee = "Økonomiudvalget"
year = 2024
"""

#: The budget as adopted in September, and a later corrected version of the same budget
#: that someone saved beside it: the same municipality, committee and year twice.
ADOPTED = """Bemærkninger - Økonomiudvalget

Jobcenter

Samlet nettobudget for området: 10.000.000 kr.

Budgetgrundlag
Budgettet er et rammebudget, fremskrevet med KL's pris- og lønskøn. Det dækker
administrationen af forsørgerydelser og den aktive beskæftigelsesindsats.

Beskrivelse af området
Jobcentret hjælper ledige borgere i job eller uddannelse og samarbejder med de lokale
virksomheder om praktikpladser, løntilskud og opkvalificering af ufaglærte.

Borgerservice

Samlet nettobudget for området: 5.000.000 kr.

Beskrivelse af området
Borgerservice udsteder pas, kørekort og sundhedskort og hjælper borgere med digital post.
"""

CORRECTED = """Bemærkninger - Økonomiudvalget (korrigeret)

Jobcenter

Samlet nettobudget for området: 20.000.000 kr.

Budgetgrundlag
Budgettet er korrigeret efter budgetforliget: kommunen hjemtager indsatsen for
sygedagpengemodtagere, som hidtil blev købt hos en ekstern aktør.

Beskrivelse af området
Jobcentret varetager sygedagpengeopfølgningen, rehabiliteringsteamet og arbejdet med
ressourceforløb, fleksjob og førtidspension.

Borgerservice

Samlet nettobudget for området: 6.000.000 kr.

Beskrivelse af området
Borgerservice udsteder pas, kørekort og sundhedskort og hjælper borgere med digital post.
"""

A, B = "a/jobcenter1", "b/jobcenter2"


def write(corpus: Path, stem: str, text: str, suffix: str = ".txt") -> None:
    path = corpus / f"{stem}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.with_suffix(".toml").write_text(SIDECAR, encoding="utf-8")


def index(base_settings, tmp_path_factory, encoder, corpus: Path, name: str):
    from index.building.build import build_index
    from search.engine import Engine

    settings = base_settings.with_overrides(corpus_dir=corpus,
                                            index_dir=tmp_path_factory.mktemp(name) / "index")
    report = build_index(settings, encoder_factory=lambda: encoder, progress=False,
                         log=lambda m: None)  # fmt: skip
    return settings, report, Engine(settings.index_dir, lambda: encoder)


@pytest.fixture(scope="module")
def twice(base_settings, tmp_path_factory, encoder):
    corpus = tmp_path_factory.mktemp("same-budget") / "corpus"
    write(corpus, A, ADOPTED)
    write(corpus, B, CORRECTED)
    return index(base_settings, tmp_path_factory, encoder, corpus, "same-budget-ix")


def test_index_warns_naming_both_files(twice) -> None:
    settings, report, _ = twice
    warned = [w for w in report.summary().splitlines() if w.startswith("warning: ")]
    assert len(warned) == 1, report.summary()
    assert f"{A}.txt" in warned[0] and f"{B}.txt" in warned[0]
    assert "Testby Kommune, Økonomiudvalget 2024" in warned[0]
    assert "never added together" in warned[0]
    # `areas --corpus` reads the documents the same way and says the same
    from webui.cli import cli

    out = CliRunner().invoke(cli, ["areas", "--json", "--corpus", str(settings.corpus_dir)],
                             catch_exceptions=False)  # fmt: skip
    assert out.exit_code == 0
    assert f"warning: {A}.txt, {B}.txt: 2 documents for Testby Kommune" in out.stderr
    assert {d["document"] for d in json.loads(out.stdout)["documents"]} == {A, B}


def test_an_amount_question_answers_each_document_not_their_sum(twice) -> None:
    _, _, engine = twice
    resp = engine.search("Hvad koster Jobcenter?", k=3)
    a = resp.answer
    assert a is not None and a.kind == "amount"
    assert a.total_kr is None and a.corpus_total_kr is None  # never 30.000.000
    assert sorted((r.document, r.amount_kr, r.year) for r in a.rows) == [
        (A, 10_000_000, 2024), (B, 20_000_000, 2024)]  # fmt: skip
    assert set(a.same_budget) == {A, B}
    assert "ikke lagt sammen" in a.title and "Testby Kommune, Økonomiudvalget 2024" in a.title
    assert a.to_json()["same_budget"] == list(a.same_budget)
    printed = format_response(resp)
    assert "30.000.000" not in printed
    # each row says which document it is, with its share of that document's own total
    assert f"Jobcenter: 20.000.000 kr. (76,9 %) (Testby Kommune, 2024, {B})" in printed
    assert f"Jobcenter: 10.000.000 kr. (66,7 %) (Testby Kommune, 2024, {A})" in printed


def test_no_change_between_two_documents_of_one_year(twice) -> None:
    _, _, engine = twice
    # "steget 2024–2024 +10 mio." was two versions of one budget read as two years
    moved = engine.search("Hvor meget er Jobcenter steget?", k=3).answer
    assert moved is None or moved.kind != "change"
    assert engine.search("Jobcenter 2024 til 2024", k=3).answer.kind != "change"


def test_totals_groups_and_rankings_are_not_summed_either(twice) -> None:
    _, _, engine = twice
    total = engine.search("Hvad er budgettet i alt?", k=3).answer
    assert total.kind == "total" and total.total_kr is None
    assert sorted((r.document, r.amount_kr) for r in total.rows) == [(A, 15_000_000),
                                                                      (B, 26_000_000)]  # fmt: skip
    over = engine.search("områder over 4 mio. kr.", k=3).answer
    assert over.kind == "threshold" and over.total_kr is None and len(over.rows) == 4
    top = engine.search("de 2 største områder", k=3).answer
    assert top.kind == "ranking" and [r.amount_kr for r in top.rows] == [20_000_000, 10_000_000]
    assert top.corpus_total_kr is None


def test_area_page_and_card_name_each_document(twice) -> None:
    _, _, engine = twice
    client = create_app({"ENGINE": engine}).test_client()
    years = client.get(f"/api/areas/{A}/jobcenter").get_json()["years"]
    assert [(y["year"], y["document"], y["amount_kr"], y["change_kr"]) for y in years] == [
        (2024, A, 10_000_000, None), (2024, B, 20_000_000, None)]  # fmt: skip
    page = client.get(f"/area/{A}/jobcenter").get_data(as_text=True)
    table = page.split('class="area-years"', 1)[1].split("</section>", 1)[0]
    assert f"({A})" in table and f"({B})" in table
    assert "+10.000.000" not in table and "ikke oplyst" not in table
    card = client.get("/", query_string={"q": "Hvad koster Jobcenter?"}).get_data(as_text=True)
    card = card.split('class="answer"', 1)[1].split("</section>", 1)[0]
    assert "30.000.000" not in card and "<tfoot>" not in card
    assert f"(Testby Kommune, 2024, {A})" in card and f"(Testby Kommune, 2024, {B})" in card


def test_the_year_before_two_documents_is_compared_with_each() -> None:
    """A 2023 budget, then two documents of 2024: each 2024 row changes from 2023 (one budget
    before it), a 2025 after them has no change (from which of the two?), and the two 2024
    rows are never a change from each other."""
    areas = [AreaSummary("t/2023", "Testby Kommune", "Økonomiudvalget", 2023, "Jobcenter",
                         8_000_000, 1, ()),
             AreaSummary(A, "Testby Kommune", "Økonomiudvalget", 2024, "Jobcenter", 10_000_000,
                         1, ()),
             AreaSummary(B, "Testby Kommune", "Økonomiudvalget", 2024, "Jobcenter", 20_000_000,
                         1, ()),
             AreaSummary("t/2025", "Testby Kommune", "Økonomiudvalget", 2025, "Jobcenter",
                         21_000_000, 1, ())]  # fmt: skip
    rows = group(areas, {})[(A, "Jobcenter")].rows
    assert [(r.year, r.document, r.change_kr) for r in rows] == [
        (2023, "t/2023", None), (2024, A, 2_000_000), (2024, B, 12_000_000),
        (2025, "t/2025", None)]  # fmt: skip


# -- names that differ only in case ------------------------------------------------------

UPPER = """Bemærkninger - Økonomiudvalget

Digitalisering og IT

Samlet nettobudget for området: 7.500.000 kr.

Beskrivelse af området
IT-afdelingen driver kommunens netværk og arbejder med informationssikkerhed efter NIS2 og
med beredskabsplaner for cyberangreb mod de kritiske fagsystemer.
"""


@pytest.fixture(scope="module")
def cased(base_settings, tmp_path_factory, encoder):
    corpus = tmp_path_factory.mktemp("cased") / "corpus"
    write(corpus, "testby/budget", ADOPTED)
    write(corpus, "testby/budget", UPPER, suffix=".TXT")
    return index(base_settings, tmp_path_factory, encoder, corpus, "cased-ix")


def test_names_differing_only_in_case_are_two_searchable_documents(cased) -> None:
    _, report, engine = cased
    assert report.documents == 2 and report.skipped == []
    docs = {a.document for a in engine.areas()}
    assert docs == {"testby/budget", "testby/budget.TXT"}
    hit = engine.search("cyberangreb", mode="keyword", k=3).results[0]
    assert (hit.document, hit.area) == ("testby/budget.TXT", "Digitalisering og IT")
    hit = engine.search("praktikpladser", mode="keyword", k=3).results[0]
    assert (hit.document, hit.area) == ("testby/budget", "Jobcenter")
    assert re.search(r"testby/budget\.TXT, testby/budget\.txt: 2 documents", report.summary())
