"""A search as an Atom feed: `/feed.atom?q=…` with the search page's parameters and filters.

A journalist or a case worker follows "NIS2" in a feed reader and learns when a new document
mentions it. The entries are the passages that hold the search's words (in semantic mode, its
results), newest documents first: by budget year, then by when the document's present version
was first indexed (the manifest's `indexed_at`), then by rank. Each links to the passage's
permalink (BASE_URL plus its path, else the path alone, which a reader resolves against the
feed's own address: never the request's Host). Written with feedgen, a maintained library.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, request

from webui import search_data
from webui.data import engine, permalink

bp = Blueprint("feed", __name__)

#: Entries in a feed, and how many of the best results they are chosen from by date.
FEED_ENTRIES = 50
FEED_POOL = 500
ATOM = "application/atom+xml"


def _when(text: str) -> datetime:
    """An ISO time from the manifest; a time without a zone is UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feed_entries(sa: search_data.SearchArgs) -> list[tuple[Any, datetime]]:
    """The feed's passages with the time their document was indexed, newest first."""
    manifest = engine().snapshot.manifest
    built = _when(manifest.built_at)
    resp = search_data.run_search(sa, k=FEED_POOL, offset=0)
    hits = [h for h in resp.results if h.match == "exact" or sa.mode == "semantic"]
    dated = [(h, _when(manifest.indexed_at[h.document]) if h.document in manifest.indexed_at
              else built) for h in hits]  # fmt: skip
    ranked = sorted(enumerate(dated), key=lambda x: (-x[1][0].year, -x[1][1].timestamp(), x[0]))
    return [d for _, d in ranked][:FEED_ENTRIES]


def title_of(sa: search_data.SearchArgs) -> str:
    """'Budgetsøgning: »NIS2« (Kommune: Kalundborg Kommune, Budgetår: 2024)'."""
    filters = [f"{search_data.FACET_LABELS.get(n, n)}: {v}" for n, v in sa.given.items()
               if n in search_data.TEXT_FILTERS + search_data.NUMBER_FILTERS]  # fmt: skip
    what = f"»{sa.q}«" if sa.q else "alle afsnit"
    return f"Budgetsøgning: {what}" + (f" ({', '.join(filters)})" if filters else "")


@bp.get("/feed.atom")
def atom() -> Response:
    sa = search_data.parse_search_args(request.args)
    entries = feed_entries(sa)
    manifest = engine().snapshot.manifest
    args = sa.url_args()
    fg = FeedGenerator()
    fg.id(f"urn:budget-search:feed:{permalink('feed.atom', **args)}")
    fg.title(title_of(sa))
    fg.subtitle("Nye afsnit i de kommunale budgetbemærkninger, der matcher søgningen; "
                "nyeste dokumenter først.")  # fmt: skip
    fg.author({"name": "Budgetsøgning"})
    fg.language("da")
    fg.link(href=permalink("pages.search", **args), rel="alternate", type="text/html")
    fg.link(href=permalink("feed.atom", **args), rel="self", type=ATOM)
    fg.updated(max((when for _, when in entries), default=_when(manifest.built_at)))
    for hit, when in reversed(entries):  # feedgen puts each new entry first
        fe = fg.add_entry()
        fe.id(f"urn:budget-search:passage:{hit.id}")
        where = " · ".join(x for x in (hit.area, hit.section, hit.subsection) if x)
        fe.title(f"{where} ({hit.municipality}, {hit.committee}, budget {hit.year})")
        fe.link(href=permalink("pages.passage", passage_id=hit.id), rel="alternate",
                type="text/html")  # fmt: skip
        fe.updated(when)
        fe.published(when)
        fe.content(hit.text, type="text")
        fe.category(term=str(hit.year), label=f"Budget {hit.year}")
    body = fg.atom_str(pretty=True)
    return Response(body, mimetype=ATOM, headers={"Content-Type": f"{ATOM}; charset=utf-8"})
