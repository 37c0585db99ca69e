"""Keyword ranking: BM25F over area title, headings and body.

A query (its words expanded by search.expansion) is written in Whoosh's query language
(whoosh.query): per typed word an Or of its terms, boosted by how each was derived, plus a
bonus for adjacent typed words found next to each other. `plan` reads that tree as sums of
columns of the keyword index (index.building.sparse), which scores it as Whoosh's BM25F would.
`coverage` says how much of the typed words each passage holds (exact vs related).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq

from index.building.analysis import term_forms
from index.building.fulltext import TEXT_FIELDS
from search import columns, phrases
from search.expansion import STRONG_KINDS, Expansion
from search.query import ParsedQuery
from search.snapshot import Snapshot
from search.tuning import TUNING, Tuning


def _head_term(word: str) -> str | None:
    forms = term_forms(word, None)
    return forms[0][0] if forms else None


def build_query(parsed: ParsedQuery, exp: Expansion, snap: Snapshot, tuning: Tuning = TUNING
                ) -> wq.Query | None:  # fmt: skip
    kind_boost, field_boosts = tuning.kind_boost, tuning.field_boosts
    subqueries: list[wq.Query] = []
    for group in exp.groups:
        # a common Danish word says less of what the query is about ("udgifter", "antal"), in
        # the ranking as in coverage (expansion.general_weight)
        weight = exp.weight(group)
        # a word's variants are summed (an Or, as scored by the keyword index); their boosts
        # keep parts and compounds below the word itself
        terms = [
            wq.Term(f, t, boost=boost * kind_boost[kind] * weight)
            for t, kind in group.items()
            for f, boost in field_boosts.items()
            if t in snap.field_terms[f]  # a term no passage has only slows the matcher down
        ]
        if terms:
            subqueries.append(wq.Or(terms))
    # words typed next to each other and found next to each other count extra
    heads = [w for w in (_head_term(w) for w in parsed.words) if w]
    for a, b in zip(heads, heads[1:], strict=False):
        if a != b:
            subqueries.append(
                wq.Or(
                    [
                        wq.Phrase(f, [a, b], slop=1, boost=kind_boost["pair"] * boost)
                        for f, boost in field_boosts.items()
                    ]
                )  # fmt: skip
            )
    for phrase in parsed.phrases:
        stems = [forms[0][0] for w in phrase if (forms := term_forms(w, None))]
        if len(stems) > 1:
            subqueries.append(wq.Phrase("body", stems, boost=kind_boost["phrase"]))
        for t in stems:
            subqueries.append(wq.Or([wq.Term(f, t, boost=b) for f, b in field_boosts.items()]))
    for prefix in parsed.prefixes:
        p = prefix.casefold()
        subqueries.append(wq.Or([wq.Prefix(f, p) for f in TEXT_FIELDS]))
    if not subqueries:
        return None
    q: wq.Query = wq.Or(subqueries)
    excluded = [t for w in parsed.excluded for t, _ in term_forms(w, None)]
    if excluded:
        q = wq.AndNot(q, wq.Or([wq.Term(f, t) for t in excluded for f in TEXT_FIELDS]))
    return q


def rank(
    snap: Snapshot,
    q: wq.Query,
    limit: int,
    *,
    count: bool = True,
    mask: np.ndarray | None = None,
) -> tuple[list[tuple[int, float]], int]:
    """(row, score) pairs, best first, and how many passages matched in all (exactly, for
    free: `count` is there for callers that need no count). `mask` (per row, None: every row)
    is the filter."""
    rows, matched = _ranked(snap, q, limit, mask)
    return rows, len(matched)


@dataclass(frozen=True)
class Found:
    """A keyword search: its best `limit` (row, score) pairs, best first, and every row the
    query matches (within the filter) as a bitmap, for counting, facets and the matches beyond
    the best (search.engine fetches those with `rank` and a mask, as deep as a page needs)."""

    rows: list[tuple[int, float]]
    matched: np.ndarray  # bool per row


def find(snap: Snapshot, q: wq.Query, limit: int, *, mask: np.ndarray | None = None) -> Found:
    """`rank`'s ranking, and the bitmap of every row the query matches."""
    rows, matched = _ranked(snap, q, limit, mask)
    return Found(rows, _bitmap(snap.sparse.n_docs, matched))


def _ranked(snap: Snapshot, q: wq.Query, limit: int, mask: np.ndarray | None
            ) -> tuple[list[tuple[int, float]], np.ndarray]:  # fmt: skip
    """The best `limit` (row, score) pairs and the rows of every match, ascending."""
    if type(q) is wq.Every and q.fieldname in (None, ""):
        # a filter with no words to search for: every allowed passage, all scoring the boost,
        # so in row order
        n = snap.sparse.n_docs
        rows = np.arange(n) if mask is None else np.flatnonzero(mask)
        score = float(q.boost)
        return [(int(r), score) for r in rows[:limit]], rows
    p = plan(q, snap.sparse.columns)
    if p is None:
        raise ValueError(f"not a query the keyword index answers: {q!r}")
    return _rank_plan(snap, p, limit, mask)


def _bitmap(n: int, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


@dataclass
class Plan:
    """A query as sums of columns of the keyword index: boosted terms, boosted phrases (slop
    1), prefixes (a constant boost where a term with the prefix is), and terms whose passages
    are excluded."""

    terms: list[tuple[str, str, float]]
    phrases: list[tuple[str, tuple[str, ...], float]]
    prefixes: list[tuple[str, str, float]] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)


def plan(q: wq.Query, columns: Container[tuple[str, str]] | None = None) -> Plan | None:
    """The query as a Plan when it is an Or-tree of Terms, Phrases and Prefixes, optionally
    less (AndNot) an Or of Terms; else None.

    Every leaf counts, duplicates included, as Whoosh searches a query as given (not
    normalised). A phrase must share a term with the query in its field, so that the documents
    it matches are already among those the terms match (the total stays a count of nonzero
    rows). A prefix scores its boost in every passage of a field holding a term it begins,
    whatever the term's frequency, as Whoosh's and Lucene's constant-score prefix queries do.
    """
    p = Plan([], [])
    if type(q) is wq.AndNot and q.boost == 1.0:
        excluded = _excluded(q.b)
        if excluded is None:
            return None
        p.excluded = excluded
        q = q.a
    stack = [q]
    while stack:
        node = stack.pop()
        if type(node) is wq.Or and node.boost == 1.0 and not node.scale and not node.minmatch:
            stack.extend(node.subqueries)
        elif type(node) is wq.Term and isinstance(node.text, str):
            p.terms.append((node.fieldname, node.text, float(node.boost)))
        elif type(node) is wq.Phrase and node.slop == 1 and len(node.words) > 1:
            p.phrases.append((node.fieldname, tuple(node.words), float(node.boost)))
        elif type(node) is wq.Prefix and isinstance(node.text, str) and node.text:
            p.prefixes.append((node.fieldname, node.text, float(node.boost)))
        else:
            return None
    if columns is not None:  # a phrase with a word its field lacks matches nothing
        p.phrases = [ph for ph in p.phrases if all((ph[0], w) in columns for w in ph[1])]
    fields_terms = {(f, t) for f, t, _ in p.terms}
    for f, words, _ in p.phrases:
        if not any((f, w) in fields_terms for w in words):
            return None
    return p


def _excluded(q: wq.Query) -> list[tuple[str, str]] | None:
    """The (field, term) pairs of an Or of Terms (or of one Term); None for any other shape."""
    nodes = q.subqueries if type(q) is wq.Or else [q]
    if not all(type(t) is wq.Term and isinstance(t.text, str) for t in nodes):
        return None
    return [(t.fieldname, t.text) for t in nodes]


def _rank_plan(
    snap: Snapshot, p: Plan, limit: int, mask: np.ndarray | None = None
) -> tuple[list[tuple[int, float]], np.ndarray]:
    """The best `limit` (row, score) of a Plan, and the rows of every match. Term scores are
    one bincount; phrases: `phrases.add_bonuses`."""
    sx = snap.sparse
    scores = columns.scores(sx, p.terms)
    for f, prefix, boost in p.prefixes:
        scores[_prefixed_rows(snap, f, prefix)] += boost
    if p.excluded:
        scores[_rows_with_any(snap, p.excluded)] = 0.0
    if mask is not None:
        scores[~mask] = 0.0
    matched = np.flatnonzero(scores > 0)
    candidates = matched
    if p.phrases and len(matched):
        # the top is among the documents that could reach it with every bonus
        candidates = phrases.add_bonuses(snap, p.phrases, scores, matched, limit)
    top = _top(scores, candidates, limit)
    return [(int(r), float(scores[r])) for r in top], matched


def _prefixed_rows(snap: Snapshot, fieldname: str, prefix: str) -> np.ndarray:
    """The rows whose field holds a term beginning with `prefix`, each once."""
    terms = snap.prefixed(prefix, limit=None, fieldname=fieldname)
    return _rows_with_any(snap, [(fieldname, t) for t in terms])


def _rows_with_any(snap: Snapshot, pairs: list[tuple[str, str]]) -> np.ndarray:
    hit = np.zeros(snap.sparse.n_docs, dtype=bool)
    for f, t in pairs:
        hit[rows_with(snap, f, t)] = True
    return np.flatnonzero(hit)


def _top(scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """The best `limit` of the candidates (matched: scores > 0), by score then lower row first
    (Whoosh's tie order too)."""
    cand = candidates
    if len(cand) > limit:
        s = scores[cand]
        cand = cand[s >= phrases.kth_largest(s, limit)]
    order = np.lexsort((cand, -scores[cand]))
    return cand[order[:limit]]


@dataclass(frozen=True)
class Coverage:
    """Per row, the share of the typed words (weighted by rarity) that the passage holds.

    Kept as a small code per row (bit g: it holds typed word g) and the share of each code: a
    query reads the shares of a few hundred candidates and counts the rows above one share,
    and at a million passages making every row's float share was 5-6 ms a query. A pasted
    paragraph (more than 16 words) keeps the shares themselves."""

    code: np.ndarray | None  # uint8 / uint16 per row; None when `shares` holds the shares
    table: np.ndarray  # the share of each code (float64)
    shares: np.ndarray | None = None

    def __getitem__(self, rows):
        if self.shares is not None:
            return self.shares[rows]
        return self.table[self.code[rows]]  # type: ignore[index]

    def __len__(self) -> int:
        return len(self.shares if self.shares is not None else self.code)  # type: ignore[arg-type]

    def at_least(self, share: float) -> np.ndarray:
        """Per row, whether it holds at least this share (a new array)."""
        if self.shares is not None:
            return self.shares >= share
        code = self.code
        assert code is not None
        ok = self.table >= share
        if len(ok) == 2 and not ok[0]:  # one word: the rows that hold it
            return code != 0 if ok[1] else np.zeros(len(code), dtype=bool)
        return ok.take(code)

    def count_at_least(self, share: float, mask: np.ndarray | None = None) -> int:
        """How many rows (of those `mask` allows) hold at least this share."""
        if self.shares is not None:
            ok = self.shares >= share
            return int((ok if mask is None else ok & mask).sum())
        ok = self.table >= share
        if len(ok) == 2 and not ok[0] and mask is None:  # one word: the rows that hold it
            return int(np.count_nonzero(self.code)) if ok[1] else 0
        held = ok.take(self.code)  # a take of a small table: bincount casts 1M codes to int64
        if mask is not None:
            held &= mask
        return int(np.count_nonzero(held))


def coverage(snap: Snapshot, exp: Expansion, ignore: frozenset[str] = frozenset(),
             window: int = TUNING.parts_window) -> Coverage:  # fmt: skip
    """Per row, the share of the typed words (weighted by rarity) that the passage holds.

    A word the corpus does not know weighs most, so "offentlig svømmehal" is not covered by a
    passage that only says "offentlig". A typed compound is held where its parts stand within
    `window` positions of each other ("konsulentudgifter": "udgifter til konsulenter"; Danish
    writes the same thing either way; 0: never). Words in `ignore` (what a question asks, not
    what it is about: "koster", "budget") do not count unless nothing else was typed. Computed
    for every row at once from the postings: a few numpy operations per typed word."""
    n = len(snap.passages)
    groups = exp.typed_groups
    topical = [g for g in groups if not _asks(g, ignore)]
    groups = topical or groups
    if not groups or not n:
        return Coverage(np.zeros(n, dtype=np.uint8), np.zeros(1))
    # per group the rows holding one of its words, as a bitmap (rows holding several count
    # once); the groups' bitmaps then make one small code per row, whose share is looked up
    # when asked: at a million passages, float passes per group were 20-30 ms a query
    hits = [_group_rows(snap, n, group, window) for group in groups]
    weights = np.array([np.log(1 + n / (np.count_nonzero(hit) + 1)) * exp.weight(group)
                        for hit, group in zip(hits, groups, strict=True)])  # fmt: skip
    weights /= weights.sum()
    if len(hits) > 16:  # a pasted paragraph: a pass per word
        total = np.zeros(n, dtype=np.float64)
        for hit, weight in zip(hits, weights, strict=True):
            total += hit * weight
        return Coverage(None, np.zeros(1), total)
    dtype = np.uint8 if len(hits) <= 8 else np.uint16
    code = hits[0].view(np.uint8).astype(dtype)
    part = np.empty(n, dtype=dtype)
    for g, hit in enumerate(hits[1:], 1):
        np.left_shift(hit.view(np.uint8), g, out=part, dtype=dtype)
        code |= part
    combos = np.arange(1 << len(hits))
    table = sum(((combos >> g) & 1) * w for g, w in enumerate(weights.tolist()))
    return Coverage(code, np.asarray(table, dtype=np.float64))


def _asks(group: dict[str, str], ignore: frozenset[str]) -> bool:
    """Is this typed word one of `ignore`? Judged by its own forms, not the compounds it was
    expanded to: "budget" stands for "rammebudget" and "budgetansvar" too, and still only asks."""
    own = {t for t, kind in group.items() if kind == "word"} or set(group)
    return own <= ignore


#: A group of words with more postings than this share of the rows ("budget" and its
#: compounds, in every passage) keeps its bitmap per snapshot, for the next query that has it
#: (Lucene's query cache does the same for costly clauses); at most GROUP_CACHE of them.
CACHED_GROUP_SHARE = 0.5
GROUP_CACHE = 32


def _group_rows(snap: Snapshot, n: int, group: dict[str, str], window: int) -> np.ndarray:
    """Per row, whether it holds one of the group's strong terms in a searched field, or all
    the parts of its compound within `window` positions of each other."""
    columns = [(f, t) for t, kind in group.items() if kind in STRONG_KINDS
               for f in TEXT_FIELDS if t in snap.field_terms[f]]  # fmt: skip
    parts = [t for t, kind in group.items() if kind == "part"] if window else []
    key = (tuple(sorted(columns)), tuple(parts), window)
    cache: dict = snap.memo("group_rows", dict)
    hit = cache.get(key)
    if hit is not None:
        return hit
    hit = np.zeros(n, dtype=bool)
    postings = 0
    for f, t in columns:
        rows = rows_with(snap, f, t)
        hit[rows] = True
        postings += len(rows)
    if len(parts) >= 2:  # the compound written apart: "udgifter til konsulenter"
        for f in TEXT_FIELDS:
            hit[phrases.near_rows(snap.sparse, f, parts, window, skip=hit)] = True
            # the rows looked at ("budget" and "område" of "budgetområdet" are everywhere)
            postings += min(len(rows_with(snap, f, t)) for t in parts)
    if postings > n * CACHED_GROUP_SHARE:
        if len(cache) >= GROUP_CACHE:
            cache.pop(next(iter(cache)))
        hit.flags.writeable = False
        cache[key] = hit
    return hit


def rows_with(snap: Snapshot, fieldname: str, term: str) -> np.ndarray:
    """The rows whose field holds the term."""
    col = columns.column(snap.sparse, fieldname, term)
    return col[0] if col is not None else np.zeros(0, dtype=np.int64)
