"""One function per page, each producing the plain data dict that feeds its HTML, JSON and CSV:
here the area pages (overview, area, passage, source PDFs) and the URLs and citations that the
search page's data (webui/search_data.py) builds too.

Nothing here renders; the templates only print what these return. URLs are built with
`url_for`, so these run inside a request.
"""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, request, url_for
from werkzeug.datastructures import MultiDict

from index.documents.walk import _inside
from search.query import whole_number
from search.results import SearchError
from webui import years
from webui.engine_access import get_engine
from webui.formatting import collate, slug

# One Danish word per thing, everywhere (pages, Excel CSV headers, README):
#   område = an area (Borgerservice), with its net budget;
#   overskrift = a section of an area (Budgetgrundlag, Beskrivelse af området, …);
#   underoverskrift = a sub-heading inside a section;
#   afsnit = a passage, the paragraph-sized piece a search finds and a permalink points at.
SORTS = {"order": "Rækkefølge i budgettet", "area": "Område", "amount": "Nettobudget",
         "passages": "Afsnit"}  # fmt: skip
NO_SECTION = "Indledning"


def engine() -> Any:
    """The engine pinned to one index generation for the whole request."""
    if "engine" not in g:
        g.engine = get_engine().pinned()
    return g.engine


# -- request parameters (the search's and the area filters') ---------------------------


def param(args: MultiDict, name: str, limit: int) -> str:
    """A request parameter, stripped; a SearchError when too long or holding a NUL."""
    value = (args.get(name) or "").strip()
    if len(value) > limit:
        if name == "q":
            raise SearchError(f"Søgningen er for lang: højst {limit} tegn, den har {len(value)}.")
        raise SearchError(f"Parameteren {name} er for lang (højst {limit} tegn).")
    if "\x00" in value:
        raise SearchError(f"Parameteren {name} indeholder ugyldige tegn.")
    return value


def number_param(name: str, value: str, grouped: bool = True) -> int:
    """A parameter's whole number (search.query.whole_number), or a SearchError naming it."""
    number = whole_number(value, grouped=grouped)
    if number is None:
        raise SearchError(f"{name} skal være et helt tal, ikke {value!r}.")
    return number


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


def permalink(endpoint: str, **values: Any) -> str:
    """A link meant to be kept (citations, CSV and JSON exports): the configured BASE_URL plus
    the page's path, else the path alone ('/passage/12', under a trusted proxy's prefix). Never
    built from the request's Host or X-Forwarded-Host: a client chooses those (nginx passes its
    Host on), and a forged one would travel in exports and cached pages. The pages' script makes
    a shown one absolute from the browser's own address."""
    path = url_for(endpoint, **values)
    base = current_app.config.get("BASE_URL")
    if not base:
        return path
    root = request.script_root  # the proxy's prefix: BASE_URL already names the public root
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return base.rstrip("/") + path


def check_base_url(value: str | None) -> str | None:
    """BASE_URL as given ('https://kommune.dk/budgetsoeg'), or a ValueError saying what is wrong;
    None or '' for none."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError when not a port number
    except ValueError:
        parts = urlsplit("")
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or "@" in parts.netloc or not value.isprintable()
            or not value.isascii() or any(c in value for c in ' \\<>"\'`{}|^')):
        raise ValueError(f"the base URL must be http(s)://host[:port][/path], not {value!r}")
    return value.rstrip("/")


def passage_anchor(passage_id: str | None) -> str | None:
    return None if passage_id is None else f"p-{passage_id}"


def citation(municipality: str, year: int, committee: str, area: str, section: str = "",
             page: int | None = None, lines: tuple[int, int] | None = None) -> str:  # fmt: skip
    """'Kalundborg Kommune, budget 2024, Økonomiudvalget, Borgerservice, Budgetgrundlag, s. 4':
    a page where the document has pages (a PDF's, or a text's form feeds), else its lines
    ('linje 12–15'): a line of a PDF's extracted text means nothing to a reader of the PDF."""
    parts = [municipality, f"budget {year}", committee, area]
    if section:
        parts.append(section)
    if page:
        parts.append(f"s. {page}")
    elif lines:
        first, last = lines
        parts.append(f"linje {first}" if first == last else f"linje {first}–{last}")
    return ", ".join(parts)


def source_url(document: str) -> str | None:
    """Where a document is published (its sidecar's `source`, an http(s) address); None."""
    return engine().snapshot.manifest.sources.get(document)


def scope_text(areas: list[Any], sep: str = ", ") -> str:
    """What these areas cover, in words: 'Kalundborg Kommune · Økonomiudvalget · budget 2024'
    for one document, else '3 kommuner, 12 dokumenter, 2023–2025' (a municipality, committee
    or year they share is named); '' for none."""
    docs = {a.document: (a.municipality, a.committee, a.year) for a in areas}
    if not docs:
        return ""
    towns = {m for m, _, _ in docs.values()}
    committees = {c for _, c, _ in docs.values()}
    years = sorted({y for _, _, y in docs.values()})
    if len(docs) == 1:
        municipality, committee, year = next(iter(docs.values()))
        return f"{municipality} · {committee} · budget {year}"
    parts = [next(iter(towns)) if len(towns) == 1 else f"{len(towns)} kommuner"]
    if len(committees) == 1:
        parts.append(next(iter(committees)))
    parts.append(f"{len(docs)} dokumenter")
    parts.append(f"budget {years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}")
    return sep.join(parts)


def _area_json(a: Any) -> dict[str, Any]:
    s = _slugs().get((a.document, a.area), slug(a.area))
    return {
        **a.to_json(),
        "sections": list(a.sections),
        "slug": s,
        "url": url_for("pages.area", document=a.document, slug=s),
        "source_url": source_url(a.document),
    }


def area_filters(args: MultiDict) -> dict[str, str | int]:
    """`/api/areas?municipality=&committee=&year=`, checked like the search's parameters."""
    given = {n: param(args, n, current_app.config["MAX_PARAM_LENGTH"])
             for n in years.AREA_FILTERS}  # fmt: skip
    out: dict[str, str | int] = {n: v for n, v in given.items() if v}
    if "year" in out:
        out["year"] = number_param("year", str(out["year"]), grouped=False)
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
    documents = sorted({r["document"] for r in rows})
    return {
        # what the list covers, said on the page and in print (issue 30)
        "scope": scope_text([a for a in engine().areas() if years.matches(a, filters or {})]),
        "areas": rows,
        "count": len(rows),
        "total_kr": total,
        "unknown_amounts": len(rows) - len(known),
        "documents": documents,
        "reconciliations": reconciliations(documents, rows),
        "sort": sort,
        "order": order,
        "filters": filters or {},
    }


def reconciliations(documents: list[str], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each total these documents state ("I alt", "Samlet nettobudget for udvalget") against
    the sum of their areas, as the build kept it (Reconciliation.to_json()), with the document's
    municipality, committee and year."""
    stated = engine().snapshot.manifest.reconciliations
    meta = {r["document"]: (r["municipality"], r["committee"], r["year"]) for r in rows}
    return [
        {"document": d, "municipality": meta[d][0], "committee": meta[d][1], "year": meta[d][2],
         **r}
        for d in documents for r in stated.get(d, ())
    ]  # fmt: skip


def amount_source(document: str, area: str) -> dict[str, Any] | None:
    """Where the build read an area's amount ({text, line, page}); None when it kept none."""
    return engine().snapshot.manifest.amount_sources.get(document, {}).get(area)


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
            sec["permalink"] = permalink("pages.area", document=document, slug=area_slug,
                                         _anchor=sec["anchor"])  # fmt: skip
        sec["passages"].append(passage_json(p))
    ordered = [_area_json(a) for a in engine().areas() if a.document == document]
    index = next(i for i, a in enumerate(ordered) if a["area"] == summary.area)
    area = _area_json(summary)
    pdf = pdf_url(document)
    page = (area["amount_source"] or {}).get("page")
    return {
        "area": area,
        # the PDF at the page the amount was read on
        "amount_pdf_url": f"{pdf}#page={page}" if pdf and page else None,
        "citation": citation(summary.municipality, summary.year, summary.committee, summary.area),
        "permalink": permalink("pages.area", document=document, slug=area["slug"]),
        "pdf_url": pdf_url(document),
        "source_url": source_url(document),
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
    data["permalink"] = permalink("pages.passage", passage_id=p.id)
    data["citation"] = citation(p.municipality, p.year, p.committee, p.area, p.section, p.page,
                                (p.line_start, p.line_end))  # fmt: skip
    pdf = pdf_url(p.document)
    data["pdf_url"] = f"{pdf}#page={p.page}" if pdf and p.page else pdf
    return data


# -- source PDFs ----------------------------------------------------------------------------


def corpus_dir() -> Path:
    """Where the documents live: the app's CORPUS_DIR, else the corpus folder the index was
    built from (its manifest's, absolute), else (an index built before it was recorded) the
    settings' corpus folder."""
    configured = current_app.config.get("CORPUS_DIR")
    if configured:
        return Path(configured)
    recorded = engine().snapshot.manifest.corpus_dir
    if recorded:
        return Path(recorded)
    settings = current_app.config.get("SETTINGS")
    if settings is None:
        from index.config import load_settings

        settings = load_settings()
    return Path(settings.corpus_dir)


def pdf_path(document: str) -> Path | None:
    """The PDF of an indexed document (its source, or one beside its .txt), if there is one:
    the file it resolves to, when that is a regular file inside the corpus folder by the rule
    `index` applies to links (index.documents.corpus._inside). A link (or a linked folder) that
    leads out of the corpus is refused, as `index` refuses it, so no URL can fetch another file.
    """
    if document not in {a.document for a in engine().areas()}:
        return None  # only documents the index knows: never a path a URL made up
    root = corpus_dir()
    try:
        target = (root / f"{document}.pdf").resolve(strict=True)
        inside = _inside(target, root.resolve(strict=True))
    except (OSError, RuntimeError):  # missing, unreadable, a loop of links
        return None
    if not inside or not stat.S_ISREG(_mode(target)):
        return None
    return target  # the resolved file: what was checked is what is sent


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode
    except OSError:
        return 0


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
