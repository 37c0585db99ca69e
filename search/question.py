"""The budget question a query asks, answered from the areas in scope (search.answer), and the
scope the question names: "Hvad koster Jobcenter i Kommune 3?" is about Kommune 3's budget, so
its card and its passages are both Kommune 3's (issue 30); the engine applies `named` to the
passages as a filter the page shows and can remove.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from search import answer as answers
from search import change, expansion, keyword
from search import intent as intents
from search import named_scope as naming
from search.results import Answer, Filters
from search.snapshot import Snapshot

ANSWER_CACHE = 512  # answers kept per generation (frozen: shared by every request)
ANSWER_KINDS = frozenset({"word", "join", "spelling", "part", "variant"})
USAGE_SAMPLE = 2000  # passages read to tell where a word is used
SCOPE_FIELDS = ("area", "committee", "year", "municipality", "document")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: Years listed, not spanned: "2024 og 2025", "2023, 2024 and 2025" (not "2022 til 2024").
YEAR_LIST = re.compile(r"\b(?:19|20)\d\d(?:\s*(?:,|og|and|samt|&)\s*(?:19|20)\d\d)+\b", re.I)


@dataclass(frozen=True)
class Asked:
    """A query's answer, and the scope its words named (not given as filters): what the
    answer was read within, and what the passages are then kept to."""

    answer: Answer | None = None
    named: dict[str, object] = field(default_factory=dict)
    #: Why the question gets no card, in Danish: "Indekset har intet budget fra Holbæk
    #: Kommune; det rummer Kalundborg Kommune." (the response's `message`)
    refused: str | None = None
    #: What the card does not answer that the question asks, in Danish: "Kortet viser
    #: nettobudgettet, ikke et beløb pr. indbygger: indekset har ingen indbyggertal."
    caveat: str | None = None


def ask(snap: Snapshot, text: str, exp: expansion.Expansion, filters: Filters,
        every_area: Callable[[], answers.Scope], named_scope: bool = True,
        unnamed: frozenset[str] = frozenset()) -> Asked:  # fmt: skip
    """The budget question `text` asks, with what its card leaves unanswered (`_ask`)."""
    asked = _ask(snap, text, exp, filters, every_area, named_scope, unnamed)
    per = intents.PER_UNIT.search(text) if asked.answer is not None else None
    if per is None:
        return asked
    unit, counts = intents.per_unit(per.group(1))
    return dataclasses.replace(asked, caveat=(
        f"Kortet viser nettobudgettet, ikke et beløb pr. {unit}: indekset har ingen {counts}."))


def _ask(snap: Snapshot, text: str, exp: expansion.Expansion, filters: Filters,
         every_area: Callable[[], answers.Scope], named_scope: bool = True,
         unnamed: frozenset[str] = frozenset()) -> Asked:  # fmt: skip
    """The budget question `text` asks, answered from the areas the filters allow; with
    `named_scope`, a committee, municipality or year the question names scopes it too
    (without: the question is read over every one, as the page's removed chip asks; `unnamed`:
    the fields read over every one, one removed chip among several). Several of one field
    named ("Kommune 3 og Kommune 4", "2024 og 2025") scope it to exactly those (a tuple)."""
    if not text:
        return Asked()
    held = [str(m) for m in snap.values("municipality") if m]
    if named_scope and "municipality" not in filters.active() and "municipality" not in unnamed:
        if other := naming.unknown_municipality(text, held, snap.values("area")):
            # "Jobcenter i Holbæk" over Kalundborg's budget: not its amount (issue 30); said
            # where it asks one ("samarbejde med Holbæk" is a search, and asks for none)
            probe = naming.without_municipality(text, other)  # "samlet budget for Holbæk"
            if _ask(snap, probe, exp, filters, every_area, named_scope=False).answer is None:
                return Asked()
            why = f"Indekset har intet budget fra {other}; det rummer {_held(held)}."
            return Asked(refused=why)
    expanded = {t for g in exp.groups for t, kind in g.items() if kind in ANSWER_KINDS}
    if moved := change.answer(snap, text, expanded, filters.active()):
        return Asked(moved)  # an area over the years ("steget siden 2023"): search.change
    wanted = filters.active()
    named: dict[str, object] = {}
    named_terms: set[str] = set()
    if named_scope:
        scoped = naming.named_scope(text, {f: snap.values(f) for f in naming.NAMED_SCOPES
                                            if f not in wanted and f not in unnamed})  # fmt: skip
        if scoped is None:
            return Asked()  # another committee's budget: not in these documents
        found, text, named_terms = scoped
        named.update(found)
        years = named_years(text)
        if "year" not in wanted and "year" not in unnamed and years:
            held_years = sorted(int(y) for y in snap.values("year") if y)
            if not set(years) <= set(held_years):
                # a year the documents do not cover: no amount to show, and said where the
                # question asks one ("Jobcenter i 2025" over 2024's budget is not 2024's)
                probe = YEAR.sub(" ", text)
                if _ask(snap, probe, exp, filters, every_area, named_scope=False).answer is None:
                    return Asked()
                missing = [y for y in years if y not in held_years]
                return Asked(refused=f"Indekset har intet budget for {_listed(missing)}; det "
                                     f"rummer {_listed(held_years) or 'budgetter uden år'}.")
            named["year"] = years[0] if len(years) == 1 else years  # "total budget 2024"
    wanted = {**wanted, **named}
    scoping = {f: wanted[f] for f in SCOPE_FIELDS if f in wanted}
    scope, titles = snap.areas_where(scoping)
    if not scope:
        return Asked()
    expanded = {t for g in exp.groups if not named_terms & set(g)
                for t, kind in g.items() if kind in ANSWER_KINDS}  # fmt: skip
    areas = snap.passages

    def usage(term: str) -> Counter:
        rows = np.unique(np.concatenate(
            [keyword.rows_with(snap, f, term) for f in ("body", "heading")]))  # fmt: skip
        return Counter(areas.value("area", r) for r in rows[:USAGE_SAMPLE].tolist())

    intent = intents.read_intent(text, expanded, titles, usage)
    if not intent:
        return Asked()
    if scoping:
        # years named ("2024 og 2025"): each of them, not only each committee's latest
        built = answers.build(intent, answers.Scope.of(
            scope, each_year=isinstance(wanted.get("year"), tuple)))  # fmt: skip
        return Asked(built, named if built is not None else {})
    # every area: the same scope for every query, and the same answer for the same intent
    # ("hvad koster brandvæsen", "budget til brandvæsen"): built once per generation
    cache: dict = snap.memo("answers", dict)
    hit = cache.get(intent, cache)  # (the cache itself: not there)
    if hit is not cache:
        return Asked(hit)
    answer = answers.build(intent, every_area())
    if len(cache) >= ANSWER_CACHE:
        cache.clear()
    cache[intent] = answer
    return Asked(answer)


def named_years(text: str) -> tuple[int, ...]:
    """The year the question names, or the years it lists ("2024 og 2025"); none where it
    names years otherwise ("fra 2022 til 2024" spans the years between as well)."""
    years = tuple(dict.fromkeys(int(y) for y in YEAR.findall(text)))
    if len(years) < 2:
        return years
    listed = YEAR_LIST.search(text)
    if listed and len(set(YEAR.findall(listed.group()))) == len(years):
        return years
    return ()


def _joined(items: list[str]) -> str:
    """"a", "a og b", "a, b og c"."""
    *rest, last = items or [""]
    return f"{', '.join(rest)} og {last}" if rest else last


def _listed(years: list[int]) -> str:
    """"2025", "2024 og 2025", "2019-2025 (7 budgetår)"."""
    if len(years) > 3:
        return f"{years[0]}-{years[-1]} ({len(years)} budgetår)"
    return _joined([str(y) for y in years])


def _held(municipalities: list[str]) -> str:
    """The municipalities the index holds, as the refusal names them: "Kalundborg Kommune",
    "Kalundborg Kommune og Slagelse Kommune", "40 kommuner"."""
    if not municipalities:
        return "budgetter uden kommunenavn"
    if len(municipalities) > 3:
        return f"{len(municipalities)} kommuner"
    return _joined(municipalities)
