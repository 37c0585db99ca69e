"""The HTML pages: search, area, overview. Each renders the dict its `data` function returns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, send_file

from search.results import MODES, NotFound, SearchError
from webui import data, search_data
from webui.data import SORTS
from webui.errors import status_of
from webui.formatting import BAR_WIDTH, bar_width
from webui.search_data import FACET_LABELS, MODE_HELP, MODE_LABELS

bp = Blueprint("pages", __name__)

@bp.app_context_processor
def helpers() -> dict[str, Any]:
    return {
        "area_url": data.area_url,
        "mode_labels": MODE_LABELS,
        "mode_help": MODE_HELP,
        "facet_labels": FACET_LABELS,
    }


EXAMPLES = ("MitID", "Hvad koster brandvæsenet?", "budget Borgerservice", "IT budget",
            "hjemløshed", "DUT")  # fmt: skip


@bp.get("/")
def search() -> Any:
    try:
        page = search_data.page_extras(search_data.search_data(request.args, quiet=True))
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
        return render_template("search.html", data=page, examples=EXAMPLES), status_of(exc)
    # the home page says what is searched (issue 30); a search's answer and results say the rest
    scope = data.scope_text(data.engine().areas()) if page["empty"] else ""
    return render_template("search.html", data=page, examples=EXAMPLES, scope=scope)


@bp.get("/areas")
def overview() -> Any:
    filters = data.area_filters(request.args)
    page = data.overview_data(request.args.get("sort", "order"), request.args.get("order", ""),
                              filters)  # fmt: skip
    return render_template(
        "overview.html", data=page, chart=bar_chart(page["areas"], page["sort"], page["order"]),
        sorts=SORTS, sort_urls=sort_urls(page["sort"], page["order"], filters),
        choices=document_choices(filters),
    )  # fmt: skip


@bp.get("/area/<path:document>/<slug>")
def area(document: str, slug: str) -> Any:
    page = data.area_data(document, slug)
    if page is None:
        raise NotFound("Området findes ikke. Se listen over alle områder.")
    return render_template("area.html", data=page)


@bp.get("/document/<path:document>.pdf")
def document_pdf(document: str) -> Any:
    """A document's PDF (its source, or one beside its text), for citations' `#page=N` links."""
    path = data.pdf_path(document)
    if path is None:
        raise NotFound("Dokumentet findes ikke som PDF.")
    # `path` is the checked file a link led to: the name saved is still the document's
    # (a header holds no line break: a newline in a file name is saved as "_")
    name = "".join(c if c.isprintable() else "_" for c in document.rsplit("/", 1)[-1]) + ".pdf"
    return send_file(path, mimetype="application/pdf", conditional=True, max_age=3600,
                     download_name=name)  # fmt: skip


@bp.get("/passage/<passage_id>")
def passage(passage_id: str) -> Any:
    """A short, stable link to one passage: redirects to it in its area page."""
    page = data.passage_data(passage_id)
    if page is None:
        raise NotFound("Afsnittet findes ikke (måske er indekset bygget om).")
    return redirect(page["url"], code=302)


def document_choices(filters: dict[str, str | int]) -> list[dict[str, Any]]:
    """With several documents indexed, one link per document (its municipality, committee and
    year as filters) and one for all: the overview's total is one budget's only when one is
    chosen, so a journalist can pick the year instead of reading 2024 and 2025 added up."""
    from flask import url_for

    seen = sorted({(a.municipality, a.committee, a.year) for a in data.engine().areas()},
                  key=lambda m: (m[0], m[1], -m[2]))  # fmt: skip
    if len(seen) < 2:
        return []
    wanted = {k: str(v).casefold() for k, v in filters.items()}
    out = [{"label": "Alle dokumenter", "url": url_for("pages.overview"), "current": not filters}]
    for municipality, committee, year in seen:
        chosen = {"municipality": municipality, "committee": committee, "year": year}
        out.append({"label": f"{municipality}, {committee} {year}",
                    "url": url_for("pages.overview", **chosen),
                    "current": wanted == {k: str(v).casefold() for k, v in chosen.items()}})
    return out


def sort_urls(sort: str, order: str, filters: dict[str, str | int] | None = None
              ) -> dict[str, dict[str, str]]:  # fmt: skip
    """Per column: the URL that sorts by it (flipping the order on the current column), in the
    documents chosen."""
    from flask import url_for

    out = {}
    for name in SORTS:
        if name == sort:
            next_order = "asc" if order == "desc" else "desc"
            aria = "ascending" if order == "asc" else "descending"
        else:
            next_order = "desc" if name in ("amount", "passages") else "asc"
            aria = "none"
        url = url_for("pages.overview", sort=name, order=next_order, **(filters or {}))
        out[name] = {"url": url, "aria": aria}
    return out


def bar_chart(rows: list[dict[str, Any]], sort: str, order: str) -> dict[str, Any]:
    """The areas ranked by amount, with each one's share: largest first, unless the table is
    sorted by amount the other way round. Unknown amounts last; bar widths in 0..BAR_WIDTH."""
    ascending = sort == "amount" and order == "asc"
    known = sorted((r for r in rows if r["amount_kr"] is not None),
                   key=lambda r: r["amount_kr"], reverse=not ascending)  # fmt: skip
    ranked = known + [r for r in rows if r["amount_kr"] is None]
    biggest = max((abs(r["amount_kr"]) for r in known), default=0)
    bars = []
    for r in ranked:
        amount = r["amount_kr"]
        bars.append({
            "label": r["area"], "amount_kr": amount, "share": r["share"], "url": r["url"],
            "width": bar_width(amount, biggest),
            "negative": amount is not None and amount < 0,
        })  # fmt: skip
    return {"width": BAR_WIDTH, "bars": bars, "ascending": ascending}
