"""The JSON API and its CSV exports through Flask's test client, on the session's seed index
(the HTML pages: test_pages.py)."""

from __future__ import annotations

import csv
import io
import re
import statistics
import time

import pytest

DOC = "kalundborg/2024/oekonomiudvalget"
BORGERSERVICE = f"/area/{DOC}/borgerservice"
#: The result fields of the CLI's `search --json`, which the API returns unchanged.
CLI_FIELDS = {"id", "document", "municipality", "committee", "year", "area", "section",
              "subsection", "amount_kr", "text", "highlight", "score", "line_start", "line_end",
              "page", "match"}  # fmt: skip


# -- JSON API and CSV ----------------------------------------------------------------------


def test_api_search_contract_matches_the_cli(client, engine) -> None:
    data = client.get("/api/search?q=budget&mode=keyword&k=5").json
    assert {"query", "mode", "total", "took_ms", "did_you_mean", "facets", "results"} <= set(data)
    assert data["query"] == "budget" and data["mode"] == "keyword"
    assert len(data["results"]) == 5
    assert set(data["results"][0]) == CLI_FIELDS | {"permalink"}
    assert data["results"][0]["permalink"] == f"/passage/{data['results'][0]['id']}"
    cli = engine.search("budget", mode="keyword", k=5).to_json()
    assert [r["id"] for r in data["results"]] == [r["id"] for r in cli["results"]]
    first = client.get("/api/search?q=MitID&mode=keyword").json["results"][0]
    assert first["area"] == "Borgerservice" and first["amount_kr"] == 81205800


def test_api_filters(client) -> None:
    data = client.get("/api/search?q=budget&mode=keyword&area=Jobcenter&year=2024").json
    assert data["results"] and {r["area"] for r in data["results"]} == {"Jobcenter"}
    data = client.get("/api/search?q=budget&mode=keyword&min_amount=80.000.000").json
    assert data["results"] and all(r["amount_kr"] >= 80_000_000 for r in data["results"])
    data = client.get("/api/search?q=&mode=keyword&section=Budgetgrundlag").json
    assert data["results"] and {r["section"] for r in data["results"]} == {"Budgetgrundlag"}


@pytest.mark.parametrize(
    "query",
    ["q=x&mode=bogus", "q=x&k=abc", "q=x&k=0", "q=x&year=tyve", "q=x&min_amount=lots",
     "q=" + "a" * 2001, "q=x&area=" + "a" * 400],
)  # fmt: skip
def test_api_errors_are_json_4xx(client, query: str) -> None:
    resp = client.get("/api/search?" + query)
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    err = resp.json["error"]
    assert err["status"] == 400 and err["message"] and "Traceback" not in err["message"]


def test_api_unknown_path_is_json_404(client) -> None:
    for url in ["/api/nope", f"/api/areas/{DOC}/nope", "/api/passages/nope"]:
        resp = client.get(url)
        assert resp.status_code == 404 and resp.json["error"]["status"] == 404


def test_api_areas_and_passages(client, engine) -> None:
    data = client.get("/api/areas").json
    assert data["count"] == 17 and len(data["areas"]) == 17
    bs = next(a for a in data["areas"] if a["area"] == "Borgerservice")
    assert bs["amount_kr"] == 81205800 and bs["url"] == BORGERSERVICE
    area = client.get(f"/api/areas/{DOC}/borgerservice").json
    assert area["area"]["area"] == "Borgerservice" and area["sections"]
    pid = area["sections"][0]["passages"][0]["id"]
    p = client.get(f"/api/passages/{pid}").json
    assert p["id"] == pid and p["area"] == "Borgerservice" and p["url"].endswith(f"#p-{pid}")
    assert p["text"] == engine.passage(pid).text


def test_csv_of_a_result_list(client) -> None:
    resp = client.get("/api/search.csv?q=MitID&mode=keyword&k=3")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert not resp.data.startswith(b"\xef\xbb\xbf")  # plain CSV for tools: no BOM
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8"))))
    assert rows[0]["area"] == "Borgerservice" and rows[0]["amount_kr"] == "81205800"
    assert rows[0]["rank"] == "1" and rows[0]["id"] and "." in rows[0]["score"]
    assert rows[0]["permalink"] == f"/passage/{rows[0]['id']}"


def test_csv_exports_every_matching_row_not_one_page(client) -> None:
    api = client.get("/api/search?q=budget&mode=keyword&k=5").json
    assert len(api["results"]) == 5 < api["total"]
    resp = client.get("/api/search.csv?q=budget&mode=keyword&k=5&page=2")
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8"))))
    assert len(rows) == api["total"]
    assert [r["id"] for r in rows[:5]] == [r["id"] for r in api["results"]]
    assert [r["rank"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]


def test_excel_csv_reads_back_in_a_danish_excel(client) -> None:
    resp = client.get("/api/search.csv?q=MitID&mode=keyword&format=excel")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads æ, ø, å right
    assert "excel" in resp.headers["Content-Disposition"]
    text = resp.data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    head, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert head[:3] == ["Nr.", "Træf", "Område"] and "Overskrift" in head and "Afsnit" in head
    assert first["Område"] == "Borgerservice" and first["Områdets nettobudget (kr.)"] == "81205800"
    assert re.fullmatch(r"-?\d+,\d+", first["Score"]), first["Score"]  # decimal comma
    assert first["Link"].startswith("/passage/")
    assert all(len(r) == len(head) for r in rows)
    # the page's words in "Træf", not the JSON's exact/related (issue 30)
    assert {r[1] for r in rows[1:]} <= {"Indeholder søgeordene", "Relateret"}
    assert first["Træf"] == "Indeholder søgeordene"
    assert client.get("/api/search.csv?q=MitID&format=ods").status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "excel"])
def test_areas_csv_sums_to_the_budget_total(client, fmt: str) -> None:
    resp = client.get(f"/api/areas.csv?sort=amount&format={fmt}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    excel = fmt == "excel"
    text = resp.data.decode("utf-8-sig" if excel else "utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if excel else ","))
    assert len(rows) == 17
    amount, share = (
        ("Nettobudget (kr.)", "Andel af samlet nettobudget") if excel else ("amount_kr", "share")
    )
    assert sum(int(r[amount]) for r in rows) == 460_443_800
    shares = [float(r[share].replace(",", ".")) for r in rows]
    assert abs(sum(shares) - 1) < 1e-4 and shares == sorted(shares, reverse=True)
    assert ("," in rows[0][share]) == excel
    assert int(rows[0][amount]) == max(int(r[amount]) for r in rows)
    assert rows[0]["Link" if excel else "permalink"].startswith("/area/")


def test_csv_neutralises_formulas() -> None:
    from webui.api import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell(-5) == -5 and _cell(None) == ""


# -- speed -----------------------------------------------------------------------------------


def test_warm_search_answers_in_tens_of_milliseconds(client) -> None:
    for q in ("MitID", "budget"):
        client.get("/api/search", query_string={"q": q})  # warm
    times = []
    for q in ("MitID", "Hvad koster brandvæsenet?", "IT budget", "hjemløshed", "DUT") * 4:
        started = time.perf_counter()
        assert client.get("/api/search", query_string={"q": q}).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    assert statistics.median(times) < 100, times


# -- relevance: exact and related matches ----------------------------------------------------


def test_api_results_carry_match_and_counts(client) -> None:
    data = client.get("/api/search", query_string={"q": "havnebad"}).json
    assert data["total_exact"] == 0
    assert all(r["match"] == "related" for r in data["results"])
    assert data["total"] == data["total_exact"] + data["total_related"]
