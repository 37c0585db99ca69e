"""The search engine: one object per process holding the loaded index and the model.

`Engine.search` is the single entry point the CLI, the web pages and the JSON API share.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh import query as wq

from index.building import store
from index.config import Settings
from index.embedding.encoder import Encoder
from search import answer as answers
from search import expansion, fusion, keyword, question, ranking, semantic
from search import intent as intents
from search.facets import facet_counts
from search.filters import FilterError
from search.filters import resolve as resolve_filters
from search.highlight import highlight
from search.listing import listing_of, sem_capped
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
from search.tuning import TUNING, Tuning

NO_HITS = "Ingen resultater. Prøv færre eller andre ord, eller søg semantisk."
SEMANTIC_WORDS = 64  # a pasted paragraph is encoded by its first words (the model reads ~400)
SNIPPET_CHARS = 4000  # longest passage text a hit carries (the seed's longest: about 1,200)
EMPTY_MESSAGE = "Skriv et eller flere søgeord, fx MitID, DUT eller brandvæsen."
#: What a question asks rather than what it is about: not counted when deciding whether a
#: passage holds the query's words ("Hvad koster brandvæsenet?" is about the fire service,
#: "sammenlign Jobcenter og Borgerservice" about the two areas).
INTENT_TERMS = (intents.BUDGET_WORDS | intents.GENERIC | intents.ASKING
                | intents.QUESTION_WORDS | intents.SHARE_WORDS)


class Engine:
    def __init__(self, index_dir: Path, encoder_factory: Callable[[], Encoder] | None = None,
                 tuning: Tuning = TUNING) -> None:  # fmt: skip
        self.index_dir = index_dir
        self.tuning = tuning  # every weight and floor the ranking uses (search/tuning.py)
        self._model = _Model(encoder_factory)  # shared with the engine's pinned views
        self._lock = threading.Lock()
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
        request's search, areas and passages) reads the same index, even across a swap. It
        shares the engine's model (loaded once, by whichever asks first)."""
        view = copy.copy(self)
        view._pin = self.snapshot
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
        return self._model.get()

    def answer_scope(self, snap: Snapshot | None = None) -> answers.Scope:
        """Every area's answer scope, made once per generation: ~2.5 s of Python for the 310k
        areas of 1M passages, so a server makes it beside its first requests (webui) rather
        than in its first budget question."""
        snap = snap or self.snapshot
        # one thread makes it; a question meanwhile waits for it
        return snap.memo("answer_scope", lambda: answers.Scope.of(snap.areas).make_rows(),
                         once=True)  # fmt: skip

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
               one_per_area: bool = False, named_scope: bool = True,
               unnamed: frozenset[str] = frozenset()) -> SearchResponse:  # fmt: skip
        """Rank passages for `q`: exact matches first, then related ones (see search.ranking).

        `offset` pages through the ranking, every result of which `total` counts (see Listing:
        the exact matches all, the related ones among the nearest `tuning.candidates`; `capped` says
        when more might qualify); `partial` means the user is still typing, so the last word
        also stands for the words that start with it; `one_per_area` lists each area's best
        passage before any area's second (within exact, then within related); `named_scope`:
        a committee, municipality or year the question names scopes its answer and passages
        (search.question; `named` in the response says which), except the fields in `unnamed`."""
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
        asked = question.ask(snap, clean_text(q) if parsed.text else "", exp, filters,
                             lambda: self.answer_scope(snap), named_scope, unnamed)  # fmt: skip
        if (asked.refused or asked.caveat) and message is None:
            # "Indekset har intet budget fra Holbæk Kommune; …", "… ikke et beløb pr. indbygger"
            message = asked.refused or asked.caveat
        if asked.named and asked.answer is not None:
            # "Jobcenter i Kommune 3": the passages are Kommune 3's, as the card (issue 30)
            filters = dataclasses.replace(filters, **asked.named)
            mask = filters.mask(snap)
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
        cover = (keyword.coverage(snap, _named_as_one(exp, asked.answer),
                                  INTENT_TERMS | intents.per_terms(q),
                                  self.tuning.parts_window)
                 if exp.groups else None)  # fmt: skip
        # several typed words, none of them the documents' (word salad, or a topic they lack)
        strangers = exp.typed > 1 and not any(
            t in snap.all_terms for group in exp.typed_groups for t in group
        )
        exact, related = _matches(kw_rows, sem_rows, closeness, cover, self.tuning, strangers)
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
            t = self.tuning
            fused = fusion.convex(kw_rows, semantic.candidates(sem_rows, t.semantic_margin,
                                                                t.semantic_keep), t.alpha, t.span)
        else:
            fused = kw_rows or sem_rows
        ranked = ranking.order(fused, exact, related, snap.area_keys, self.tuning)
        listing = listing_of(snap, ranked, kq, found, cover, fusing, self.tuning)
        capped = listing.capped or sem_capped(sem_rows, ranked, found is not None,
                                              self.tuning.candidates)
        if one_per_area:  # every result in order, then each area's best first
            page = ranking.one_per_area(listing.window(0, len(listing)), snap.area_keys)
            page = page[offset : offset + k]
        else:
            page = listing.window(offset, offset + k)
        hits = [self._hit(snap, r, exp.terms) for r in page]
        answer = asked.answer
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
            message=message, filters=filters.active(), named=asked.named,
        )  # fmt: skip

    def _keyword(self, snap: Snapshot, mode: str, parsed: ParsedQuery,
                 exp: expansion.Expansion, filters: Filters, mask: np.ndarray | None,
                 no_words: bool) -> tuple[wq.Query | None, keyword.Found | None]:  # fmt: skip
        """The keyword query, its ranking (`tuning.candidates` deep) and every passage it matches; a
        filter alone (no words to search for) lists the filter's passages."""
        if not (mode in ("keyword", "hybrid") or not parsed.text):
            return None, None
        kq = keyword.build_query(parsed, exp, snap, self.tuning)
        if kq is None and no_words and filters.active():
            kq = wq.Every()
        if kq is None:
            return None, None
        return kq, keyword.find(snap, kq, self.tuning.candidates, mask=mask)

    def _semantic(self, snap: Snapshot, text: str, mask: np.ndarray | None
                  ) -> tuple[list[tuple[int, float]], ranking.Closeness]:  # fmt: skip
        """The semantic ranking (passage and best-piece blend), and each row's own closeness
        with the query's mean cosine over the corpus: what `ranking.related_rows` judges."""
        self.check_model(snap)
        text = " ".join(text.split()[:SEMANTIC_WORDS])
        vec = self.encoder().encode_query(text)
        t = self.tuning
        penalty = snap.hubness(t.hub_penalty, t.repeat_penalty, t.repeat_power)
        top = semantic.top_k(snap.vectors, vec, self.tuning.candidates, mask, penalty)
        if not top:
            empty = np.zeros(0)
            return [], ranking.Closeness(empty, empty, empty)
        found = np.fromiter((r for r, _ in top), dtype=np.int64, count=len(top))
        best = semantic.best_piece(found, vec, snap.pieces, snap.piece_start)  # read once
        rows = semantic.with_pieces(top, vec, snap.pieces, snap.piece_start, penalty,
                                    self.tuning.piece_weight, best=best)  # fmt: skip
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


def _named_as_one(exp: expansion.Expansion, answer: Answer | None) -> expansion.Expansion:
    """The query's words, those that name the areas its card lists side by side ("Jobcenter,
    Borgerservice og IT") as one word: a passage that names one of them holds what the
    question is about, as a passage holding "IT" holds "hvad koster IT"."""
    if answer is None or answer.kind != "amount" or len({r.area for r in answer.rows}) < 2:
        return exp
    names = frozenset().union(*(intents.title_words(r.area) for r in answer.rows))
    naming = [g for g in exp.typed_groups
              if {t for t, kind in g.items() if kind == "word"} & names]  # fmt: skip
    if len(naming) < 2:
        return exp
    merged = {t: kind for g in naming for t, kind in g.items()}
    groups = [merged if g is naming[0] else g for g in exp.groups if not any(
        g is n for n in naming[1:])]  # fmt: skip
    general = [max(exp.weight(g) for g in naming) if g is merged else exp.weight(g)
               for g in groups]  # fmt: skip
    return dataclasses.replace(exp, groups=groups, general=general)


def _matches(kw_rows: list[tuple[int, float]], sem_rows: list[tuple[int, float]],
             closeness: ranking.Closeness | None, cover: keyword.Coverage | None,
             tuning: Tuning, strangers: bool = False) -> tuple[set[int], set[int]]:  # fmt: skip
    """Which candidates are exact matches (they hold the typed words) and which related."""
    if cover is None:  # match-all, prefixes or phrases only: what the keyword query found
        exact = {r for r, _ in kw_rows}
    else:
        rows = np.fromiter((r for r, _ in kw_rows + sem_rows), dtype=np.int64)
        exact = set(rows[cover[rows] >= tuning.exact_share].tolist())
    related: set[int] = set()
    if closeness is not None:
        # with exact matches the query is about something the documents hold: what is
        # near it in meaning counts; without, only what clears the calibrated floor
        related = ranking.related_rows(sem_rows, closeness, strict=not exact,
                                       strangers=strangers, tuning=tuning)  # fmt: skip
    # partial keyword matches (some of the words, or a part of a typed compound) are
    # related too: they share words with the query, just not enough to be exact
    related |= {r for r, _ in kw_rows} - exact
    return exact, related


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


class _Model:
    """The embedding model, loaded on first use (a keyword search never pays for it)."""

    def __init__(self, factory: Callable[[], Encoder] | None) -> None:
        self._factory = factory
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    def get(self) -> Encoder:
        if self._encoder is None:
            if self._factory is None:
                raise Unavailable("Semantisk søgning er slået fra: ingen model er indlæst.")
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._factory()
        return self._encoder
