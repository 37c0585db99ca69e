"""The JSON API and CSV: the same data dicts the pages render.

GET /api/search, /api/search.csv, /api/areas, /api/areas/<document>/<slug>, /api/passages/<id>.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from search.results import SearchError
from webui import data

bp = Blueprint("api", __name__, url_prefix="/api")

#: The API's search result keys: exactly the CLI's `search --json`.
SEARCH_KEYS = ("query", "mode", "total", "total_exact", "total_related", "offset", "took_ms",
               "did_you_mean", "message", "filters", "answer", "facets", "results")  # fmt: skip
CSV_COLUMNS = (
    "rank", "area", "amount_kr", "section", "subsection", "text", "municipality", "committee",
    "year", "document", "line_start", "line_end", "page", "score", "match", "id",
)  # fmt: skip
ANSWER_COLUMNS = ("area", "amount_kr", "share", "municipality", "committee", "year", "document")


@bp.get("/")
def index() -> Any:
    api = url_for("api.index")  # /api/, under the proxy's sub-path when there is one
    return jsonify({
        "endpoints": {
            "search": f"{api}search?q=&mode=&k=&area=&section=&committee=&year="
            "&min_amount=&max_amount=",
            "search_csv": f"{api}search.csv?q=...",
            "areas": f"{api}areas?sort=order|area|amount|passages&order=asc|desc",
            "area": f"{api}areas/<document>/<slug>",
            "passage": f"{api}passages/<id>",
        }
    })  # fmt: skip


@bp.get("/search")
def search() -> Any:
    page = data.search_data(request.args)
    return jsonify({key: page[key] for key in SEARCH_KEYS})


@bp.get("/search.csv")
def search_csv() -> Response:
    page = data.search_data(request.args)
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so spreadsheet programs read æ, ø and å right
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for rank, hit in enumerate(page["results"], 1):
        row = {**hit, "rank": rank}
        writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="budget-search.csv"'},
    )


@bp.get("/answer.csv")
def answer_csv() -> Response:
    """The answer table (amounts computed for a budget question) as CSV."""
    page = data.search_data(request.args)
    answer = page["answer"]
    if not answer:
        raise SearchError("Søgningen stiller ikke et spørgsmål om beløb; der er ingen tabel.", 404)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(ANSWER_COLUMNS)
    for row in answer["rows"]:
        writer.writerow([_cell(row.get(c)) for c in ANSWER_COLUMNS])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="budget-search-svar.csv"'},
    )


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
                                      request.args.get("order", "")))  # fmt: skip


@bp.get("/areas/<path:document>/<slug>")
def area(document: str, slug: str) -> Any:
    page = data.area_data(document, slug)
    if page is None:
        raise SearchError("Området findes ikke. Se listen over alle områder.", 404)
    return jsonify(page)


@bp.get("/passages/<passage_id>")
def passage(passage_id: str) -> Any:
    page = data.passage_data(passage_id)
    if page is None:
        raise SearchError("Afsnittet findes ikke (måske er indekset bygget om).", 404)
    return jsonify(page)
