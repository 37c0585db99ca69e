"""The answer card: when a query names an area or asks what something costs, show that area
and its net budget above the passages ("Hvad koster brandvæsenet?", "IT budget")."""

from __future__ import annotations

import functools
from collections import Counter

from index.analysis import analyze, stem
from search.results import Answer
from search.snapshot import AreaSummary

#: Words that ask for an amount, Danish and English (stemmed when matched).
BUDGET_WORDS = frozenset(
    stem(w) for w in (
        "koster koste budget budgettet nettobudget beløb beløbet kr kroner penge mio udgift "
        "udgifter bevilling bevilget afsat økonomi cost costs spent spend spending budgeted "
        "money amount expenditure"
    ).split()
)  # fmt: skip
GENERIC = frozenset(stem(w) for w in "område området fagcenter kommune".split())


@functools.lru_cache(maxsize=4096)
def _title_terms(title: str) -> frozenset[str]:
    terms = {t.text for t in analyze(title) if t.kind == "word"}
    return frozenset(terms - GENERIC) or frozenset(terms)


def find_answer(query_terms: set[str], areas: list[AreaSummary], top_area: str | None
                ) -> Answer | None:  # fmt: skip
    """The area the query names (all its distinctive title words present), else, for a budget
    question, the best-ranked area."""
    if not areas or not query_terms:
        return None
    df = Counter(t for a in {x.area for x in areas} for t in _title_terms(a))
    best: tuple[float, AreaSummary] | None = None
    for a in areas:
        title = _title_terms(a.area)
        hit = title & query_terms
        # named: every title word, or one word no other area's title has ("brandvæsen")
        if hit and (hit == title or any(df[t] == 1 for t in hit)):
            score = len(hit) / len(title) + sum(1 / df[t] for t in hit)
            if best is None or score > best[0]:
                best = (score, a)
    if best is not None:
        return _answer(best[1], "named")
    if query_terms & BUDGET_WORDS and top_area is not None:
        for a in areas:
            if a.area == top_area:
                return _answer(a, "budget")
    return None


def _answer(a: AreaSummary, reason: str) -> Answer:
    return Answer(a.area, a.amount_kr, a.document, a.municipality, a.committee, a.year, reason)
