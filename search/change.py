"""`change` answers: how an area's net budget moved over the years.

"Hvor meget er Jobcenter steget siden 2023?", "Borgerservice 2022 til 2024", "how did the IT
budget change": a question that names an area and asks for a change (a change word, or two years)
is answered from the area's years (search.years), when the index holds it in at least two years.
Otherwise it is left to the other answers, so a corpus of one year answers as before.
"""

from __future__ import annotations

import re
from collections import Counter

from search import answer as answers
from search import intent as intents
from search import years
from search.results import Answer, AnswerRow
from search.snapshot import Snapshot

CHANGE = re.compile(
    r"\b(steg\w*|stig\w*|vokse\w*|vokset|vækst|fald\w*|faldt|reducere\w*|beskåret|ændr\w*|"
    r"forskel\w*|siden|udviklet sig|over årene|år for år|fra år til år|"
    r"chang\w*|increas\w*|decreas\w*|grow\w*|grew|grown|rise|risen|rose|fell|fallen|drop\w*|"
    r"since|over the years|year on year|compared)\b",
    re.I,
)  # fmt: skip
_YEAR = r"((?:19|20)\d\d)"
SPAN = re.compile(rf"\b{_YEAR}\s*(?:til|to|-|–|og|and|mod|vs\.?|versus)\s*{_YEAR}\b", re.I)
SINCE = re.compile(rf"\b(?:siden|since|fra|from|efter|after)\s+{_YEAR}\b", re.I)
#: Filters that choose which areas' years are in scope (a year filter does not narrow a change).
SCOPE = ("municipality", "committee", "document", "area")


def span(text: str) -> tuple[int | None, int | None] | None:
    """(first, last) year the question asks about; None when it asks no change."""
    m = SPAN.search(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return min(a, b), max(a, b)
    if not CHANGE.search(text):
        return None
    m = SINCE.search(text)
    if m:
        return int(m.group(1)), None
    found = re.findall(rf"\b{_YEAR}\b", text)
    return (int(found[0]), None) if len(found) == 1 else (None, None)


def answer(snap: Snapshot, text: str, expanded: set[str],
           filters: dict[str, object]) -> Answer | None:  # fmt: skip
    """The change answer, or None (not a change question, no area named, or one year only)."""
    wanted = span(text)
    if wanted is None:
        return None
    scope = [a for a in snap.areas
             if all(getattr(a, f) == filters[f] for f in SCOPE if f in filters)]  # fmt: skip
    lineage = {(a.document, a.area): years.area_years(snap, a.document, a.area) for a in scope}
    # a word is distinctive when one area's history uses it (under any of its titles):
    # "IT" names "Digitalisering og IT" and "IT, Digitalisering og Cybersikkerhed" alike
    df = Counter(t for h in {id(h): h for h in lineage.values() if h}.values()
                 for t in set().union(*(intents.title_words(r.area) for r in h.rows)))  # fmt: skip
    named = intents.named_areas(intents.typed_terms(text) | expanded, [a.area for a in scope], df)
    if not named:
        return None
    histories: dict[int, years.AreaYears] = {}
    for (_doc, area), found in lineage.items():
        if area in named and found is not None:
            histories.setdefault(id(found), found.span(*wanted))
    # two years at least: two documents of one year are no change (each is its own row)
    shown = [h for h in histories.values() if len({r.year for r in h.rows}) >= 2]
    if not shown:
        return None
    shown.sort(key=lambda h: (h.municipality, h.committee))
    rows = tuple(
        AnswerRow(r.area, r.amount_kr, r.document, h.municipality, h.committee, r.year, None,
                  r.change_kr, r.change_pct)
        for h in shown for r in h.rows
    )  # fmt: skip
    first, last = shown[0].rows[0], shown[0].rows[-1]
    change = (last.amount_kr - first.amount_kr
              if first.amount_kr is not None and last.amount_kr is not None else None)  # fmt: skip
    if sum(r.year in (first.year, last.year) for r in shown[0].rows) > 2:
        change = None  # the first or last year in two documents: from which, to which?
    documents = tuple(dict.fromkeys(r.document for r in rows))
    in_scope = sum(a.amount_kr or 0 for a in snap.areas if a.document in documents)
    budgets = {r.document: (r.municipality, r.committee, r.year) for r in rows}
    same = set(answers.clashes(budgets, budgets))
    return Answer(
        kind="change", title=f"{shown[0].title}: nettobudget {first.year}–{last.year}",
        rows=rows, total_kr=change if len(shown) == 1 else None, corpus_total_kr=in_scope,
        documents=documents, same_budget=tuple(d for d in documents if budgets[d] in same),
    )  # fmt: skip
