"""The JSON API and CSV: the same data dicts the pages render.

GET /api/search, /api/search.csv, /api/areas, /api/areas.csv, /api/areas/<document>/<slug>,
/api/passages/<id>. Both CSVs come plain (`,`, decimal point, for tools) or, with
`?format=excel`, for a Danish Excel (`;`, decimal comma, UTF-8 BOM).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from search.results import ANSWER_ROWS, MAX_K, NotFound, SearchError
from webui import data, search_data
from webui.formatting import decimal_comma

bp = Blueprint("api", __name__, url_prefix="/api")

#: The API's search keys: the CLI's `search --json` (with `offset`), plus `k`, the page size;
#: each result also carries its `permalink`.
SEARCH_KEYS = ("query", "mode", "total", "total_exact", "total_related", "capped", "offset",
               "took_ms", "did_you_mean", "message", "filters", "answer", "facets", "facets_of",
               "facets_more", "named_filters", "results")  # fmt: skip
#: CSV columns: the JSON keys for tools; the Excel variant labels them in Danish.
CSV_COLUMNS = {
    "rank": "Nr.", "match": "Træf", "area": "Område", "amount_kr": "Områdets nettobudget (kr.)",
    "section": "Overskrift", "subsection": "Underoverskrift", "text": "Afsnit",
    "municipality": "Kommune", "committee": "Udvalg", "year": "Budgetår",
    "document": "Dokument", "line_start": "Fra linje", "line_end": "Til linje", "page": "Side",
    "score": "Score", "id": "Id", "permalink": "Link",
}  # fmt: skip
AREA_CSV_COLUMNS = {
    "area": "Område", "amount_kr": "Nettobudget (kr.)", "share": "Andel af samlet nettobudget",
    "passages": "Afsnit", "municipality": "Kommune", "committee": "Udvalg", "year": "Budgetår",
    "document": "Dokument", "permalink": "Link",
}  # fmt: skip
ANSWER_COLUMNS = {
    "area": "Område", "amount_kr": "Nettobudget (kr.)", "share": "Andel af samlet nettobudget",
    "municipality": "Kommune", "committee": "Udvalg", "year": "Budgetår", "document": "Dokument",
}  # fmt: skip
#: A `change` answer's table: one area year by year.
CHANGE_COLUMNS = {
    "year": "Budgetår", "area": "Område", "amount_kr": "Nettobudget (kr.)",
    "change_kr": "Ændring (kr.)", "change_pct": "Ændring (%)", "municipality": "Kommune",
    "committee": "Udvalg", "document": "Dokument",
}  # fmt: skip
CSV_FORMATS = ("csv", "excel")
#: The Excel CSV's "Træf" column says what the page says on each hit.
MATCH_WORDS = {"exact": "Indeholder søgeordene", "related": "Relateret"}


@bp.get("/")
def index() -> Any:
    api = url_for("api.index")  # /api/, under the proxy's sub-path when there is one
    return jsonify({
        "endpoints": {
            "search": f"{api}search?q=&mode=&k=&offset=&area=&section=&committee=&year="
            "&min_amount=&max_amount=[&all=1]",
            "search_csv": f"{api}search.csv?q=...[&format=excel]",
            "areas": f"{api}areas?sort=order|area|amount|passages&order=asc|desc"
            "&municipality=&committee=&year=",
            "areas_csv": f"{api}areas.csv?sort=...&order=...[&format=excel]",
            "area": f"{api}areas/<document>/<slug>",
            "passage": f"{api}passages/<id>",
        },
        "limits": {"k": f"1..{MAX_K} results per page", "offset": f"0..{search_data.EXPORT_LIMIT}",
                   "all": f"all=1: every result in one answer, up to {search_data.EXPORT_LIMIT}",
                   "answer": f"the first {ANSWER_ROWS} rows of an answer card (rows_total: "
                             "all of them; its csv_url lists every row)"},
    })  # fmt: skip


@bp.get("/search")
def search() -> Any:
    """One page of results, or with `all=1` every result (the JSON export: `total` of them, up
    to EXPORT_LIMIT), as the CSV lists them."""
    every = request.args.get("all", "")
    if every not in ("", "0", "1"):
        raise SearchError("all skal være 1 (alle resultater) eller 0 (en side).")
    page = search_data.search_data(request.args, every=every == "1")
    return jsonify({key: page[key] for key in SEARCH_KEYS} | {"k": page["k"]})


@bp.get("/search.csv")
def search_csv() -> Response:
    """Every matching result (not one page), one row each."""
    excel = _excel()
    sa = search_data.parse_search_args(request.args)
    _, results = search_data.all_results(sa)
    rows = []
    for rank, hit in enumerate(results, 1):
        row = {**hit.to_json(), "rank": rank}
        row["permalink"] = data.permalink("pages.passage", passage_id=hit.id)
        if excel:  # the page's own words, not the JSON's exact/related
            row["match"] = MATCH_WORDS.get(row["match"], row["match"])
        rows.append(row)
    return _csv(rows, CSV_COLUMNS, "budget-search", excel)


@bp.get("/areas.csv")
def areas_csv() -> Response:
    """The overview: every area with its net amount and share of the total."""
    excel = _excel()
    page = data.overview_data(request.args.get("sort", "order"), request.args.get("order", ""),
                              data.area_filters(request.args))  # fmt: skip
    rows = [{**a, "permalink": data.permalink("pages.area", document=a["document"], slug=a["slug"])}
            for a in page["areas"]]  # fmt: skip
    return _csv(rows, AREA_CSV_COLUMNS, "budget-areas", excel)


def _excel() -> bool:
    fmt = request.args.get("format", "csv")
    if fmt not in CSV_FORMATS:
        raise SearchError(f"Ukendt format {fmt[:20]!r}; brug csv eller excel.")
    return fmt == "excel"


def _csv(rows: list[dict[str, Any]], columns: dict[str, str], name: str, excel: bool) -> Response:
    """Plain CSV for tools (comma, decimal point, JSON keys as headers, no BOM), or CSV for a
    Danish Excel (semicolon, decimal comma, Danish headers, a UTF-8 BOM so æøå read right)."""
    out = io.StringIO()
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(columns.values() if excel else columns.keys())
    for row in rows:
        cells = [_cell(row.get(c)) for c in columns]
        writer.writerow([decimal_comma(c) for c in cells] if excel else cells)
    filename = f"{name}-excel.csv" if excel else f"{name}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/answer.csv")
def answer_csv() -> Response:
    """The answer table (amounts computed for a budget question) as CSV (`?format=excel` too)."""
    excel = _excel()
    page = search_data.search_data(request.args, all_answer_rows=True)
    answer = page["answer"]
    if not answer:
        raise NotFound("Søgningen stiller ikke et spørgsmål om beløb; der er ingen tabel.")
    columns = CHANGE_COLUMNS if answer["kind"] == "change" else ANSWER_COLUMNS
    return _csv(answer["rows"], columns, "budget-search-svar", excel)


def _cell(value: object) -> object:
    """Plain values; text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/areas")
def areas() -> Any:
    return jsonify(data.overview_data(request.args.get("sort", "order"),
                                      request.args.get("order", ""),
                                      data.area_filters(request.args)))  # fmt: skip


@bp.get("/areas/<path:document>/<slug>")
def area(document: str, slug: str) -> Any:
    page = data.area_data(document, slug)
    if page is None:
        raise NotFound("Området findes ikke. Se listen over alle områder.")
    return jsonify(page)


@bp.get("/passages/<passage_id>")
def passage(passage_id: str) -> Any:
    page = data.passage_data(passage_id)
    if page is None:
        raise NotFound("Afsnittet findes ikke (måske er indekset bygget om).")
    return jsonify(page)
