"""Keyword ranking: BM25F over area title, headings and body, with Danish query expansion.

Each query word becomes a group of weighted terms: the word itself, its compound parts, the
corpus's compounds that start or end with it, glossary expansions, and a spelling correction
when the corpus does not know the word at all.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq

from index import sparse
from index.analysis import (
    LINKING,
    MIN_FREE_PART,
    MIN_PART,
    STOPWORDS,
    is_protected,
    join_letter_prefix,
    stem,
    term_forms,
)
from index.fulltext import FIELD_BOOSTS
from search import glossary
from search.query import ParsedQuery
from search.snapshot import Snapshot

#: How much a query term counts, by how it was derived from what the user typed.
KIND_BOOST = {"word": 1.0, "join": 1.0, "part": 0.5, "compound": 0.45, "glossary": 0.6,
              "spelling": 0.9, "phrase": 2.0, "pair": 0.5, "prefix": 0.8,
              "variant": 0.7}  # fmt: skip
#: The kinds of term that mean a passage holds the typed word itself (or a Danish form of it,
#: alone or inside one of the passage's compounds). A part of a typed compound ("havn" of
#: "havnebad") or a glossary expansion is evidence for ranking, not a match to label "exact".
STRONG_KINDS = frozenset({"word", "join", "spelling", "compound", "prefix", "variant"})
MIN_EXPAND = 4  # shortest word whose compounds are looked up
LONG_WORD = 6  # a typed word this long heads compounds even when their rest is unknown


@dataclass
class Expansion:
    """What the query was turned into: terms by kind, and any spelling corrections made."""

    groups: list[dict[str, str]] = field(default_factory=list)  # per query word: term -> kind
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> corrected word
    #: typed words that neither the corpus nor a Danish or English word list knows, and that
    #: no correction explains: a query of nothing else is nonsense ("xyzzy", "qwxz plorf")
    unknown: list[str] = field(default_factory=list)
    typed: int = 0  # how many content words were typed

    @property
    def nonsense(self) -> bool:
        return self.typed > 0 and len(self.unknown) == self.typed

    @property
    def terms(self) -> set[str]:
        return {t for g in self.groups for t in g}

    @property
    def typed_groups(self) -> list[dict[str, str]]:
        """The groups of words the user typed (not the glossary's added abbreviations)."""
        return [g for g in self.groups if any(kind != "glossary" for kind in g.values())]


def expand(parsed: ParsedQuery, snap: Snapshot, *, partial_last: bool = False) -> Expansion:
    """Each typed word as a group of terms. `partial_last`: the last word is still being typed
    (search-as-you-type), so it also stands for the corpus's words that start with it."""
    exp = Expansion()
    lexicon = snap.all_terms
    words = [fold_case(w, snap) for w in parsed.words if w and len(w) <= MAX_WORD]
    exp.typed += len(long := [w for w in parsed.words if len(w) > MAX_WORD])
    exp.unknown.extend(long)  # a 2,000-letter "word" is no word: nothing to expand
    for i, word in enumerate(words):
        group: dict[str, str] = {}
        for sub in _subwords(word):
            _expand_word(sub, snap, lexicon, group, exp)
        if word.casefold() not in STOPWORDS:
            exp.typed += 1
            if not _known(word, group, snap, lexicon, exp):
                exp.unknown.append(word)
        if partial_last and i == len(words) - 1 and len(word) >= MIN_PREFIX:
            for t in snap.prefixed(word.casefold()):
                group.setdefault(t, "prefix")
        if i + 1 < len(words):  # "mit id" -> mitid: adjacent words the corpus writes as one
            joined = (word + words[i + 1]).casefold()
            if joined.isalnum() and (joined in snap.vocab.words or joined in lexicon):
                group.setdefault(joined if is_protected(joined) else stem(joined), "join")
                group.setdefault(joined, "join")
        if group:
            exp.groups.append(group)
    all_terms = exp.terms
    for entry in glossary.abbreviations_in(all_terms):
        exp.groups.append({entry.abbreviation.casefold(): "glossary"})
    return exp


MAX_WORD = 64  # longer typed "words" are not expanded (nor stemmed, split or corrected)
MIN_PREFIX = 2  # shortest unfinished word that is expanded as a prefix while typing


def fold_case(word: str, snap: Snapshot) -> str:
    """A word typed in capitals (BORGERSERVICE, HJEMLØSHED) is an ordinary word unless the
    corpus writes it as an acronym (DUT, IT) or it holds a digit (NIS2): caps lock and
    shouting must not turn words into unknown acronyms."""
    if word.isupper() and len(word) > 1 and not any(c.isdigit() for c in word):
        if word.casefold() not in snap.vocab.cased and len(word) > ACRONYM_MAX:
            return word.casefold()
    return word


ACRONYM_MAX = 5  # an unknown all-caps word up to this long may be an acronym (NIS, ESDH)


def _subwords(word: str) -> list[str]:
    """IT-sikkerhed -> IT, sikkerhed; KL's -> KL (a genitive s is no word)."""
    word = join_letter_prefix(word)
    parts = [p for p in word.replace("’", "'").replace("'", "-").split("-") if p]
    return [p for p in parts if len(p) > 1 or p.isdigit()]


def _expand_word(
    word: str, snap: Snapshot, lexicon: frozenset[str], group: dict[str, str], exp: Expansion
) -> None:
    forms = term_forms(word, snap.vocab)
    if not forms:
        return
    for term, kind in forms:
        group.setdefault(term, kind)
    entry = glossary.expand(word)
    if entry:
        for t in entry.terms:
            group.setdefault(t, "glossary")
    head = forms[0][0]
    lower = word.casefold()
    if is_protected(word):
        return
    for t in _variants(head, lexicon):
        group.setdefault(t, "variant")
    found = any(t in lexicon for t in group)
    for probe in {head, lower}:
        if len(probe) < MIN_EXPAND:
            continue
        for t in snap.prefixed(probe):
            rest = t[len(probe) :]
            # a long word typed in full may head a compound whose other part is new to us
            free = probe == lower and len(probe) >= LONG_WORD and len(rest) >= MIN_FREE_PART
            if t != head and (free or _known_rest(rest, snap, lexicon, at_start=True)):
                group.setdefault(t, "compound")
                found = True
        for t in snap.suffixed(probe):
            if t != head and _known_rest(t[: -len(probe)], snap, lexicon, at_start=False):
                group.setdefault(t, "compound")
                found = True
    if not found and lower not in STOPWORDS and len(exp.corrections) < snap.speller.MAX_WORDS:
        fixed = snap.speller.correct(word)
        if fixed:
            exp.corrections[word] = fixed
            for t, _ in term_forms(fixed.casefold(), snap.vocab):
                group.setdefault(t, "spelling")


def _known(word: str, group: dict[str, str], snap: Snapshot, lexicon: frozenset[str],
           exp: Expansion) -> bool:  # fmt: skip
    if any(c.isdigit() for c in word) or any(t in lexicon for t in group):
        return True
    subs = _subwords(word)
    return any(s in exp.corrections or snap.speller.known(s) for s in subs)


VARIANT_BASE = 5  # shortest stem whose derivations are looked up


def _variants(head: str, lexicon: frozenset[str]) -> list[str]:
    """Terms one short derivational ending away from the word's stem, either way: the stemmer
    keeps "Ukrainere" (ukrain) and "ukrainske" (ukrainsk) apart, a reader does not."""
    if len(head) < VARIANT_BASE or not head.isalpha():
        return []
    out = [head[: -len(end)] for end in _ENDINGS
           if head.endswith(end) and len(head) - len(end) >= VARIANT_BASE
           and head[: -len(end)] in lexicon]  # fmt: skip
    out += [head + end for end in _ENDINGS if head + end in lexicon]
    return out


#: Endings that make an adjective or agent noun of a stem, after snowball has done its work.
_ENDINGS = ("sk", "isk", "er", "ere", "erne", "ene", "ne", "en", "et", "e", "r", "lig", "ig", "s")


def _known_rest(rest: str, snap: Snapshot, lexicon: frozenset[str], at_start: bool) -> bool:
    """Is `rest` the other part of a compound? The corpus must know it as a word, allowing a
    linking letter and, after a stem, the letters the stemmer cut ("landdistrik|t|s|udvikling").
    This keeps "kommunikation" out of the compounds of "kommune"."""
    candidates = []
    if at_start:
        for slack in range(3):
            r = rest[slack:]
            candidates += [r, r[1:]] if r[:1] in LINKING else [r]
    else:
        candidates += [rest, rest[:-1]] if rest[-1:] in LINKING else [rest]
    return any(
        len(r) >= MIN_PART and (r in snap.vocab or r in lexicon or snap.speller.known(r))
        for r in candidates
    )


def _head_term(word: str) -> str | None:
    forms = term_forms(word, None)
    return forms[0][0] if forms else None


def build_query(parsed: ParsedQuery, exp: Expansion, snap: Snapshot) -> wq.Query | None:
    subqueries: list[wq.Query] = []
    for group in exp.groups:
        # Whoosh's DisjunctionMax scores wrongly (a constant for every document), so a word's
        # variants are summed; their boosts keep parts and compounds below the word itself.
        terms = [
            wq.Term(f, t, boost=boost * KIND_BOOST[kind])
            for t, kind in group.items()
            for f, boost in FIELD_BOOSTS.items()
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
                        wq.Phrase(f, [a, b], slop=1, boost=KIND_BOOST["pair"] * boost)
                        for f, boost in FIELD_BOOSTS.items()
                    ]
                )  # fmt: skip
            )
    for phrase in parsed.phrases:
        stems = [forms[0][0] for w in phrase if (forms := term_forms(w, None))]
        if len(stems) > 1:
            subqueries.append(wq.Phrase("body", stems, boost=KIND_BOOST["phrase"]))
        for t in stems:
            subqueries.append(wq.Or([wq.Term(f, t, boost=b) for f, b in FIELD_BOOSTS.items()]))
    for prefix in parsed.prefixes:
        p = prefix.casefold()
        subqueries.append(wq.Or([wq.Prefix(f, p) for f in FIELD_BOOSTS]))
    if not subqueries:
        return None
    q: wq.Query = wq.Or(subqueries)
    excluded = [t for w in parsed.excluded for t, _ in term_forms(w, None)]
    if excluded:
        q = wq.AndNot(q, wq.Or([wq.Term(f, t) for t in excluded for f in FIELD_BOOSTS]))
    return q


def rank(
    snap: Snapshot,
    q: wq.Query,
    filter_q: wq.Query | None,
    limit: int,
    *,
    count: bool = True,
    mask: np.ndarray | None = None,
    fast: bool = True,
) -> tuple[list[tuple[int, float]], int]:
    """(row, score) pairs, best first, and how many passages matched in all.

    Queries of terms and short phrases (what `build_query` makes of plain words) are scored
    from the snapshot's sparse BM25F matrix, with the same scores and order as Whoosh; the rest
    (prefixes, exclusions, match-all) go to Whoosh. `mask` (per row) must be the filter that
    `filter_q` expresses; without it a filtered query goes to Whoosh. The sparse path counts
    the total exactly for free, whatever `count` says; `fast=False` forces Whoosh.
    """
    if fast and snap.sparse is not None and (filter_q is None or mask is not None):
        p = plan(q, snap.sparse.columns)
        if p is not None:
            return rank_sparse(snap, p, limit, mask)
    return rank_whoosh(snap, q, filter_q, limit, count=count)


def rank_whoosh(
    snap: Snapshot, q: wq.Query, filter_q: wq.Query | None, limit: int, *, count: bool = True
) -> tuple[list[tuple[int, float]], int]:
    """Whoosh's own ranking: the reference the sparse path matches, and the fallback.

    Counting every match is a second pass over the postings as long as the ranking itself:
    with ``count=False`` (the caller has no use for it) the count is the number of rows.
    """
    s = snap.searcher()
    results = s.search(q, limit=limit, filter=filter_q)
    rows = [(snap.row_of_doc(docnum), float(score)) for score, docnum in results.top_n]
    return rows, (len(results) if count else len(rows))


@dataclass
class Plan:
    """A query as sums of sparse columns: boosted terms, and boosted phrases (slop 1)."""

    terms: list[tuple[str, str, float]]
    phrases: list[tuple[str, tuple[str, ...], float]]


def plan(q: wq.Query, columns: Container[tuple[str, str]] | None = None) -> Plan | None:
    """The query as a Plan when it is an Or-tree of Terms and Phrases, else None.

    Whoosh searches the query as given (not normalised), so every leaf counts, duplicates
    included. A phrase must share a term with the query in its field, so that the documents it
    matches are already among those the terms match (the total stays a count of nonzero rows).
    """
    p = Plan([], [])
    stack = [q]
    while stack:
        node = stack.pop()
        if type(node) is wq.Or and node.boost == 1.0 and not node.scale and not node.minmatch:
            stack.extend(node.subqueries)
        elif type(node) is wq.Term and isinstance(node.text, str):
            p.terms.append((node.fieldname, node.text, float(node.boost)))
        elif type(node) is wq.Phrase and node.slop == 1 and len(node.words) > 1:
            p.phrases.append((node.fieldname, tuple(node.words), float(node.boost)))
        else:
            return None
    if columns is not None:  # a phrase with a word its field lacks matches nothing
        p.phrases = [ph for ph in p.phrases if all((ph[0], w) in columns for w in ph[1])]
    fields_terms = {(f, t) for f, t, _ in p.terms}
    for f, words, _ in p.phrases:
        if not any((f, w) in fields_terms for w in words):
            return None
    return p


def rank_sparse(
    snap: Snapshot, p: Plan, limit: int, mask: np.ndarray | None = None
) -> tuple[list[tuple[int, float]], int]:
    """Rank a Plan from the sparse matrix; same rows, scores and order as Whoosh's search
    (but see PHRASE_MAX_CHECKS). Term scores are one bincount; phrases: `_add_phrases`."""
    sx = snap.sparse
    assert sx is not None
    scores = sx.scores(p.terms)
    if mask is not None:
        allowed = mask if snap.doc_rows is None else _doc_mask(mask, snap.doc_rows)
        scores[~allowed] = 0.0
    matched = np.flatnonzero(scores > 0)
    total = len(matched)
    if p.phrases and total:
        _add_phrases(snap, p, scores, matched, limit)
    top = _top(scores, matched, limit)
    rows = [(snap.row_of_doc(int(d)), float(scores[d])) for d in top]
    return rows, total


PHRASE_FIRST_CHECKS = 128  # documents whose phrases are checked before the first look at the bound
#: At most this many documents get their phrases checked (about 10 µs each). Past it, documents
#: keep their term score: rankings differ from Whoosh's only when more than this many documents
#: lie within a phrase bonus of the limit-th best (near-duplicates, as in synthetic corpora).
PHRASE_MAX_CHECKS = 1024


def _add_phrases(
    snap: Snapshot, p: Plan, scores: np.ndarray, matched: np.ndarray, limit: int
) -> None:
    """Add the phrase bonuses (in place) of the documents that can reach the top `limit`.

    A phrase adds boost x (its words' scores in the field) where it occurs, so a document's
    bonus if the phrase is there is known from the matrix; whether it is there needs positions,
    read from Whoosh's postings. Documents are checked best possible score first, in growing
    rounds, and checking stops once the next one's term score plus every bonus it might get
    stays below the limit-th best score so far (a lower bound of the final one).
    """
    sx = snap.sparse
    assert sx is not None
    potential = np.zeros_like(scores)
    phrases = []
    for fname, words, boost in p.phrases:
        docs = sx.docs_with_all(fname, words)
        docs = docs[scores[docs] > 0]  # not filtered out
        bonus = boost * sum(sx.values_at(fname, w, docs) for w in words)
        potential[docs] += bonus
        phrases.append((fname, words, docs, bonus))
    # documents at or above the limit-th best term score: the final limit-th best is there
    floor = _kth_largest(scores[matched], limit) if len(matched) > limit else 0.0
    upper = scores + potential
    pool = matched[upper[matched] >= floor]
    todo = pool[potential[pool] > 0]
    todo = todo[np.argsort(-upper[todo], kind="stable")][:PHRASE_MAX_CHECKS]
    reader = snap.searcher().reader()
    done, size = 0, PHRASE_FIRST_CHECKS
    while done < len(todo):
        batch = np.sort(todo[done : done + size])
        done, size = done + len(batch), size * 2
        for fname, words, docs, bonus in phrases:
            at = np.searchsorted(docs, batch)
            inside = at < len(docs)
            inside[inside] = docs[at[inside]] == batch[inside]
            if inside.any():
                check, where = batch[inside], at[inside]
                hit = sparse.phrase_matches(reader, fname, words, check)
                scores[check[hit]] += bonus[where[hit]]
        if done < len(todo) and len(pool) > limit:
            # unchecked documents still hold their term score: a lower bound
            if upper[todo[done]] < _kth_largest(scores[pool], limit):
                break


def _doc_mask(mask: np.ndarray, doc_rows: np.ndarray) -> np.ndarray:
    """A per-row mask as a per-docnum one (docnums without a row are never allowed)."""
    ok = doc_rows >= 0
    out = np.zeros(len(doc_rows), dtype=bool)
    out[ok] = mask[doc_rows[ok]]
    return out


def _kth_largest(values: np.ndarray, k: int) -> float:
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _top(scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """The best `limit` docnums, by score then lower docnum first (Whoosh's tie order)."""
    cand = candidates[scores[candidates] > 0]
    if len(cand) > limit:
        cand = cand[scores[cand] >= _kth_largest(scores[cand], limit)]
    order = np.lexsort((cand, -scores[cand]))
    return cand[order[:limit]]



def coverage(snap: Snapshot, exp: Expansion, ignore: frozenset[str] = frozenset()) -> np.ndarray:
    """Per row, the share of the typed words (weighted by rarity) that the passage holds.

    A word the corpus does not know weighs most, so "offentlig svømmehal" is not covered by a
    passage that only says "offentlig". Words in `ignore` (what a question asks, not what it is
    about: "koster", "budget") do not count unless nothing else was typed. Computed for every
    row at once from the postings: a few numpy operations per typed word."""
    n = len(snap.passages)
    groups = exp.typed_groups
    topical = [g for g in groups if not set(g) <= ignore]
    groups = topical or groups
    if not groups or not n:
        return np.zeros(n, dtype=np.float64)
    total = np.zeros(n, dtype=np.float64)
    weight_sum = 0.0
    for group in groups:
        hit = np.zeros(n, dtype=bool)
        for t, kind in group.items():
            if kind not in STRONG_KINDS:
                continue
            for f in FIELD_BOOSTS:
                if t in snap.field_terms[f]:
                    hit[rows_with(snap, f, t)] = True
        weight = float(np.log(1 + n / (hit.sum() + 1)))
        total += weight * hit
        weight_sum += weight
    return total / weight_sum


def rows_with(snap: Snapshot, fieldname: str, term: str) -> np.ndarray:
    """The rows whose field holds the term."""
    if term not in snap.field_terms.get(fieldname, ()):
        return np.zeros(0, dtype=np.int64)
    if snap.sparse is not None:
        col = snap.sparse.column(fieldname, term)
        docs = col[0] if col is not None else np.zeros(0, dtype=np.int64)
    else:
        try:
            matcher = snap.searcher().reader().postings(fieldname, term)
            docs = np.fromiter(matcher.all_ids(), dtype=np.int64)
        except Exception:  # a term the field lacks
            docs = np.zeros(0, dtype=np.int64)
    if snap.doc_rows is not None:
        docs = snap.doc_rows[docs]
        docs = docs[docs >= 0]
    return docs
