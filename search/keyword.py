"""Keyword ranking: BM25F over area title, headings and body, with Danish query expansion.

Each query word becomes a group of weighted terms: the word itself, its compound parts, the
corpus's compounds that start or end with it, glossary expansions, and a spelling correction
when the corpus does not know the word at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq

from index.analysis import STOPWORDS, is_protected, stem, term_forms
from index.fulltext import FIELD_BOOSTS
from search import glossary
from search.query import ParsedQuery
from search.snapshot import Snapshot

#: How much a query term counts, by how it was derived from what the user typed.
KIND_BOOST = {"word": 1.0, "join": 1.0, "part": 0.5, "compound": 0.45, "glossary": 0.35,
              "spelling": 0.9, "phrase": 2.0}  # fmt: skip
MIN_EXPAND = 4  # shortest word whose compounds are looked up


@dataclass
class Expansion:
    """What the query was turned into: terms by kind, and any spelling corrections made."""

    groups: list[dict[str, str]] = field(default_factory=list)  # per query word: term -> kind
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> corrected word

    @property
    def terms(self) -> set[str]:
        return {t for g in self.groups for t in g}


def expand(parsed: ParsedQuery, snap: Snapshot) -> Expansion:
    exp = Expansion()
    lexicon = snap.field_terms["body"] | snap.field_terms["area"] | snap.field_terms["heading"]
    words = [w for w in parsed.words if w]
    for i, word in enumerate(words):
        group: dict[str, str] = {}
        for sub in _subwords(word):
            _expand_word(sub, snap, lexicon, group, exp)
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


def _subwords(word: str) -> list[str]:
    """IT-sikkerhed -> IT, sikkerhed; KL's -> KL (a genitive s is no word)."""
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
    found = any(t in lexicon for t in group)
    for probe in {head, lower}:
        if len(probe) < MIN_EXPAND:
            continue
        for t in snap.prefixed(probe) + snap.suffixed(probe):
            if t != head and (t.startswith(probe) or len(t) - len(probe) >= 3):
                group.setdefault(t, "compound")
                found = True
    if not found and lower not in STOPWORDS:
        fixed = snap.speller.correct(lower)
        if fixed:
            exp.corrections[word] = fixed
            for t, _ in term_forms(fixed, snap.vocab):
                group.setdefault(t, "spelling")


def build_query(parsed: ParsedQuery, exp: Expansion, snap: Snapshot) -> wq.Query | None:
    subqueries: list[wq.Query] = []
    for group in exp.groups:
        terms = [
            wq.Term(f, t, boost=boost * KIND_BOOST[kind])
            for t, kind in group.items()
            for f, boost in FIELD_BOOSTS.items()
            if t in snap.field_terms[f]  # a term no passage has only slows the matcher down
        ]
        if terms:
            subqueries.append(wq.Or(terms))
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
    if parsed.phrases and not exp.groups:
        q = wq.Or(subqueries)
    excluded = [t for w in parsed.excluded for t, _ in term_forms(w, None)]
    if excluded:
        q = wq.AndNot(q, wq.Or([wq.Term(f, t) for t in excluded for f in FIELD_BOOSTS]))
    return q


def rank(
    snap: Snapshot, q: wq.Query, filter_q: wq.Query | None, limit: int
) -> tuple[list[tuple[int, float]], int]:
    """(row, score) pairs, best first, and how many passages matched in all."""
    s = snap.searcher()
    results = s.search(q, limit=limit, filter=filter_q)
    rows = [(snap.row_of[hit["id"]], float(hit.score)) for hit in results]
    return rows, len(results)
