"""The search engine: one object per process holding the loaded index and the model.

`Engine.search` is the single entry point the CLI, the web pages and the JSON API share.
"""

from __future__ import annotations

import copy
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh import query as wq

from index import store
from index.config import Settings
from search import fusion, keyword, semantic
from search.answer import find_answer, title_words, to_answer
from search.facets import facet_counts
from search.highlight import highlight
from search.query import ParsedQuery, parse
from search.results import MODES, Answer, Filters, Hit, SearchError, SearchResponse
from search.snapshot import AreaSummary, Snapshot, load

YEARS = (1000, 9999)
AMOUNT_LIMIT = 2**62
#: A query that names an area ("DUT-midler i Børn og Familie") leads with that many of its
#: passages, chosen by the query's other words: the one that answers is often not the area's
#: best-scored (answer@3 on our area-naming questions 6/8 -> 8/8, nDCG unchanged).
NAMED_LEAD = 2
CANDIDATES = 100  # how deep each ranking goes before fusion and facets
MAX_K = 100
ANSWER_KINDS = frozenset({"word", "join", "spelling", "part"})


def norm(value: object) -> str:
    text = unicodedata.normalize("NFC", str(value)).replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip().casefold()


class Engine:
    def __init__(self, index_dir: Path, encoder_factory: Callable[[], object] | None = None):
        self.index_dir = index_dir
        self._encoder_factory = encoder_factory
        self._encoder: object | None = None
        self._lock = threading.Lock()
        self._pin: Snapshot | None = None
        self._snapshot: Snapshot = load(index_dir)
        self._target = os.path.realpath(index_dir / store.CURRENT)

    @classmethod
    def open(cls, settings: Settings, *, with_model: bool = True) -> Engine:
        factory = None
        if with_model:
            from index.embed import load_encoder

            def factory() -> object:
                return load_encoder(settings)

        return cls(settings.index_dir, factory)

    # -- index and model --------------------------------------------------------------------

    def pinned(self) -> Engine:
        """A view of this engine held to the current generation: every call on it (a web
        request's search, areas and passages) reads the same index, even across a swap."""
        view = copy.copy(self)
        view._pin = self.snapshot
        view.encoder = self.encoder  # type: ignore[method-assign]  # load the model once
        return view

    @property
    def snapshot(self) -> Snapshot:
        """The current generation; a rebuild that swapped `current` is picked up here."""
        if self._pin is not None:
            return self._pin
        target = os.path.realpath(self.index_dir / store.CURRENT)
        if target != self._target:
            with self._lock:
                if target != self._target:
                    self._snapshot = load(self.index_dir)
                    self._target = target
        return self._snapshot

    def encoder(self) -> object:
        if self._encoder is None:
            if self._encoder_factory is None:
                raise SearchError("Semantisk søgning er slået fra: ingen model er indlæst.", 503)
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._encoder_factory()
        return self._encoder

    def check_model(self, snap: Snapshot) -> None:
        enc = self.encoder()
        if enc.model_id != snap.manifest.model_id:  # type: ignore[attr-defined]
            raise store.IndexNotReady(
                f"the index was built with model {snap.manifest.model_id}, but the configured "
                f"model is {enc.model_id}"  # type: ignore[attr-defined]
            )

    # -- look-ups --------------------------------------------------------------------------

    def areas(self) -> list[AreaSummary]:
        return list(self.snapshot.areas)

    def passage(self, pid: str):
        snap = self.snapshot
        row = snap.row_of.get(pid)
        return None if row is None else snap.passages[row]

    def area_passages(self, document: str, area: str) -> list:
        snap = self.snapshot
        return [snap.passages[r] for r in snap.area_rows(document, area)]

    # -- search ----------------------------------------------------------------------------

    def search(self, q: str, *, mode: str = "hybrid", k: int = 10,
               filters: Filters | None = None) -> SearchResponse:  # fmt: skip
        started = time.perf_counter()
        if mode not in MODES:
            raise SearchError(f"Ukendt søgemåde {mode!r}; brug {', '.join(MODES)}.")
        k = max(1, min(int(k), MAX_K))
        snap = self.snapshot
        parsed = parse(q)
        filters, message = self._resolve_filters(snap, parsed, filters or Filters())
        mask = self._mask(snap, filters)
        exp = keyword.expand(parsed, snap)
        if parsed.empty and not filters.active():
            return SearchResponse(
                query=q, mode=mode, total=0, took_ms=_ms(started), results=[],
                message=message or "Skriv et eller flere søgeord, fx MitID, DUT eller brandvæsen.",
            )  # fmt: skip

        rankings: list[list[tuple[int, float]]] = []
        kw_rows: list[tuple[int, float]] = []
        total = 0
        if mode in ("keyword", "hybrid"):
            kq = keyword.build_query(parsed, exp, snap)
            if kq is None and parsed.empty:
                kq = wq.Every()
            if kq is not None:
                # in hybrid mode with a semantic ranking the total is the fused count
                count = mode == "keyword" or not parsed.text
                rows, total = keyword.rank(
                    snap, kq, self._filter_query(filters), CANDIDATES, count=count, mask=mask
                )
                kw_rows = rows
                rankings.append(rows)
        if mode in ("semantic", "hybrid") and parsed.text:
            self.check_model(snap)
            vec = self.encoder().encode_query(parsed.text)  # type: ignore[attr-defined]
            ranked_rows = semantic.with_pieces(
                semantic.top_k(snap.vectors, vec, CANDIDATES, mask, snap.hubness),
                vec, snap.pieces, snap.piece_start, snap.hubness,
            )  # fmt: skip
            rows = semantic.candidates(ranked_rows)
            rankings.append(rows)
            total = max(total, len(rows)) if mode == "hybrid" else len(rows)

        if mode == "hybrid" and len(rankings) == 2:
            fused = fusion.convex(rankings[0], rankings[1], fusion.ALPHA, fusion.SPAN)
            total = len(fused)
        else:
            fused = rankings[0] if rankings else []
        ranked = fusion.diversify(fused, snap.area_keys)
        answer_terms = {t for g in exp.groups for t, kind in g.items() if kind in ANSWER_KINDS}
        # a budget question without a named area gets a card only when the words themselves
        # point at the top area: never an amount on the model's guess alone
        keyword_top = snap.passages[kw_rows[0][0]].area if kw_rows else None
        first = snap.passages[ranked[0][0]].area if ranked else None
        top_area = first if first == keyword_top else None
        named = find_answer(answer_terms, self._answer_titles(snap, filters), top_area)
        if named and named[1] == "named":
            ranked = self._lead_with_area(snap, parsed, exp, ranked, named[0], mask)
        terms = exp.terms
        hits = [self._hit(snap, row, score, terms) for row, score in ranked[:k]]
        answer = self._answer(snap, named, hits, filters) if named else None
        did_you_mean = None
        if exp.corrections:
            did_you_mean = q
            for typed, fixed in exp.corrections.items():
                did_you_mean = re.sub(re.escape(typed), fixed, did_you_mean, count=1)
        if not hits and message is None:
            message = "Ingen resultater. Prøv færre eller andre ord, eller søg semantisk."
        return SearchResponse(
            query=q,
            mode=mode,
            total=total,
            took_ms=_ms(started),
            results=hits,
            did_you_mean=did_you_mean,
            facets=facet_counts(
                snap.passages,
                [r for r, _ in ranked[:CANDIDATES]],
                filters.active(),
                {
                    "committee": len(snap.values("committee")),
                    "year": len(snap.values("year")),
                    "municipality": len(snap.values("municipality")),
                },
            ),  # fmt: skip
            answer=answer,
            message=message,
            filters=filters.active(),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _hit(self, snap: Snapshot, row: int, score: float, terms: set[str]) -> Hit:
        p = snap.passages[row]
        return Hit(
            id=p.id, document=p.document, municipality=p.municipality, committee=p.committee,
            year=p.year, area=p.area, section=p.section, subsection=p.subsection,
            amount_kr=p.amount_kr, text=p.text, highlight=highlight(p.text, terms, snap.vocab),
            score=round(score, 6), line_start=p.line_start, line_end=p.line_end, page=p.page,
        )  # fmt: skip

    def _lead_with_area(self, snap: Snapshot, parsed: ParsedQuery, exp: keyword.Expansion,
                        ranked: list[tuple[int, float]], title: str,
                        mask: np.ndarray | None) -> list[tuple[int, float]]:  # fmt: skip
        """A query that names an area ("DUT-midler i Børn og Familie") leads with that area's
        passages, ranked by the rest of the query: the title's words match every passage of
        the area alike, so the other words decide which one answers."""
        col, codes = snap.column("area")
        in_area = col == codes.get(title, -1)
        if mask is not None:
            in_area &= mask
        title_terms = title_words(title)
        rest = keyword.Expansion(groups=[g for g in exp.groups if not set(g) & title_terms])
        lead: list[tuple[int, float]] = []
        q = keyword.build_query(ParsedQuery(text=parsed.text), rest, snap) if rest.groups else None
        if q is not None:
            lead, _ = keyword.rank(snap, q, None, NAMED_LEAD, count=False, mask=in_area)
        if not lead:
            lead = [r for r in ranked if in_area[r[0]]][:NAMED_LEAD]
        chosen = {r for r, _ in lead}
        others = fusion.diversify([r for r in ranked if not in_area[r[0]]], snap.area_keys)
        # then one passage per other area, as ranked; the named area's remaining ones last
        return lead + others + [r for r in ranked if in_area[r[0]] and r[0] not in chosen]

    def _answer_titles(self, snap: Snapshot, filters: Filters) -> list[str]:
        titles = snap._cache.get("area_titles")
        if titles is None:
            titles = snap._cache["area_titles"] = list(dict.fromkeys(a.area for a in snap.areas))
        return [t for t in titles if filters.area is None or t == filters.area]

    def _answer(self, snap: Snapshot, named: tuple[str, str], hits: list[Hit],
                filters: Filters) -> Answer | None:  # fmt: skip
        """The area of that title to show: the one the results lead with, else the first
        that the filters allow (several municipalities and years share area names)."""
        title, reason = named
        by_title = snap._cache.get("areas_by_title")
        if by_title is None:  # once per snapshot: thousands of areas share a title at scale
            by_title = {}
            for a in snap.areas:
                by_title.setdefault(a.area, []).append(a)
            snap._cache["areas_by_title"] = by_title  # published whole: threads share it
        wanted = [(f, v) for f, v in filters.active().items()
                  if f in ("committee", "year", "municipality", "document")]  # fmt: skip
        candidates = [
            a for a in by_title.get(title, []) if all(getattr(a, f) == v for f, v in wanted)
        ]
        by_document = {a.document: a for a in candidates}
        for h in hits:
            if h.area == title and h.document in by_document:
                return to_answer(by_document[h.document], reason)
        return to_answer(candidates[0], reason) if candidates else None

    def _resolve_filters(self, snap: Snapshot, parsed: ParsedQuery, given: Filters
                         ) -> tuple[Filters, str | None]:  # fmt: skip
        """Typed filters (area:...) join the given ones; names match case- and dash-blind."""
        values = {k: v for k, v in given.active().items()}
        for name, value in parsed.filters.items():
            values.setdefault(name, value)
        message = None
        for name in ("area", "section", "committee", "municipality", "document"):
            if name in values:
                known = {norm(v): v for v in snap.values(name)}
                wanted = norm(values[name])
                match = known.get(wanted) or next(
                    (v for n, v in known.items() if wanted and wanted in n), None
                )
                if match is None:
                    message = f"Ingen {name} hedder {values[name]!r}."
                    match = str(values[name])
                values[name] = match
        for name in ("year", "min_amount", "max_amount"):
            if name in values:
                number = _whole_number(values[name])
                if number is not None and name == "year" and not YEARS[0] <= number <= YEARS[1]:
                    number = None  # no budget year; and Whoosh's year field is 32-bit
                elif number is not None:  # amounts: keep within the 64-bit field
                    number = max(-AMOUNT_LIMIT, min(AMOUNT_LIMIT, number))
                if number is not None:
                    values[name] = number
                elif name in given.active():
                    bad = values[name]
                    raise SearchError(f"{name} skal være et gyldigt helt tal, ikke {bad!r}.")
                else:  # typed in the query box: drop it and say so, never fail
                    message = f"{name}:{values.pop(name)} er ikke et gyldigt tal og blev ignoreret."
        return Filters(**values), message

    def _mask(self, snap: Snapshot, f: Filters) -> np.ndarray | None:
        active = f.active()
        if not active:
            return None
        ok = np.ones(len(snap.passages), dtype=bool)
        for name in ("area", "section", "committee", "municipality", "document", "year"):
            if name in active:
                col, codes = snap.column(name)
                code = codes.get(active[name])
                if code is None:
                    ok[:] = False
                else:
                    ok &= col == code
        if f.min_amount is not None or f.max_amount is not None:
            amounts, known = snap.amounts()
            ok &= known
            if f.min_amount is not None:
                ok &= amounts >= f.min_amount
            if f.max_amount is not None:
                ok &= amounts <= f.max_amount
        return ok

    def _filter_query(self, f: Filters) -> wq.Query | None:
        parts: list[wq.Query] = []
        fields = {"area": "area_key", "section": "section_key", "committee": "committee",
                  "municipality": "municipality", "document": "document"}  # fmt: skip
        for name, fieldname in fields.items():
            value = getattr(f, name)
            if value is not None:
                parts.append(wq.Term(fieldname, value))
        if f.year is not None:
            parts.append(wq.NumericRange("year", f.year, f.year))
        if f.min_amount is not None or f.max_amount is not None:
            parts.append(wq.NumericRange("amount", f.min_amount, f.max_amount))
            parts.append(wq.Term("has_amount", True))
        return wq.And(parts) if parts else None


def _whole_number(value: object) -> int | None:
    try:
        return int(str(value).replace(".", "").replace(" ", ""))
    except ValueError:
        return None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
