"""Where each amount was read, on the web: /api/areas, the area page, /areas (with each
document's stated totals against its areas) and the answer card."""

from __future__ import annotations

import re
from html import unescape

import pytest

from webui import create_app

DOC = "kalundborg/2024/oekonomiudvalget"
JOBCENTER = {"text": "Samlet nettobudget for området: 50.190.100 kr.", "line": 6, "page": None}


@pytest.fixture(scope="module")
def client(engine):
    return create_app({"ENGINE": engine}).test_client()


@pytest.fixture(scope="module")
def solbjerg(provenance_settings, encoder):
    """The seed beside three documents of tests/provenance_docs.py (area tables, totals)."""
    from search.engine import Engine

    engine = Engine(provenance_settings.index_dir, lambda: encoder)
    return create_app({"ENGINE": engine}).test_client()


def page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return unescape(resp.get_data(as_text=True))


def test_api_areas_gives_every_amount_its_source(client) -> None:
    rows = client.get("/api/areas").json["areas"]
    assert len(rows) == 17
    for r in rows:
        source = r["amount_source"]
        assert source["line"] > 0 and source["page"] is None, r
        assert f"{r['amount_kr']:,}".replace(",", ".") in source["text"], r
    jobcenter = next(r for r in rows if r["area"] == "Jobcenter")
    assert jobcenter["amount_source"] == JOBCENTER
    area = client.get(f"/api/areas/{DOC}/jobcenter").json["area"]
    assert area["amount_source"] == JOBCENTER


def test_area_page_says_where_its_amount_was_read(client) -> None:
    html = page(client, f"/area/{DOC}/jobcenter")
    source = re.search(r'<p class="amount-source">(.*?)</p>', html, re.S)
    assert source, "no source on the area page"
    assert ("Beløbet er læst i linje 6: <span class=\"source-text\">»Samlet nettobudget for "
            "området: 50.190.100 kr.«</span>") in source.group(1)
    assert html.index('class="area-amount"') < html.index('class="amount-source"')


def test_overview_shows_each_amounts_source(client) -> None:
    html = page(client, "/areas")
    cells = re.findall(r'<td class="amount-source">(.*?)</td>', html, re.S)
    filled = [c for c in cells if c]
    assert len(filled) == 17  # one per area (the footer's cell is empty)
    assert ("læst i linje 6: <span class=\"source-text\">»Samlet nettobudget for området: "
            "50.190.100 kr.«</span>") in filled
    assert "Afstemning" not in html  # the seed states no total of its own


def test_overview_reconciles_each_documents_stated_totals(solbjerg) -> None:
    html = page(solbjerg, "/areas")
    section = re.search(r'<section class="reconciliations".*?</section>', html, re.S)
    assert section, "no reconciliation on /areas"
    rows = {re.search(r"\((.*?), læst", r).group(1): r
            for r in re.findall(r"<tr class=\"(?:agrees|differs)\">(.*?)</tr>", section.group(0),
                                re.S)}  # fmt: skip
    assert "Afstemning med dokumenternes egne totaler" in section.group(0)
    assert set(rows) == {"Solbjerg Kommune, Teknik- og Miljøudvalget 2025",
                         "Solbjerg Kommune, Kultur- og Fritidsudvalget 2025",
                         "Solbjerg Kommune, Social- og Sundhedsudvalget 2025"}  # fmt: skip
    teknik = rows["Solbjerg Kommune, Teknik- og Miljøudvalget 2025"]
    assert "I alt" in teknik and "læst i linje 11" in teknik
    assert "101.400.000 kr." in teknik and "<td>Stemmer</td>" in teknik
    kultur = rows["Solbjerg Kommune, Kultur- og Fritidsudvalget 2025"]
    assert "44.815.000 kr." in kultur and "44.315.000 kr." in kultur
    assert ("<strong>Stemmer ikke: områderne summer til 500.000 kr. mindre end totalen</strong>"
            in kultur)  # fmt: skip
    social = rows["Solbjerg Kommune, Social- og Sundhedsudvalget 2025"]
    assert "Samlet nettobudget for udvalget" in social and "<td>Stemmer</td>" in social
    # a table row is its source: the row as the document writes it
    veje = "læst i linje 7: <span class=\"source-text\">»| Veje og trafik | 45.250 | 45.900 |«"
    assert veje in html
    # one document chosen: only its totals
    chosen = page(solbjerg, "/areas?municipality=Solbjerg Kommune&committee=Kultur- og "
                            "Fritidsudvalget&year=2025")  # fmt: skip
    assert chosen.count('<tr class="differs">') == 1 and 'class="agrees"' not in chosen
    listing = solbjerg.get("/api/areas?committee=Kultur- og Fritidsudvalget").json
    (total,) = listing["reconciliations"]
    assert (total["document"], total["difference_kr"], total["agrees"]) == (
        "solbjerg/2025/kultur", -500_000, False)


def test_answer_card_shows_where_the_amount_was_read(client) -> None:
    html = page(client, "/?q=Hvad+koster+brandvæsenet%3F")
    card = re.search(r'<section class="answer".*?</section>', html, re.S).group(0)
    assert "13.725.000 kr." in card
    assert ("Beløbet er læst i linje 370: <span class=\"source-text\">»Samlet nettobudget for "
            "området: 13.725.000 kr.«</span>") in card
    data = client.get("/api/search", query_string={"q": "Hvad koster brandvæsenet?"}).json
    (row,) = data["answer"]["rows"]
    assert row["amount_source"]["line"] == 370
    # a table of several areas names no single source
    many = page(client, "/?q=de+3+største+områder")
    assert "Beløbet er læst" not in re.search(r'<section class="answer".*?</section>', many,
                                              re.S).group(0)  # fmt: skip


def test_a_pdf_amount_is_placed_by_its_page() -> None:
    from webui.formatting import read_where

    assert read_where({"text": "Samlet nettobudget for området: 81.205.800 kr.", "line": 73,
                       "page": 3}) == "på s. 3"  # fmt: skip
    assert read_where(JOBCENTER) == "i linje 6"
    assert read_where(None) == ""
