"""One function per page, each producing the plain data dict that feeds its HTML, JSON and CSV.

Nothing here renders; the templates only print what these return. URLs are built with
`url_for`, so these run inside a request.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from pathlib import Path
from typing import Any

from flask import current_app, g, url_for
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from search.glossary import expand as glossary_entry
from search.query import whole_number
from search.results import MAX_K, MODES, Filters, SearchError, check_k, check_mode
from webui import years
from webui.engine_access import get_engine
from webui.formatting import collate, slug

# One Danish word per thing, everywhere (pages, Excel CSV headers, README):
#   område = an area (Borgerservice), with its net budget;
#   overskrift = a section of an area (Budgetgrundlag, Beskrivelse af området, …);
#   underoverskrift = a sub-heading inside a section;
#   afsnit = a passage, the paragraph-sized piece a search finds and a permalink points at.
MODE_LABELS = {"hybrid": "Hybrid", "keyword": "Nøgleord", "semantic": "Semantisk"}
MODE_HELP = {
    "hybrid": "Bedst til de fleste søgninger: finder både dine ord og afsnit om det samme.",
    "keyword": "Kun afsnit, der indeholder dine ord (eller bøjninger af dem).",
    "semantic": "Finder afsnit efter betydning, også når de bruger andre ord, og på engelsk.",
}
FACET_LABELS = {
    "area": "Område",
    "section": "Overskrift",
    "committee": "Udvalg",
    "year": "Budgetår",
    "municipality": "Kommune",
}
TEXT_FILTERS = ("area", "section", "committee", "municipality")
NUMBER_FILTERS = ("year", "min_amount", "max_amount")
#: Every parameter a search URL carries, in the order the URLs spell them.
SEARCH_PARAMS = ("q", "mode", "k", *TEXT_FILTERS, *NUMBER_FILTERS, "page", "offset")
SORTS = {"order": "Rækkefølge i budgettet", "area": "Område", "amount": "Nettobudget",
         "passages": "Afsnit"}  # fmt: skip
NO_SECTION = "Indledning"
#: The CSV export pages through the engine this many rows at a time, up to this many rows.
EXPORT_LIMIT = 10_000
DANISH_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                 "september", "oktober", "november", "december")  # fmt: skip


def engine() -> Any:
    """The engine pinned to one index generation for the whole request."""
    if "engine" not in g:
        g.engine = get_engine().pinned()
    return g.engine


# -- search -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SearchArgs:
    q: str
    mode: str
    k: int
    offset: int  # results skipped: the API's `offset`, or (page - 1) * k from the UI's `page`
    filters: Filters
    given: dict[str, str]  # the non-empty parameters as given, for building URLs

    @property
    def page(self) -> int:
        return self.offset // self.k + 1

    def url_args(self, **changes: str | None) -> dict[str, str]:
        """Parameters for a URL to a variant of this search; any change but paging: page 1."""
        out = {n: v for n, v in self.given.items() if n not in ("page", "offset")}
        for name, value in changes.items():
            if value is None or value == "":
                out.pop(name, None)
            else:
                out[name] = value
        if out.get("mode") == "hybrid":
            out.pop("mode")
        if out.get("page") == "1":
            out.pop("page")
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


def _number_param(name: str, value: str, grouped: bool = True) -> int:
    number = whole_number(value, grouped=grouped)
    if number is None:
        raise SearchError(f"{name} skal være et helt tal, ikke {value!r}.")
    return number


def parse_search_args(args: MultiDict) -> SearchArgs:
    cfg = current_app.config
    given = {}
    for name in SEARCH_PARAMS:
        limit = cfg["MAX_QUERY_LENGTH"] if name == "q" else cfg["MAX_PARAM_LENGTH"]
        value = _param(args, name, limit)
        if value:
            given[name] = value
    mode = check_mode(given.get("mode", "hybrid"))
    k = cfg["DEFAULT_K"]
    if "k" in given:
        k = check_k(_number_param("k", given["k"], grouped=False))
    offset = 0
    if "offset" in given:
        offset = _number_param("offset", given["offset"], grouped=False)
        if not 0 <= offset <= EXPORT_LIMIT:
            raise SearchError(f"offset skal være mellem 0 og {number_text(EXPORT_LIMIT)}.")
    elif "page" in given:
        page = _number_param("page", given["page"], grouped=False)
        if not 1 <= page <= EXPORT_LIMIT // k + 1:
            raise SearchError("page skal være et sidenummer fra 1 og op.")
        offset = (page - 1) * k
    numbers = {n: _number_param(n, given[n], grouped=n != "year") for n in NUMBER_FILTERS
               if n in given}  # fmt: skip
    texts = {n: given[n] for n in TEXT_FILTERS if n in given}
    return SearchArgs(given.get("q", ""), mode, k, offset, Filters(**texts, **numbers), given)


def number_text(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def run_search(sa: SearchArgs, k: int | None = None, offset: int | None = None,
               partial: bool = False) -> Any:  # fmt: skip
    """One page of results: `k` results after `offset`, `total` counting them all."""
    return engine().search(
        sa.q, mode=sa.mode, filters=sa.filters, partial=partial,
        k=sa.k if k is None else k, offset=sa.offset if offset is None else offset,
    )  # fmt: skip


def all_results(sa: SearchArgs) -> tuple[Any, list[Any]]:
    """Every matching result (the CSV export), fetched a page of MAX_K at a time."""
    first = run_search(sa, k=MAX_K, offset=0)
    results = list(first.results)
    while len(results) < min(first.total, EXPORT_LIMIT):
        more = run_search(sa, k=MAX_K, offset=len(results)).results
        if not more:
            break
        results.extend(more)
    return first, results


def search_data(args: MultiDict) -> dict[str, Any]:
    """The search page's data: the engine's response plus toggle URLs on the facets."""
    sa = parse_search_args(args)
    partial = args.get("partial") == "1"  # search-as-you-type: the last word is unfinished
    resp = run_search(sa, partial=partial)
    g.search_response = resp  # for the metrics and the request log (webui.ops)
    data = resp.to_json()
    for name, items in data["facets"].items():
        for item in items:
            value = None if item["selected"] else str(item["value"])
            item["toggle_url"] = url_for("pages.search", **sa.url_args(**{name: value}))
    data["k"] = sa.k
    data["offset"] = sa.offset
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
    data["pager"] = pager(sa, resp.total, len(resp.results))
    data["csv_url"] = url_for("api.search_csv", **sa.url_args())
    data["excel_url"] = url_for("api.search_csv", **sa.url_args(), format="excel")
    data["json_url"] = url_for("api.search", **sa.url_args())
    data["permalink"] = url_for("pages.search", **sa.url_args(page=str(sa.page)), _external=True)
    data["glossary"] = glossary_notes(sa.q, resp.results)
    for hit in data["results"]:
        hit["permalink"] = url_for("pages.passage", passage_id=hit["id"], _external=True)
    return data


def page_extras(data: dict[str, Any]) -> dict[str, Any]:
    """What only the HTML shows: acronyms explained in the highlights, citations, print date."""
    for hit in data["results"]:
        hit["highlight"] = abbreviate(hit["highlight"])
        hit["citation"] = citation(hit["municipality"], hit["year"], hit["committee"],
                                   hit["area"], hit["section"], hit.get("page"))  # fmt: skip
    data["printed"] = danish_date(datetime.date.today())
    return data


def pager(sa: SearchArgs, total: int, shown: int) -> dict[str, Any]:
    """Where this page sits in the results, with links to the pages around it."""
    pages = max(1, math.ceil(total / sa.k))
    page = sa.page

    def link(n: int) -> str:
        return url_for("pages.search", **sa.url_args(page=str(n)))

    return {
        "page": page,
        "pages": pages,
        "first": sa.offset + 1 if shown else 0,
        "last": sa.offset + shown,
        "previous_url": link(page - 1) if page > 1 else None,
        "next_url": link(page + 1) if page < pages and shown == sa.k else None,
    }


def danish_date(day: datetime.date) -> str:
    return f"{day.day}. {DANISH_MONTHS[day.month - 1]} {day.year}"


_ACRONYM = re.compile(r"[A-ZÆØÅ][A-ZÆØÅ0-9]{1,9}")
_MARKED = re.compile(r"<mark>([^<]{2,10})</mark>")


def glossary_notes(query: str, results: list[Any]) -> list[dict[str, str]]:
    """Acronyms in the query or marked in the results, with their glossary expansions."""
    words = _ACRONYM.findall(query)
    for hit in results:
        words += _MARKED.findall(hit.highlight)
    notes: dict[str, dict[str, str]] = {}
    for word in words:
        entry = glossary_entry(word)
        if entry and entry.abbreviation not in notes:
            notes[entry.abbreviation] = {"abbreviation": entry.abbreviation,
                                         "expansion": entry.expansion}  # fmt: skip
    return list(notes.values())


def abbreviate(highlight: str) -> str:
    """Marked acronyms get their expansion as an <abbr> title (the highlight is escaped HTML)."""

    def one(m: re.Match) -> str:
        entry = glossary_entry(m.group(1))
        if entry is None:
            return m.group(0)
        return f'<mark><abbr title="{escape(entry.expansion)}">{m.group(1)}</abbr></mark>'

    return _MARKED.sub(one, highlight)


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


def citation(municipality: str, year: int, committee: str, area: str, section: str = "",
             page: int | None = None) -> str:  # fmt: skip
    """'Kalundborg Kommune, budget 2024, Økonomiudvalget, Borgerservice, Budgetgrundlag, side 4'."""
    parts = [municipality, f"budget {year}", committee, area]
    if section:
        parts.append(section)
    if page:
        parts.append(f"side {page}")
    return ", ".join(parts)


def _area_json(a: Any) -> dict[str, Any]:
    s = _slugs().get((a.document, a.area), slug(a.area))
    return {
        **a.to_json(),
        "sections": list(a.sections),
        "slug": s,
        "url": url_for("pages.area", document=a.document, slug=s),
    }


def area_filters(args: MultiDict) -> dict[str, str | int]:
    """`/api/areas?municipality=&committee=&year=`, checked like the search's parameters."""
    given = {n: _param(args, n, current_app.config["MAX_PARAM_LENGTH"])
             for n in years.AREA_FILTERS}  # fmt: skip
    out: dict[str, str | int] = {n: v for n, v in given.items() if v}
    if "year" in out:
        out["year"] = _number_param("year", str(out["year"]), grouped=False)
    return out


def overview_data(sort: str = "order", order: str = "",
                  filters: dict[str, str | int] | None = None) -> dict[str, Any]:  # fmt: skip
    """Every area (of the municipality, committee, year filtered to) with its net amount,
    sorted; the total of the known amounts."""
    if sort not in SORTS:
        raise SearchError(f"Ukendt sortering {sort!r}; brug {', '.join(SORTS)}.")
    if order not in ("", "asc", "desc"):
        raise SearchError("order skal være asc eller desc.")
    order = order or ("desc" if sort in ("amount", "passages") else "asc")
    areas = [_area_json(a) for a in engine().areas() if years.matches(a, filters or {})]
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
    total = sum(known)
    for r in rows:  # each area's share of the total of the known amounts
        known_share = r["amount_kr"] is not None and total
        r["share"] = round(r["amount_kr"] / total, 6) if known_share else None
    return {
        "areas": rows,
        "count": len(rows),
        "total_kr": total,
        "unknown_amounts": len(rows) - len(known),
        "documents": sorted({r["document"] for r in rows}),
        "sort": sort,
        "order": order,
        "filters": filters or {},
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
            sec["permalink"] = url_for("pages.area", document=document, slug=area_slug,
                                       _anchor=sec["anchor"], _external=True)  # fmt: skip
        sec["passages"].append(passage_json(p))
    ordered = [_area_json(a) for a in engine().areas() if a.document == document]
    index = next(i for i, a in enumerate(ordered) if a["area"] == summary.area)
    area = _area_json(summary)
    return {
        "area": area,
        "citation": citation(summary.municipality, summary.year, summary.committee, summary.area),
        "permalink": url_for("pages.area", document=document, slug=area["slug"], _external=True),
        "pdf_url": pdf_url(document),
        "sections": list(sections.values()),
        "years": years.years_data(engine().snapshot, document, summary.area, area_url),
        "previous": ordered[index - 1] if index > 0 else None,
        "next": ordered[index + 1] if index + 1 < len(ordered) else None,
    }


def passage_json(p: Any) -> dict[str, Any]:
    data = dataclasses.asdict(p)
    data["amounts"] = list(p.amounts)
    data["anchor"] = passage_anchor(p.id)
    data["url"] = area_url(p.document, p.area, p.id)
    data["permalink"] = url_for("pages.passage", passage_id=p.id, _external=True)
    data["citation"] = citation(p.municipality, p.year, p.committee, p.area, p.section, p.page)
    pdf = pdf_url(p.document)
    data["pdf_url"] = f"{pdf}#page={p.page}" if pdf and p.page else pdf
    return data


# -- source PDFs ----------------------------------------------------------------------------


def corpus_dir() -> Path:
    """Where the documents live: the app's CORPUS_DIR, else the settings' corpus folder."""
    configured = current_app.config.get("CORPUS_DIR")
    if configured:
        return Path(configured)
    settings = current_app.config.get("SETTINGS")
    if settings is None:
        from index.config import load_settings

        settings = load_settings()
    return Path(settings.corpus_dir)


def pdf_path(document: str) -> Path | None:
    """The PDF of an indexed document (its source, or one beside its .txt), if there is one."""
    if document not in {a.document for a in engine().areas()}:
        return None  # only documents the index knows: never a path a URL made up
    path = corpus_dir() / f"{document}.pdf"
    return path if path.is_file() else None


def pdf_url(document: str) -> str | None:
    """The served PDF of a document, once per request per document; None without a PDF."""
    cache = g.setdefault("pdf_urls", {})
    if document not in cache:
        found = pdf_path(document)
        cache[document] = url_for("pages.document_pdf", document=document) if found else None
    return cache[document]


def passage_data(passage_id: str) -> dict[str, Any] | None:
    p = engine().passage(passage_id)
    return None if p is None else passage_json(p)
