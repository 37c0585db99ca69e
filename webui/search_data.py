"""The search page's data: request parameters read and checked, one page of results, the
facets' toggle URLs, the pager and the glossary notes; one dict that feeds HTML, JSON and CSV.

The area pages' data (and the URLs and citations both build) is webui/data.py's.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from typing import Any

from flask import current_app, g, url_for
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from index.documents.amounts import danish_number
from search.glossary import expand as glossary_entry
from search.results import ANSWER_ROWS, MAX_ROWS, MODES, Filters, SearchError, check_k, check_mode
from webui.answer_card import card_data
from webui.data import (
    citation,
    engine,
    number_param,
    param,
    permalink,
)

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
#: What a question can name as its scope, and a chip can remove one at a time.
UNNAMEABLE = ("committee", "municipality", "year")
NUMBER_FILTERS = ("year", "min_amount", "max_amount")
#: Every parameter a search URL carries, in the order the URLs spell them.
SEARCH_PARAMS = ("q", "mode", "k", *TEXT_FILTERS, *NUMBER_FILTERS, "named", "related", "page",
                 "offset")  # fmt: skip
#: The exports (CSV, and JSON with `all=1`) list this many results at most, and paging
#: reaches as far: `total` may count more (a word in every passage), and the page says so.
EXPORT_LIMIT = MAX_ROWS
DANISH_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                 "september", "oktober", "november", "december")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class SearchArgs:
    q: str
    mode: str
    k: int
    offset: int  # results skipped: the API's `offset`, or (page - 1) * k from the UI's `page`
    filters: Filters
    given: dict[str, str]  # the non-empty parameters as given, for building URLs

    @property
    def named_scope(self) -> bool:
        """Whether a committee, municipality or year the question names scopes the search:
        yes, unless its chip was removed (`named=0`)."""
        return self.given.get("named") != "0"

    @property
    def unnamed(self) -> frozenset[str]:
        """The named scopes whose chip was removed while others stay (`named=-year`, or
        `-year,-committee`): read over every one, the question's other scopes kept."""
        said = self.given.get("named", "")
        return frozenset(f[1:] for f in said.split(",") if f[1:] in UNNAMEABLE and f[0] == "-")

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


def parse_search_args(args: MultiDict) -> SearchArgs:
    cfg = current_app.config
    given = {}
    for name in SEARCH_PARAMS:
        limit = cfg["MAX_QUERY_LENGTH"] if name == "q" else cfg["MAX_PARAM_LENGTH"]
        value = param(args, name, limit)
        if value:
            given[name] = value
    mode = check_mode(given.get("mode", "hybrid"))
    k = cfg["DEFAULT_K"]
    if "k" in given:
        k = check_k(number_param("k", given["k"], grouped=False))
    offset = 0
    if "offset" in given:
        offset = number_param("offset", given["offset"], grouped=False)
        if not 0 <= offset <= EXPORT_LIMIT:
            raise SearchError(f"offset skal være mellem 0 og {danish_number(EXPORT_LIMIT)}.")
    elif "page" in given:
        page = number_param("page", given["page"], grouped=False)
        if not 1 <= page <= EXPORT_LIMIT // k + 1:
            raise SearchError("page skal være et sidenummer fra 1 og op.")
        offset = (page - 1) * k
    numbers = {n: number_param(n, given[n], grouped=n != "year") for n in NUMBER_FILTERS
               if n in given}  # fmt: skip
    texts = {n: given[n] for n in TEXT_FILTERS if n in given}
    return SearchArgs(given.get("q", ""), mode, k, offset, Filters(**texts, **numbers), given)


def run_search(sa: SearchArgs, k: int | None = None, offset: int | None = None,
               partial: bool = False) -> Any:  # fmt: skip
    """One page of results: `k` results after `offset`, `total` counting them all."""
    return engine().search(
        sa.q, mode=sa.mode, filters=sa.filters, partial=partial, named_scope=sa.named_scope,
        unnamed=sa.unnamed,
        k=sa.k if k is None else k, offset=sa.offset if offset is None else offset,
    )  # fmt: skip


def all_results(sa: SearchArgs) -> tuple[Any, list[Any]]:
    """Every result (the exports): `total` of them, up to EXPORT_LIMIT, in one search."""
    resp = run_search(sa, k=EXPORT_LIMIT, offset=0)
    return resp, resp.results


def search_data(args: MultiDict, *, all_answer_rows: bool = False,
                every: bool = False, quiet: bool = False) -> dict[str, Any]:  # fmt: skip
    """The search page's data: the engine's response plus toggle URLs on the facets; an answer
    card's first ANSWER_ROWS rows (all of them for its CSV); `every`: every result (up to
    EXPORT_LIMIT), not one page (the JSON export); `quiet` (the page): when there are exact
    matches, the related passages wait behind a link (`related=1`), out of the list and pager."""
    sa = parse_search_args(args)
    if every:
        sa = dataclasses.replace(sa, k=EXPORT_LIMIT, offset=0)
    partial = args.get("partial") == "1"  # search-as-you-type: the last word is unfinished
    resp = run_search(sa, partial=partial)
    g.search_response = resp  # for the metrics and the request log (webui.ops)
    data = resp.to_json()
    for name, items in data["facets"].items():
        for item in items:
            value = None if item["selected"] else str(item["value"])
            if item["selected"] and name in resp.named:  # as the chip: no longer scoped
                item["toggle_url"] = named_chip_url(sa, resp.named, name)
                continue
            item["toggle_url"] = url_for("pages.search", **sa.url_args(**{name: value}))
    data["k"] = sa.k
    data["offset"] = sa.offset
    data["empty"] = not sa.q and not sa.filters.active()
    data["active_filters"] = [
        {"name": name, "label": FACET_LABELS.get(name, name), "value": value,
         "remove_url": url_for("pages.search", **sa.url_args(**{name: None}))}
        for name, value in sa.given.items() if name in TEXT_FILTERS + NUMBER_FILTERS
    ]  # fmt: skip
    data["active_filters"] += named_chips(sa, resp.named)
    data["mode_urls"] = {m: url_for("pages.search", **sa.url_args(mode=m)) for m in MODES}
    if data["did_you_mean"]:
        data["did_you_mean_url"] = url_for("pages.search", **sa.url_args(q=data["did_you_mean"]))
    if answer := data["answer"]:
        card_data(answer, limit=None if all_answer_rows else ANSWER_ROWS)
        answer["csv_url"] = url_for("api.answer_csv", **sa.url_args())
        # the card's link: the Excel dialect, as the page's other CSV links
        answer["excel_url"] = url_for("api.answer_csv", **sa.url_args(), format="excel")
    data["exact"] = [r for r in data["results"] if r["match"] == "exact"]
    data["related"] = [r for r in data["results"] if r["match"] == "related"]
    data["related_hidden"] = 0
    if quiet and resp.total_exact and resp.total_related and sa.given.get("related") != "1":
        # quiet results (issue 30): the exact matches alone, paged as if they were all; the
        # related ones are counted and linked from the page where the exact matches end
        data["results"] = data["exact"]
        data["related"] = []
        data["related_hidden"] = resp.total_related
        first = resp.total_exact // sa.k + 1  # the page the related passages start on
        data["related_url"] = url_for("pages.search", **sa.url_args(related="1", page=str(first)),
                                      _anchor="related-heading")  # fmt: skip
    listed = resp.total_exact if data["related_hidden"] else resp.total
    data["pager"] = pager(sa, listed, len(data["results"]))
    if data["pager"]["beyond"] and data["message"] is None:
        data["message"] = beyond_message(sa, listed, data["pager"]["pages"])
    data["export_limit"] = EXPORT_LIMIT
    data["csv_url"] = url_for("api.search_csv", **sa.url_args())
    data["excel_url"] = url_for("api.search_csv", **sa.url_args(), format="excel")
    # the search as an Atom feed (webui/feed.py): its link and <link rel="alternate">
    data["feed_url"] = None if data["empty"] else url_for("feed.atom", **sa.url_args())
    data["json_url"] = url_for("api.search", **sa.url_args(), all="1")
    data["permalink"] = permalink("pages.search", **sa.url_args(page=str(sa.page)))
    data["glossary"] = glossary_notes(sa.q, resp.results)
    for hit in data["results"]:
        hit["permalink"] = permalink("pages.passage", passage_id=hit["id"])
    return data


def named_chips(sa: SearchArgs, named: dict[str, object]) -> list[dict[str, Any]]:
    """A chip for each scope the question named ("Kommune: Kommune 3, fra spørgsmålet";
    "Kommune: Kommune 3 og Kommune 4"); its link reads the question over every one of that
    field, the question's other scopes kept, so that removing one chip removes that scope
    alone, without JavaScript."""
    return [
        {"name": name, "label": FACET_LABELS.get(name, name), "value": said(value),
         "named": True, "remove_url": named_chip_url(sa, named, name)}
        for name, value in named.items()
    ]  # fmt: skip


def said(value: object) -> str:
    """A named scope as the page says it: "Kommune 3 og Kommune 4", "2023, 2024 og 2025"."""
    if not isinstance(value, tuple):
        return str(value)
    words = [str(v) for v in value]
    return f"{', '.join(words[:-1])} og {words[-1]}"


def named_chip_url(sa: SearchArgs, named: dict[str, object], name: str) -> str:
    """The search without the scope `name` the question named: `named=0` where it was the
    only one, else `named=-name` (the question still names the others)."""
    gone = sorted(sa.unnamed | {name})
    if not set(named) - set(gone):
        return url_for("pages.search", **sa.url_args(named="0"))
    return url_for("pages.search", **sa.url_args(named=",".join(f"-{f}" for f in gone)))


def page_extras(data: dict[str, Any]) -> dict[str, Any]:
    """What only the HTML shows: acronyms explained in the highlights, citations, print date."""
    for hit in data["results"]:
        hit["highlight"] = abbreviate(hit["highlight"])
        hit["citation"] = citation(hit["municipality"], hit["year"], hit["committee"],
                                   hit["area"], hit["section"], hit.get("page"),
                                   (hit["line_start"], hit["line_end"]))  # fmt: skip
    data["printed"] = danish_date(datetime.date.today())
    return data


def pager(sa: SearchArgs, total: int, shown: int) -> dict[str, Any]:
    """Where this page sits in the results, with links to the pages around it. Every page it
    counts has results: `total` counts only what can be fetched, and paging reaches
    EXPORT_LIMIT results (`limited`: the results go on beyond the last page)."""
    pages = max(1, math.ceil(total / sa.k))
    reachable = EXPORT_LIMIT // sa.k + 1  # the last page parse_search_args takes
    limited = pages > reachable
    pages = min(pages, reachable)
    page = sa.page
    beyond = total > 0 and sa.offset >= total

    def link(n: int) -> str:
        return url_for("pages.search", **sa.url_args(page=str(n)))

    return {
        "page": page,
        "pages": pages,
        "first": sa.offset + 1 if shown else 0,
        "last": sa.offset + shown,
        "previous_url": link(min(page - 1, pages)) if page > 1 else None,
        "next_url": link(page + 1) if page < pages and shown == sa.k else None,
        "beyond": beyond,  # a page after the last: it says so and links to the last one
        "last_url": link(pages) if beyond else None,
        "limited": limited,
        "reachable": min(total, pages * sa.k),
    }


def beyond_message(sa: SearchArgs, total: int, pages: int) -> str:
    """What a page (or offset) past the last result says."""
    results = f"{danish_number(total)} {'resultat' if total == 1 else 'resultater'}"
    if "offset" in sa.given:
        return f"Ingen resultater efter nr. {danish_number(total)}: søgningen har {results}."
    return (f"Side {danish_number(sa.page)} findes ikke: søgningen har {results} på "
            f"{danish_number(pages)} {'side' if pages == 1 else 'sider'}.")  # fmt: skip


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
