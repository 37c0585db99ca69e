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
def title_words(title: str) -> frozenset[str]:
    """An area title's distinctive terms (generic words like "område" left out)."""
    terms = {t.text for t in analyze(title) if t.kind == "word"}
    return frozenset(terms - GENERIC) or frozenset(terms)


def find_answer(query_terms: set[str], titles: list[str], top_area: str | None
                ) -> tuple[str, str] | None:  # fmt: skip
    """(area title, reason): the area the query names (all its distinctive title words
    present), else, for a budget question, the best-ranked area. Titles only: which document's
    area of that name to show is the caller's choice."""
    if not titles or not query_terms:
        return None
    df = Counter(t for title in set(titles) for t in title_words(title))
    best: tuple[float, str] | None = None
    for name in titles:
        title = title_words(name)
        hit = title & query_terms
        # named: every title word, or one word no other area's title has ("brandvæsen")
        if hit and (hit == title or any(df[t] == 1 for t in hit)):
            score = len(hit) / len(title) + sum(1 / df[t] for t in hit)
            if best is None or score > best[0]:
                best = (score, name)
    if best is not None:
        return best[1], "named"
    if query_terms & BUDGET_WORDS and top_area is not None and top_area in titles:
        return top_area, "budget"
    return None


def to_answer(a: AreaSummary, reason: str) -> Answer:
    return Answer(a.area, a.amount_kr, a.document, a.municipality, a.committee, a.year, reason)
