"""One function per page, each producing the plain data dict that feeds its HTML, JSON and CSV.

Nothing here renders; the templates only print what these return. URLs are built with
`url_for`, so these run inside a request.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask import current_app, g, url_for
from werkzeug.datastructures import MultiDict

from search.results import MODES, Filters, SearchError
from webui.formatting import collate, slug

MODE_LABELS = {"hybrid": "Hybrid", "keyword": "Nøgleord", "semantic": "Semantisk"}
FACET_LABELS = {
    "area": "Område",
    "section": "Afsnit",
    "committee": "Udvalg",
    "year": "Budgetår",
    "municipality": "Kommune",
}
TEXT_FILTERS = ("area", "section", "committee", "municipality")
NUMBER_FILTERS = ("year", "min_amount", "max_amount")
#: Every parameter a search URL carries, in the order the URLs spell them.
SEARCH_PARAMS = ("q", "mode", "k", *TEXT_FILTERS, *NUMBER_FILTERS)
SORTS = {"order": "Rækkefølge i budgettet", "area": "Område", "amount": "Beløb",
         "passages": "Afsnit"}  # fmt: skip
NO_SECTION = "Indledning"


def engine() -> Any:
    """The engine pinned to one index generation for the whole request."""
    from webui import get_engine

    if "engine" not in g:
        g.engine = get_engine().pinned()
    return g.engine


# -- search -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SearchArgs:
    q: str
    mode: str
    k: int
    filters: Filters
    given: dict[str, str]  # the non-empty parameters as given, for building URLs

    def url_args(self, **changes: str | None) -> dict[str, str]:
        out = dict(self.given)
        for name, value in changes.items():
            if value is None or value == "":
                out.pop(name, None)
            else:
                out[name] = value
        if out.get("mode") == "hybrid":
            out.pop("mode")
        return {n: out[n] for n in SEARCH_PARAMS if n in out}


def _param(args: MultiDict, name: str, limit: int) -> str:
    value = (args.get(name) or "").strip()
    if len(value) > limit:
        if name == "q":
            raise SearchError(f"Søgningen er for lang: højst {limit} tegn, den har {len(value)}.")
        raise SearchError(f"Parameteren {name} er for lang (højst {limit} tegn).")
    if "\x00" in value:
        raise SearchError(f"Parameteren {name} indeholder ugyldige tegn.")
    return value


#: A whole number as people write one: 1000000, or Danish thousands groups 1.000.000 / 1 000 000
#: (amounts only: "5.5" is not 55, and k and year take plain digits).
PLAIN_NUMBER = re.compile(r"-?[0-9]+")
GROUPED_NUMBER = re.compile(r"-?[0-9]{1,3}(?:([. \u00a0])[0-9]{3})(?:\1[0-9]{3})*")


def _whole_number(name: str, value: str, grouped: bool = True) -> int:
    if PLAIN_NUMBER.fullmatch(value) or (grouped and GROUPED_NUMBER.fullmatch(value)):
        return int(re.sub(r"[. \u00a0]", "", value))
    raise SearchError(f"{name} skal være et helt tal, ikke {value!r}.")


def parse_search_args(args: MultiDict) -> SearchArgs:
    cfg = current_app.config
    given = {}
    for name in SEARCH_PARAMS:
        limit = cfg["MAX_QUERY_LENGTH"] if name == "q" else cfg["MAX_PARAM_LENGTH"]
        value = _param(args, name, limit)
        if value:
            given[name] = value
    mode = given.get("mode", "hybrid")
    if mode not in MODES:
        raise SearchError(f"Ukendt søgemåde {mode!r}; brug {', '.join(MODES)}.")
    k = cfg["DEFAULT_K"]
    if "k" in given:
        k = _whole_number("k", given["k"], grouped=False)
        if not 1 <= k <= 100:
            raise SearchError("k skal være mellem 1 og 100.")
    numbers = {n: _whole_number(n, given[n], grouped=n != "year") for n in NUMBER_FILTERS
               if n in given}  # fmt: skip
    texts = {n: given[n] for n in TEXT_FILTERS if n in given}
    return SearchArgs(given.get("q", ""), mode, k, Filters(**texts, **numbers), given)


def search_data(args: MultiDict) -> dict[str, Any]:
    """The search page's data: the engine's response plus toggle URLs on the facets."""
    sa = parse_search_args(args)
    partial = args.get("partial") == "1"  # search-as-you-type: the last word is unfinished
    resp = engine().search(sa.q, mode=sa.mode, k=sa.k, filters=sa.filters, partial=partial)
    g.search_response = resp  # for the metrics and the request log (webui.ops)
    data = resp.to_json()
    for name, items in data["facets"].items():
        for item in items:
            value = None if item["selected"] else str(item["value"])
            item["toggle_url"] = url_for("pages.search", **sa.url_args(**{name: value}))
    data["k"] = sa.k
    data["empty"] = not sa.q and not sa.filters.active()
    data["active_filters"] = [
        {"name": name, "label": FACET_LABELS.get(name, name), "value": value,
         "remove_url": url_for("pages.search", **sa.url_args(**{name: None}))}
        for name, value in sa.given.items() if name in TEXT_FILTERS + NUMBER_FILTERS
    ]  # fmt: skip
    data["mode_urls"] = {m: url_for("pages.search", **sa.url_args(mode=m)) for m in MODES}
    if data["did_you_mean"]:
        data["did_you_mean_url"] = url_for("pages.search", **sa.url_args(q=data["did_you_mean"]))
    if data["answer"]:
        for row in data["answer"]["rows"]:
            if data["answer"]["kind"] != "total":
                row["url"] = area_url(row["document"], row["area"])
        data["answer"]["csv_url"] = url_for("api.answer_csv", **sa.url_args())
    data["exact"] = [r for r in data["results"] if r["match"] == "exact"]
    data["related"] = [r for r in data["results"] if r["match"] == "related"]
    if len(resp.results) < resp.total and sa.k < 100:
        data["more_url"] = url_for("pages.search", **sa.url_args(k=str(min(sa.k + 10, 100))))
    data["csv_url"] = url_for("api.search_csv", **sa.url_args())
    data["json_url"] = url_for("api.search", **sa.url_args())
    return data


# -- areas --------------------------------------------------------------------------------


def _slugs() -> dict[tuple[str, str], str]:
    """(document, area) -> a URL slug unique within its document; cached per request."""
    if "area_slugs" not in g:
        out: dict[tuple[str, str], str] = {}
        taken: set[tuple[str, str]] = set()
        for a in engine().areas():
            base = s = slug(a.area)
            n = 2
            while (a.document, s) in taken:
                s, n = f"{base}-{n}", n + 1
            taken.add((a.document, s))
            out[(a.document, a.area)] = s
        g.area_slugs = out
    return g.area_slugs


def area_url(document: str, area: str, passage_id: str | None = None) -> str:
    s = _slugs().get((document, area), slug(area))
    return url_for("pages.area", document=document, slug=s, _anchor=passage_anchor(passage_id))


def passage_anchor(passage_id: str | None) -> str | None:
    return None if passage_id is None else f"p-{passage_id}"


def citation(municipality: str, year: int, committee: str, area: str, section: str = "") -> str:
    parts = [municipality, f"budget {year}", committee, area]
    if section:
        parts.append(section)
    return ", ".join(parts)


def _area_json(a: Any) -> dict[str, Any]:
    s = _slugs().get((a.document, a.area), slug(a.area))
    return {
        **a.to_json(),
        "sections": list(a.sections),
        "slug": s,
        "url": url_for("pages.area", document=a.document, slug=s),
    }


def overview_data(sort: str = "order", order: str = "") -> dict[str, Any]:
    """Every area with its net amount, sorted; the total of the known amounts."""
    if sort not in SORTS:
        raise SearchError(f"Ukendt sortering {sort!r}; brug {', '.join(SORTS)}.")
    if order not in ("", "asc", "desc"):
        raise SearchError("order skal være asc eller desc.")
    order = order or ("desc" if sort in ("amount", "passages") else "asc")
    areas = [_area_json(a) for a in engine().areas()]
    keys = {
        "order": lambda r: 0,  # the budget's own order (a stable sort keeps it)
        "area": lambda r: collate(r["area"]),
        "amount": lambda r: (r["amount_kr"] is None, r["amount_kr"] or 0),
        "passages": lambda r: r["passages"],
    }
    rows = sorted(areas, key=keys[sort])
    if order == "desc":
        rows.reverse()
    if sort == "amount":  # unknown amounts last either way
        rows = [r for r in rows if r["amount_kr"] is not None] + [
            r for r in rows if r["amount_kr"] is None
        ]
    known = [r["amount_kr"] for r in rows if r["amount_kr"] is not None]
    return {
        "areas": rows,
        "count": len(rows),
        "total_kr": sum(known),
        "unknown_amounts": len(rows) - len(known),
        "documents": sorted({r["document"] for r in rows}),
        "sort": sort,
        "order": order,
    }


def area_data(document: str, area_slug: str) -> dict[str, Any] | None:
    """One area's whole remarks, its sections in order; None when there is no such area."""
    summary = next(
        (a for a in engine().areas()
         if a.document == document and _slugs().get((a.document, a.area)) == area_slug),
        None,
    )  # fmt: skip
    if summary is None:
        return None
    passages = engine().area_passages(document, summary.area)
    sections: dict[str, dict[str, Any]] = {}
    for p in passages:
        name = p.section or NO_SECTION
        sec = sections.get(name)
        if sec is None:
            sec = sections[name] = {
                "name": name,
                "anchor": f"s-{slug(name)}-{len(sections) + 1}",
                "citation": citation(p.municipality, p.year, p.committee, p.area, p.section),
                "passages": [],
            }
        sec["passages"].append(passage_json(p))
    ordered = [_area_json(a) for a in engine().areas() if a.document == document]
    index = next(i for i, a in enumerate(ordered) if a["area"] == summary.area)
    return {
        "area": _area_json(summary),
        "citation": citation(summary.municipality, summary.year, summary.committee, summary.area),
        "sections": list(sections.values()),
        "previous": ordered[index - 1] if index > 0 else None,
        "next": ordered[index + 1] if index + 1 < len(ordered) else None,
    }


def passage_json(p: Any) -> dict[str, Any]:
    data = dataclasses.asdict(p)
    data["amounts"] = list(p.amounts)
    data["anchor"] = passage_anchor(p.id)
    data["url"] = area_url(p.document, p.area, p.id)
    data["citation"] = citation(p.municipality, p.year, p.committee, p.area, p.section)
    return data


def passage_data(passage_id: str) -> dict[str, Any] | None:
    p = engine().passage(passage_id)
    return None if p is None else passage_json(p)
