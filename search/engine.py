"""The search engine: one object per process holding the loaded index and the model.

`Engine.search` is the single entry point the CLI, the web pages and the JSON API share.
"""

from __future__ import annotations

import copy
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh import query as wq

from index.building import store
from index.config import Settings
from index.embedding.encoder import Encoder
from search import answer as answers
from search import change, expansion, fusion, keyword, ranking, semantic
from search import intent as intents
from search.facets import facet_counts
from search.filters import FilterError
from search.filters import resolve as resolve_filters
from search.highlight import highlight
from search.query import ParsedQuery, clean_text, parse
from search.results import (
    MAX_ROWS,
    Answer,
    Filters,
    Hit,
    SearchError,
    SearchResponse,
    Unavailable,
    check_mode,
)
from search.snapshot import AreaSummary, Snapshot, load

NO_HITS = "Ingen resultater. Prøv færre eller andre ord, eller søg semantisk."
ANSWER_CACHE = 512  # answers kept per generation (frozen: shared by every request)
CANDIDATES = 100  # how deep each ranking goes before fusion and facets
ANSWER_KINDS = frozenset({"word", "join", "spelling", "part", "variant"})
SEMANTIC_WORDS = 64  # a pasted paragraph is encoded by its first words (the model reads ~400)
SNIPPET_CHARS = 4000  # longest passage text a hit carries (the seed's longest: about 1,200)
USAGE_SAMPLE = 2000  # passages read to tell where a word is used
EMPTY_MESSAGE = "Skriv et eller flere søgeord, fx MitID, DUT eller brandvæsen."
SCOPE_FIELDS = ("area", "committee", "year", "municipality", "document")
#: What a question asks rather than what it is about: not counted when deciding whether a
#: passage holds the query's words ("Hvad koster brandvæsenet?" is about the fire service).
INTENT_TERMS = intents.BUDGET_WORDS | intents.GENERIC


class Engine:
    def __init__(self, index_dir: Path, encoder_factory: Callable[[], Encoder] | None = None):
        self.index_dir = index_dir
        self._encoder_factory = encoder_factory
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._scope_lock = threading.Lock()
        self._pin: Snapshot | None = None
        self._snapshot: Snapshot = load(index_dir)
        self._target = _pointer(index_dir)

    @classmethod
    def open(cls, settings: Settings, *, with_model: bool = True) -> Engine:
        factory = None
        if with_model:
            from index.embedding.embed import load_encoder

            def factory() -> Encoder:
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
        """The current generation; a rebuild that swapped `current` is picked up here. One that
        does not load (corrupt, half-copied) is refused, logged once, and the loaded one kept."""
        if self._pin is not None:
            return self._pin
        target = _pointer(self.index_dir)
        if target != self._target:
            with self._lock:
                if target != self._target:
                    try:
                        self._snapshot = load(self.index_dir)
                    except Exception as exc:  # whatever it is, serving goes on
                        import logging

                        logging.getLogger(__name__).error(
                            "refused index generation %s (%s: %s); still serving %s",
                            os.path.basename(target), type(exc).__name__, exc,
                            self._snapshot.path.name,
                        )  # fmt: skip
                    self._target = target
        return self._snapshot

    def encoder(self) -> Encoder:
        if self._encoder is None:
            if self._encoder_factory is None:
                raise Unavailable("Semantisk søgning er slået fra: ingen model er indlæst.")
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._encoder_factory()
        return self._encoder

    def answer_scope(self, snap: Snapshot | None = None) -> answers.Scope:
        """Every area's answer scope, made once per generation: ~2.5 s of Python for the 310k
        areas of 1M passages, so a server makes it beside its first requests (webui) rather
        than in its first budget question."""
        snap = snap or self.snapshot
        scope = snap._cache.get("answer_scope")
        if scope is None:
            with self._scope_lock:  # one thread makes it; a question meanwhile waits for it
                scope = snap._cache.get("answer_scope")
                if scope is None:
                    scope = answers.Scope.of(snap.areas).make_rows()
                    snap._cache["answer_scope"] = scope
        return scope

    def check_model(self, snap: Snapshot) -> None:
        enc = self.encoder()
        if enc.model_id != snap.manifest.model_id:
            raise store.IndexNotReady(
                f"the index was built with model {snap.manifest.model_id}, but the configured "
                f"model is {enc.model_id}"
            )

    # -- look-ups --------------------------------------------------------------------------

    def areas(self) -> list[AreaSummary]:
        return list(self.snapshot.areas)

    def passage(self, pid: str):
        snap = self.snapshot
        row = snap.row_of(pid)
        return None if row is None else snap.passages[row]

    def area_passages(self, document: str, area: str) -> list:
        snap = self.snapshot
        return [snap.passages[r] for r in snap.area_rows(document, area)]

    # -- search ----------------------------------------------------------------------------

    def search(self, q: str, *, mode: str = "hybrid", k: int = 10,
               filters: Filters | None = None, offset: int = 0, partial: bool = False,
               one_per_area: bool = False) -> SearchResponse:  # fmt: skip
        """Rank passages for `q`: exact matches first, then related ones (see search.ranking).

        `offset` pages through the ranking, every result of which `total` counts (see Listing:
        the exact matches all, the related ones among the nearest CANDIDATES; `capped` says
        when more might qualify); `partial` means the user is still typing, so the last word
        also stands for the words that start with it; `one_per_area` lists each area's best
        passage before any area's second (within exact, then within related)."""
        started = time.perf_counter()
        check_mode(mode)
        k = max(1, min(int(k), MAX_ROWS))
        offset = max(0, int(offset))
        snap = self.snapshot
        parsed = parse(q)
        try:
            filters, message = resolve_filters(snap, parsed, filters or Filters())
        except FilterError as exc:
            raise SearchError(str(exc)) from None
        mask = filters.mask(snap)
        exp = expansion.expand(parsed, snap, partial_last=partial and not q.endswith(" "))
        # only words too common to search for ("hvad er det", "the the the"): nothing to match
        # or to mean; an answer ("i alt") or the filters' passages may still be shown
        no_words = parsed.empty or not (exp.groups or parsed.phrases or parsed.prefixes)
        if refused := _refusal(q, mode, parsed, exp, filters, message, started):
            return refused
        kq, found = self._keyword(snap, mode, parsed, exp, filters, mask, no_words)
        kw_rows = found.rows if found is not None else []
        sem_rows: list[tuple[int, float]] = []
        closeness = None
        if mode in ("semantic", "hybrid") and parsed.text and not no_words:
            sem_rows, closeness = self._semantic(snap, parsed.text, mask)
        cover = keyword.coverage(snap, exp, INTENT_TERMS) if exp.groups else None
        # several typed words, none of them the documents' (word salad, or a topic they lack)
        strangers = exp.typed > 1 and not any(
            t in snap.all_terms for group in exp.typed_groups for t in group
        )
        exact, related = _matches(kw_rows, sem_rows, closeness, cover, strangers)
        if exp.unknown and not kw_rows and not (parsed.phrases or parsed.prefixes):
            # a word no dictionary knows, and no passage holds any of the query's words
            # ("xyzzy qwerty"): what is near it in meaning is no answer to it (issue 30).
            # Where a passage holds one of its other words ("integartion af flygtninge"), the
            # related ones stay: dropping them there too cost judged_passages' hybrid passage
            # nDCG@10 0.927 -> 0.925 (that typo's Borgerservice passages)
            related = set()
            if message is None:
                message = ("Ingen resultater: ingen ordbog eller afsnit kender "
                           f"»{_short(' '.join(exp.unknown))}«.")  # fmt: skip
        fusing = mode == "hybrid" and bool(kw_rows) and bool(sem_rows)
        if fusing:
            fused = fusion.convex(kw_rows, semantic.candidates(sem_rows), fusion.ALPHA, fusion.SPAN)
        else:
            fused = kw_rows or sem_rows
        ranked = ranking.order(fused, exact, related, snap.area_keys)
        listing = _listing(snap, ranked, kq, found, cover, fusing)
        capped = listing.capped or _sem_capped(sem_rows, ranked, found is not None)
        if one_per_area:  # every result in order, then each area's best first
            page = ranking.one_per_area(listing.window(0, len(listing)), snap.area_keys)
            page = page[offset : offset + k]
        else:
            page = listing.window(offset, offset + k)
        hits = [self._hit(snap, r, exp.terms) for r in page]
        answer = self._answer(snap, clean_text(q) if parsed.text else "", exp, filters)
        if not ranked and message is None and answer is None:
            message = EMPTY_MESSAGE if no_words else NO_HITS
        facet_rows, facets_of = listing.facet_rows()
        facets, facets_more = _facets(snap, facet_rows, filters)
        return SearchResponse(
            query=q, mode=mode, total=len(listing), total_exact=listing.n_exact,
            total_related=len(listing.related), took_ms=_ms(started), results=hits,
            offset=offset, capped=capped,
            did_you_mean=_suggestion(q, exp.corrections) if exp.corrections else None,
            facets=facets, facets_of=facets_of, facets_more=facets_more, answer=answer,
            message=message, filters=filters.active(),
        )  # fmt: skip

    def _keyword(self, snap: Snapshot, mode: str, parsed: ParsedQuery,
                 exp: expansion.Expansion, filters: Filters, mask: np.ndarray | None,
                 no_words: bool) -> tuple[wq.Query | None, keyword.Found | None]:  # fmt: skip
        """The keyword query, its ranking (CANDIDATES deep) and every passage it matches; a
        filter alone (no words to search for) lists the filter's passages."""
        if not (mode in ("keyword", "hybrid") or not parsed.text):
            return None, None
        kq = keyword.build_query(parsed, exp, snap)
        if kq is None and no_words and filters.active():
            kq = wq.Every()
        if kq is None:
            return None, None
        return kq, keyword.find(snap, kq, CANDIDATES, mask=mask)

    def _semantic(self, snap: Snapshot, text: str, mask: np.ndarray | None
                  ) -> tuple[list[tuple[int, float]], ranking.Closeness]:  # fmt: skip
        """The semantic ranking (passage and best-piece blend), and each row's own closeness
        with the query's mean cosine over the corpus: what `ranking.related_rows` judges."""
        self.check_model(snap)
        text = " ".join(text.split()[:SEMANTIC_WORDS])
        vec = self.encoder().encode_query(text)
        top = semantic.top_k(snap.vectors, vec, CANDIDATES, mask, snap.hubness)
        if not top:
            empty = np.zeros(0)
            return [], ranking.Closeness(empty, empty, empty)
        found = np.fromiter((r for r, _ in top), dtype=np.int64, count=len(top))
        best = semantic.best_piece(found, vec, snap.pieces, snap.piece_start)  # read once
        rows = semantic.with_pieces(top, vec, snap.pieces, snap.piece_start, snap.hubness,
                                    best=best)  # fmt: skip
        idx = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
        piece = best[np.argsort(found)[np.searchsorted(np.sort(found), idx)]]
        passage = np.asarray(snap.vectors[idx]) @ vec
        mean = float(semantic.mean_vector(snap) @ vec)
        piece_mean = float(semantic.mean_piece(snap) @ vec)
        piece_lift = np.where(piece > -1, piece - piece_mean, -1.0)
        snap.after_mapped_reads()
        return rows, ranking.Closeness(passage - mean, piece_lift, np.maximum(passage, piece))

    # -- helpers ---------------------------------------------------------------------------

    def _hit(self, snap: Snapshot, ranked: ranking.Ranked, terms: set[str]) -> Hit:
        p, score = snap.passages[ranked.row], ranked.score
        text = p.text  # a passage is a paragraph or a few; a pathological one is cut, not sent
        if len(text) > SNIPPET_CHARS:
            text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
        return Hit.of(p, text=text, highlight=highlight(text, terms, snap.vocab),
                      score=round(score, 6), match=ranked.match)  # fmt: skip

    def _answer(self, snap: Snapshot, text: str, exp: expansion.Expansion,
                filters: Filters) -> Answer | None:  # fmt: skip
        """The budget question the query asks, answered from the areas the filters allow."""
        if not text:
            return None
        expanded = {t for g in exp.groups for t, kind in g.items() if kind in ANSWER_KINDS}
        if moved := change.answer(snap, text, expanded, filters.active()):
            return moved  # an area over the years ("steget siden 2023"): search.change
        wanted = filters.active()
        scoped = intents.named_scope(
            text, {f: snap.values(f) for f in intents.NAMED_SCOPES if f not in wanted}
        )
        if scoped is None:
            return None  # another committee's budget: not in these documents
        named, text, named_terms = scoped
        wanted = {**wanted, **named}
        years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text)}
        if "year" not in wanted and len(years) == 1:
            if not years <= set(snap.values("year")):
                return None  # a year the documents do not cover: no amount to show
            wanted = {**wanted, "year": years.pop()}  # "total budget 2024"
        scoping = {f: wanted[f] for f in SCOPE_FIELDS if f in wanted}
        scope, titles = snap.areas_where(scoping)
        if not scope:
            return None
        expanded = {t for g in exp.groups if not named_terms & set(g)
                    for t, kind in g.items() if kind in ANSWER_KINDS}  # fmt: skip
        areas = snap.passages

        def usage(term: str) -> Counter:
            rows = np.unique(np.concatenate(
                [keyword.rows_with(snap, f, term) for f in ("body", "heading")]))  # fmt: skip
            return Counter(areas.value("area", r) for r in rows[:USAGE_SAMPLE].tolist())

        intent = intents.read_intent(text, expanded, titles, usage)
        if not intent:
            return None
        if scoping:
            return answers.build(intent, scope)
        # every area: the same scope for every query, and the same answer for the same intent
        # ("hvad koster brandvæsen", "budget til brandvæsen"): built once per generation
        cache = snap._cache.setdefault("answers", {})
        hit = cache.get(intent, cache)  # (the cache itself: not there)
        if hit is not cache:
            return hit
        answer = answers.build(intent, self.answer_scope(snap))
        if len(cache) >= ANSWER_CACHE:
            cache.clear()
        cache[intent] = answer
        return answer


def _pointer(index_dir: Path) -> str:
    """Where `current` points: the link's own text, one system call (resolving the whole path
    took six, 0.1 ms of every query); the resolved path where `current` is not a link."""
    link = index_dir / store.CURRENT
    try:
        return os.readlink(link)
    except OSError:
        return os.path.realpath(link)


def _refusal(q: str, mode: str, parsed: ParsedQuery, exp: expansion.Expansion,
             filters: Filters, message: str | None, started: float
             ) -> SearchResponse | None:  # fmt: skip
    """The answer to a query with nothing to search for (empty, or only unknown words)."""
    if parsed.empty and not filters.active():
        return SearchResponse(
            query=q, mode=mode, total=0, took_ms=_ms(started), results=[],
            message=message or EMPTY_MESSAGE,
        )  # fmt: skip
    if exp.nonsense and not (parsed.phrases or parsed.prefixes):
        return SearchResponse(
            query=q, mode=mode, total=0, took_ms=_ms(started), results=[],
            message="Ingen resultater: ingen ordbog eller afsnit kender "
                    f"»{_short(parsed.text)}«.",
            filters=filters.active(),
        )  # fmt: skip
    return None


def _matches(kw_rows: list[tuple[int, float]], sem_rows: list[tuple[int, float]],
             closeness: ranking.Closeness | None, cover: keyword.Coverage | None,
             strangers: bool = False) -> tuple[set[int], set[int]]:  # fmt: skip
    """Which candidates are exact matches (they hold the typed words) and which related."""
    if cover is None:  # match-all, prefixes or phrases only: what the keyword query found
        exact = {r for r, _ in kw_rows}
    else:
        rows = np.fromiter((r for r, _ in kw_rows + sem_rows), dtype=np.int64)
        exact = set(rows[cover[rows] >= ranking.EXACT_SHARE].tolist())
    related: set[int] = set()
    if closeness is not None:
        # with exact matches the query is about something the documents hold: what is
        # near it in meaning counts; without, only what clears the calibrated floor
        related = ranking.related_rows(sem_rows, closeness, strict=not exact,
                                       strangers=strangers)  # fmt: skip
    # partial keyword matches (some of the words, or a part of a typed compound) are
    # related too: they share words with the query, just not enough to be exact
    related |= {r for r, _ in kw_rows} - exact
    return exact, related


class Listing:
    """A search's results in their order, every one of them reachable by `offset`.

    The candidates (each ranking CANDIDATES deep, fused: search.ranking) give the exact matches
    first and the related ones after them. The exact matches beyond the candidates (a word in
    2,000 passages) come between the two, in the keyword ranking's order, fetched only as deep
    as a page asks; the related ones stay the candidates' (a ranking by meaning has no end):
    `capped` says when more of them might qualify than were looked at."""

    def __init__(self, head: list[ranking.Ranked], related: list[ranking.Ranked],
                 tail: np.ndarray | None = None,
                 fetch: Callable[[np.ndarray, int], list[ranking.Ranked]] | None = None,
                 capped: bool = False) -> None:  # fmt: skip
        self.head = head  # the candidates' exact matches, fused order
        self.related = related
        self.tail = tail  # per row: the exact matches beyond the candidates (None: none looked for)
        self.n_tail = 0 if tail is None else int(np.count_nonzero(tail))
        self._fetch = fetch
        self.capped = capped

    @property
    def n_exact(self) -> int:
        return len(self.head) + self.n_tail

    def __len__(self) -> int:
        return self.n_exact + len(self.related)

    def window(self, start: int, stop: int) -> list[ranking.Ranked]:
        """Results start..stop-1 of the whole order."""
        h, e = len(self.head), self.n_exact
        stop = min(stop, len(self))
        out = self.head[start:stop]
        if stop > h and start < e and self._fetch is not None and self.tail is not None:
            out += self._fetch(self.tail, min(stop, e) - h)[max(start - h, 0) :]
        if stop > e:
            out += self.related[max(start - e, 0) : stop - e]
        return out

    def facet_rows(self) -> tuple[np.ndarray, str]:
        """The rows the facets count, and which they are: every exact match where the keyword
        ranking enumerates them (a filter's count is then what its link finds: related passages
        are judged against the best within the filter, so they are not counted), else every
        result listed."""
        if self.tail is not None and self.n_exact:
            head = np.fromiter((r.row for r in self.head), dtype=np.int64, count=len(self.head))
            return np.concatenate([head, np.flatnonzero(self.tail)]), "exact"
        rows = [r.row for r in self.head] + [r.row for r in self.related]
        return np.asarray(rows, dtype=np.int64), "results"


def _listing(snap: Snapshot, ranked: list[ranking.Ranked], kq: wq.Query | None,
             found: keyword.Found | None, cover: keyword.Coverage | None,
             fused: bool) -> Listing:  # fmt: skip
    """Every result of a search: the ranked candidates, and (where a keyword query ran) the
    exact matches it found beyond them. An exact match holds the typed words (EXACT_SHARE of
    them) and the keyword query matches it; `fused`: the candidates' scores are fused ones, so
    the matches beyond get the keyword part of theirs (search.fusion.convex)."""
    head = [r for r in ranked if r.match == "exact"]
    related = [r for r in ranked if r.match != "exact"]
    if found is None or kq is None:
        return Listing(head, related)
    if len(found.rows) < CANDIDATES:  # every match is a candidate: none beyond, none left out
        return Listing(head, related, np.zeros(0, dtype=bool))
    exact = found.matched if cover is None else found.matched & cover.at_least(ranking.EXACT_SHARE)
    listed = np.fromiter((r.row for r in ranked), dtype=np.int64, count=len(ranked))
    tail = exact.copy()
    tail[listed] = False
    capped = False
    if cover is not None:  # partial matches (some of the words) beyond the candidates
        rest = found.matched & ~exact
        rest[listed] = False
        capped = bool(rest.any())
    top = found.rows[0][1] if found.rows else 1.0
    scale = fusion.ALPHA / (top or 1.0) if fused else 1.0

    def fetch(tail: np.ndarray, depth: int) -> list[ranking.Ranked]:
        rows, _ = keyword.rank(snap, kq, depth, count=False, mask=tail)
        return [ranking.Ranked(r, s * scale, "exact") for r, s in rows]

    return Listing(head, related, tail, fetch, capped)


def _sem_capped(
    sem_rows: list[tuple[int, float]], ranked: list[ranking.Ranked], enumerated: bool
) -> bool:
    """Whether the semantic ranking was cut short of passages that would be listed: it gave
    CANDIDATES rows and the last of them is listed as related (or at all, where the keyword
    ranking does not enumerate the exact matches)."""
    if len(sem_rows) < CANDIDATES:
        return False
    edge = sem_rows[-1][0]
    return any(r.row == edge and (r.match == "related" or not enumerated) for r in ranked)


def _facets(snap: Snapshot, rows: np.ndarray, filters: Filters) -> tuple[dict, dict[str, int]]:
    return facet_counts(
        snap.passages,
        rows,
        filters.active(),
        {f: len(snap.values(f)) for f in ("committee", "year", "municipality")},
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _suggestion(q: str, corrections: dict[str, str]) -> str:
    """The query as typed, punctuation and all, with each corrected word swapped in."""
    out = q
    for typed, fixed in corrections.items():
        out = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", lambda _m, f=fixed: f, out, count=1)
    return out


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
