"""The HTML pages: search, area, overview. Each renders the dict its `data` function returns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request

from search.results import MODES, SearchError
from webui import data
from webui.data import FACET_LABELS, MODE_LABELS, SORTS

bp = Blueprint("pages", __name__)

#: Bar chart geometry (SVG user units; the SVG scales to its container).
CHART_WIDTH = 800
CHART_ROW = 46
CHART_BAR = 16


@bp.app_context_processor
def helpers() -> dict[str, Any]:
    return {
        "area_url": data.area_url,
        "mode_labels": MODE_LABELS,
        "facet_labels": FACET_LABELS,
    }


EXAMPLES = ("MitID", "Hvad koster brandvæsenet?", "budget Borgerservice", "IT budget",
            "hjemløshed", "DUT")  # fmt: skip


@bp.get("/")
def search() -> Any:
    try:
        page = data.search_data(request.args)
    except SearchError as exc:
        limit = current_app.config["MAX_QUERY_LENGTH"]
        mode = request.args.get("mode", "hybrid")
        page = {
            "query": (request.args.get("q") or "")[:limit],
            "mode": mode if mode in MODES else "hybrid",
            "error": exc.message,
            "empty": False,
            "results": [],
            "facets": {},
            "active_filters": [],
        }
        return render_template("search.html", data=page, examples=EXAMPLES), exc.status
    return render_template("search.html", data=page, examples=EXAMPLES)


@bp.get("/areas")
def overview() -> Any:
    page = data.overview_data(request.args.get("sort", "order"), request.args.get("order", ""))
    return render_template(
        "overview.html", data=page, chart=bar_chart(page["areas"]), sorts=SORTS,
        sort_urls=sort_urls(page["sort"], page["order"]),
    )  # fmt: skip


@bp.get("/area/<path:document>/<slug>")
def area(document: str, slug: str) -> Any:
    page = data.area_data(document, slug)
    if page is None:
        raise SearchError("Området findes ikke. Se listen over alle områder.", 404)
    return render_template("area.html", data=page)


@bp.get("/passage/<passage_id>")
def passage(passage_id: str) -> Any:
    """A short, stable link to one passage: redirects to it in its area page."""
    page = data.passage_data(passage_id)
    if page is None:
        raise SearchError("Afsnittet findes ikke (måske er indekset bygget om).", 404)
    return redirect(page["url"], code=302)


def sort_urls(sort: str, order: str) -> dict[str, dict[str, str]]:
    """Per column: the URL that sorts by it (flipping the order on the current column)."""
    from flask import url_for

    out = {}
    for name in SORTS:
        if name == sort:
            next_order = "asc" if order == "desc" else "desc"
            aria = "ascending" if order == "asc" else "descending"
        else:
            next_order = "desc" if name in ("amount", "passages") else "asc"
            aria = "none"
        out[name] = {"url": url_for("pages.overview", sort=name, order=next_order), "aria": aria}
    return out


def bar_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry for a server-rendered SVG bar chart: sizes are attributes, never style=."""
    biggest = max((abs(r["amount_kr"]) for r in rows if r["amount_kr"] is not None), default=0)
    bars = []
    for i, r in enumerate(rows):
        amount = r["amount_kr"]
        width = 0.0 if not biggest or amount is None else abs(amount) / biggest * CHART_WIDTH
        y = i * CHART_ROW
        bars.append({
            "label": r["area"], "amount_kr": amount, "url": r["url"],
            "text_y": y + 18, "bar_y": y + 24, "height": CHART_BAR,
            "width": round(max(width, 2.0 if amount else 0.0), 1),
            "negative": amount is not None and amount < 0,
        })  # fmt: skip
    return {"width": CHART_WIDTH, "height": max(len(rows) * CHART_ROW, CHART_ROW), "bars": bars}
