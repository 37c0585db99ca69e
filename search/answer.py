"""Answers to budget questions, computed from the table of areas and their net amounts.

"Hvad er det samlede budget?", "største område", "områder over 50 mio. kr.", "samlet budget for
demografipuljerne", "Hvad koster brandvæsenet?", "how much does the fire service cost?",
"Borgerservices andel": each is read as one kind of question (`search.intent.Intent`) and
answered here from the amounts of the areas in scope, never from the passage that happens to
rank first. A query that names no area and asks no amount gets no answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from fractions import Fraction

from index.documents.amounts import danish_number
from search.intent import Intent
from search.results import OVER_WORDS, Answer, AnswerRow, Comparison
from search.snapshot import AreaSummary

DEFAULT_ROWS = 5  # a ranking shows this many areas unless the question says how many


@dataclass(frozen=True)
class Scope:
    """What `build` reads of the areas in scope, derived in one pass: thousands of documents
    at national scale, so the engine keeps the unfiltered one per index generation."""

    areas: list[AreaSummary]
    known: list[AreaSummary]  # the areas with an amount
    totals: dict[str, int]  # per document (in order), the sum of its known amounts
    meta: dict[str, tuple[str, str, int]]  # per document: municipality, committee, year
    by_title: dict[str, list[int]]  # positions in `areas` of each title
    newest: frozenset[str]  # each municipality's and committee's latest document(s)
    latest: frozenset[int]  # positions of the areas in their latest year (_latest_positions)
    order: dict[str, int]  # each document's position in `totals`
    current: dict[str, int]  # the totals of the newest documents, in scope order
    #: each area's row, made once per scope (id of the area -> row): an answer at national
    #: scale lists a title's area in ~1,400 documents, 12 ms of rows a query
    rows: dict[int, AnswerRow] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, areas: list[AreaSummary], each_year: bool = False) -> Scope:
        """`each_year`: every year in scope is asked about ("2024 og 2025"), not only each
        committee's latest."""
        totals: dict[str, int] = {}
        meta: dict[str, tuple[str, str, int]] = {}
        by_title: dict[str, list[int]] = {}
        latest: dict[tuple[str, str], int] = {}
        for i, a in enumerate(areas):
            totals[a.document] = totals.get(a.document, 0) + (a.amount_kr or 0)
            meta.setdefault(a.document, (a.municipality, a.committee, a.year))
            by_title.setdefault(a.area, []).append(i)
            key = (a.municipality, a.committee, a.year if each_year else 0)
            latest[key] = max(latest.get(key, a.year), a.year)
        known = [a for a in areas if a.amount_kr is not None]
        newest = frozenset(d for d, (m, c, y) in meta.items()
                           if y == latest[(m, c, y if each_year else 0)])  # fmt: skip
        last = frozenset(_latest_positions(areas, each_year))
        current = {d: t for d, t in totals.items() if d in newest}
        order = {d: i for i, d in enumerate(totals)}
        return cls(areas, known, totals, meta, by_title, newest, last, order, current)

    def titled_latest(self, titles: tuple[str, ...]) -> list[AreaSummary]:
        """The areas of these titles in their latest year, in scope order, from positions found
        once per scope: a title brings every area of that title, so each one's latest year
        among them is its latest in the scope."""
        rows = sorted(i for t in set(titles) for i in self.by_title.get(t, ()) if i in self.latest)
        return [self.areas[i] for i in rows]

    def row(self, a: AreaSummary) -> AnswerRow:
        """The answer row of one of the scope's areas, with its share of its document's total;
        made once per scope (the scope's list keeps each area, so its id stays its own)."""
        made = self.rows.get(id(a))
        if made is None:
            total = self.totals.get(a.document) or 0
            share = round(a.amount_kr / total, 4) if total and a.amount_kr is not None else None
            made = self.rows[id(a)] = AnswerRow(a.area, a.amount_kr, a.document, a.municipality,
                                                a.committee, a.year, share)  # fmt: skip
        return made

    def make_rows(self) -> Scope:
        """Make now the row of every area in its latest year (the rows answers show): for the
        scope every question reads, so no question pays for them (at 1M a title's first card
        was ~7 ms more). A filtered scope is made per question and makes only its own rows."""
        for i in self.latest:
            self.row(self.areas[i])
        return self

    def totals_of(self, documents: AbstractSet[str]) -> dict[str, int]:
        """The totals of these documents, in scope order: what the shares in a card are of."""
        found = sorted((d for d in documents if d in self.order), key=self.order.__getitem__)
        return {d: self.totals[d] for d in found}

    def answer(self, intent: Intent, rows: list[AnswerRow], total: int | None,
               totals: dict[str, int], title: str, sum_label: str | None = None
               ) -> Answer:  # fmt: skip
        """The answer; where two of its documents state the same budget (municipality,
        committee and year), no sum: each row stands with its own document, the title says why."""
        documents = list(dict.fromkeys([*totals, *(r.document for r in rows)]))
        compared = None
        budgets = {self.meta[r.document] for r in rows}
        one_area = len({r.area for r in rows}) == 1
        if len(budgets) > 1 and intent.kind in ("amount", "share", "total") and one_area:
            compared = compare(rows, budgets, "share" if intent.kind == "share" else "amount")
            title = f"{title} i {compared.label}"
            if intent.kind != "total":  # one area in each budget: compared, not one sum
                total = None
        elif len(budgets) > 1 and intent.kind in ("amount", "share"):  # areas of many budgets
            title, total = f"{title} i {spread(budgets)}", None
        doubled = clashes(documents, self.meta)
        if doubled:
            said = "; ".join(f"{m}, {c} {y}" for m, c, y in doubled[:3])
            more = f" og {len(doubled) - 3} flere" if len(doubled) > 3 else ""
            title = f"{title} (ikke lagt sammen: flere dokumenter for {said}{more})"
            total = None
        if total is not None and len(budgets) > 1:
            sum_label = f"Sum på tværs af {spread(budgets)} (ikke ét budget)"
        same = set(doubled)
        # what shares are of: one budget's total (a comparison's rows each have their own)
        corpus_total = None if doubled or compared and total is None else sum(totals.values())
        return Answer(
            kind=intent.kind, title=title, rows=tuple(rows), total_kr=total,
            corpus_total_kr=corpus_total, documents=tuple(totals),
            same_budget=tuple(d for d in documents if self.meta[d] in same),
            comparison=compared, sum_label=sum_label,
            order=("desc" if intent.descending else "asc") if intent.kind == "ranking" else None,
            position=intent.position,
        )  # fmt: skip


BUDGET_FIELDS = ("municipality", "committee", "year")


def spread_of(budgets: AbstractSet[tuple[str, str, int]]) -> tuple[str, int]:
    """What these budgets (municipality, committee, year) differ by, the broadest first, and
    how many of it there are: ("municipality", 5)."""
    for i, name in enumerate(BUDGET_FIELDS):
        n = len({b[i] for b in budgets})
        if n > 1:
            return name, n
    return "municipality", 1


def spread(budgets: AbstractSet[tuple[str, str, int]]) -> str:
    """'5 kommuner', '3 udvalg': what a sum across these budgets is across."""
    over, n = spread_of(budgets)
    one, many = OVER_WORDS[over]
    return f"{n} {one if n == 1 else many}"


def compare(rows: list[AnswerRow], budgets: AbstractSet[tuple[str, str, int]],
            by: str = "amount") -> Comparison:  # fmt: skip
    """The lowest, median and highest of rows from several budgets, by amount or by share
    (rows without an amount are listed, never counted as 0)."""
    over, n = spread_of(budgets)
    known = [r for r in rows if r.amount_kr is not None]
    median = _median([r.amount_kr or 0 for r in known])
    share = None
    if by == "share":
        known = [r for r in known if r.share is not None]
        known.sort(key=lambda r: r.share or 0)
        middle = _median([Fraction(r.share or 0) for r in known])
        share = None if middle is None else round(float(middle), 4)
    else:
        known.sort(key=lambda r: r.amount_kr or 0)
    return Comparison(over=over, budgets=n, with_amount=len(known),
                      lowest=known[0] if known else None,
                      median_kr=None if median is None else round(median),
                      highest=known[-1] if known else None, by=by,
                      median_share=share)  # fmt: skip


def _median(values: list) -> Fraction | None:
    """The middle value, or the mean of the two middle ones (exactly)."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    pair = ordered[mid - 1 : mid + 1] if len(ordered) % 2 == 0 else ordered[mid : mid + 1]
    return Fraction(sum(pair), len(pair))


def _latest_positions(areas: list[AreaSummary], each_year: bool = False) -> set[int]:
    """Positions of each area's latest year (per municipality and committee): a question that
    names no year asks about the budget now, and adding 2024 to 2025 counts one budget twice.
    An area the latest document lacks keeps its last year, which its row shows."""
    if each_year:  # the years asked for ("2024 og 2025"): every one of them
        return set(range(len(areas)))
    latest: dict[tuple[str, str, str], int] = {}
    for a in areas:
        key = (a.municipality, a.committee, a.area)
        latest[key] = max(latest.get(key, a.year), a.year)
    return {
        i for i, a in enumerate(areas) if a.year == latest[(a.municipality, a.committee, a.area)]
    }


def build(intent: Intent, areas: list[AreaSummary] | Scope) -> Answer | None:
    """The answer from the areas in scope (already filtered); None when nothing fits. Where the
    scope holds several years of a committee, each total and area is read from its latest year
    (a year asked for is a filter, so the scope then holds that year only)."""
    scope = areas if isinstance(areas, Scope) else Scope.of(areas)
    row = scope.row

    def of_rows(rows: list[AnswerRow]) -> dict[str, int]:
        return scope.totals_of({r.document for r in rows})

    current = scope.current
    if intent.kind == "total":
        if not scope.known:
            return None
        rows = [AnswerRow("I alt", t, d, *scope.meta[d], 1.0) for d, t in current.items()]
        return scope.answer(intent, rows, sum(current.values()), current, "Samlet nettobudget")
    titled = scope.titled_latest(intent.areas) if intent.areas else []
    if intent.kind in ("amount", "share"):
        if not titled:
            return None
        # newest first; within a year the largest (a national question's card shows its
        # first rows: the biggest municipalities' amounts)
        rows = [row(a) for a in sorted(titled, key=lambda a: (-a.year, -(a.amount_kr or 0)))]
        amount = sum(a.amount_kr or 0 for a in titled if a.amount_kr is not None)
        title = ("Andel af det samlede nettobudget" if intent.kind == "share"
                 else "Områdets nettobudget")  # fmt: skip
        if len({scope.meta[r.document] for r in rows}) > 1:  # one area, several budgets
            title = f"{'Andel af nettobudgettet' if intent.kind == 'share' else 'Nettobudget'}" \
                    f" for {rows[0].area}"  # fmt: skip
        known = any(r.amount_kr is not None for r in rows)
        if len(intent.areas) > 1:  # "brandvæsen og IT": each area, and their sum only where
            # they are one budget's and every one states its amount
            title = f"Nettobudget for {len(intent.areas)} områder"
            one = len({scope.meta[r.document] for r in rows}) == 1
            whole = one and all(r.amount_kr is not None for r in rows)
            if intent.versus and whole:  # compared, largest first: no sum; two, how far apart
                rows.sort(key=lambda r: -(r.amount_kr or 0))
                found = scope.answer(intent, rows, None, of_rows(rows), title)
                if len(rows) != 2:
                    return found
                diff = (rows[0].amount_kr or 0) - (rows[1].amount_kr or 0)
                return replace(found, difference_kr=diff)
            return scope.answer(intent, rows, amount if whole else None, of_rows(rows), title,
                                f"I alt for de {len(rows)} områder" if whole else None)  # fmt: skip
        return scope.answer(intent, rows, amount if known else None, of_rows(rows), title)
    if intent.areas:
        pool = [a for a in titled if a.amount_kr is not None]
    else:
        pool = [a for a in scope.known if a.document in scope.newest]
    if intent.kind == "group":
        rows = sorted((row(a) for a in pool), key=lambda r: -(r.amount_kr or 0))
        if not rows:
            return None
        return scope.answer(intent, rows, sum(r.amount_kr or 0 for r in rows), of_rows(rows),
                            f"Samlet for {len(rows)} områder")  # fmt: skip
    if intent.kind == "threshold":
        lo, hi = intent.low, intent.high
        hits = [a for a in pool if (lo is None or (a.amount_kr or 0) > lo)
                and (hi is None or (a.amount_kr or 0) < hi)]  # fmt: skip
        rows = sorted((row(a) for a in hits), key=lambda r: -(r.amount_kr or 0))
        # no area that large (or small): the title says so, and there is no sum of none
        total = sum(r.amount_kr or 0 for r in rows) if rows else None
        return scope.answer(intent, rows, total, current,
                            _threshold_title(lo, hi, len(rows)))  # fmt: skip
    if intent.kind == "ranking" and intent.position:
        return _placed(intent, scope, pool)
    if intent.kind == "ranking":
        return _ranked(intent, scope, pool)
    return None


def _by_budget(scope: Scope, pool: list[AreaSummary]
               ) -> dict[tuple[str, str, int], list[AreaSummary]]:  # fmt: skip
    """The areas of each budget (municipality, committee, year), in scope order."""
    budgets: dict[tuple[str, str, int], list[AreaSummary]] = {}
    for a in pool:
        budgets.setdefault(scope.meta[a.document], []).append(a)
    return budgets


def _ranked(intent: Intent, scope: Scope, pool: list[AreaSummary]) -> Answer | None:
    """The largest (or smallest) areas of each budget in scope: two municipalities' areas are
    not one list (Kommune 4's job centre is no rival of Kommune 2's), so over several budgets
    each one's own are ranked, grouped by budget: its `limit` largest, or its largest alone
    where the question asks for one area ("største område"), else DEFAULT_ROWS."""
    budgets = _by_budget(scope, pool)
    several = len(budgets) > 1
    limit = intent.limit or (1 if several and intent.one else DEFAULT_ROWS)
    if intent.breakdown:
        limit = max(len(areas) for areas in budgets.values()) if budgets else 0
    rows = []
    for areas in budgets.values():
        ranked = sorted(areas, key=lambda a: (a.amount_kr or 0), reverse=intent.descending)
        rows += [scope.row(a) for a in ranked[:limit]]
    if not rows:
        return None
    word = "Største" if intent.descending else "Mindste"
    title = f"{word} {'område' if limit == 1 else 'områder'} efter nettobudget"
    if intent.breakdown:
        title = "Nettobudgettet fordelt på områder"
    if several:
        title += f" i hver af {spread(set(budgets))}"
    return scope.answer(intent, rows, None, scope.totals_of({r.document for r in rows}), title)


#: "Næststørste", "Tredjemindste": a place in a ranking, as a card's title says it.
PLACES = {2: "Næst", 3: "Tredje", 4: "Fjerde", 5: "Femte", 6: "Sjette", 7: "Syvende",
          8: "Ottende", 9: "Niende", 10: "Tiende"}  # fmt: skip


def _placed(intent: Intent, scope: Scope, pool: list[AreaSummary]) -> Answer | None:
    """The area at one place of the ranking ("næststørste område"), in each budget of the
    scope (a ranking is one budget's: two municipalities' areas are not one list); areas
    with the same amount share the place, and are listed together."""
    budgets = _by_budget(scope, pool)
    place = intent.position or 1
    rows, shared = [], False
    for areas in budgets.values():
        ranked = sorted(areas, key=lambda a: a.amount_kr or 0, reverse=intent.descending)
        if len(ranked) < place:
            continue
        at = ranked[place - 1].amount_kr
        tied = [a for a in ranked if a.amount_kr == at]
        shared = shared or len(tied) > 1
        rows += [scope.row(a) for a in tied]
    if not rows:
        return None
    word = "største" if intent.descending else "mindste"
    name = (PLACES[place] + word) if place in PLACES else f"{place}. {word}"
    if place == 1:
        name = word
    title = f"{name[0].upper()}{name[1:]} område efter nettobudget"
    if len(budgets) > 1:
        title += f" i hver af {spread(set(budgets))}"
    if shared:
        title += " (delt plads: samme beløb)"
    return scope.answer(intent, rows, None, scope.totals_of({r.document for r in rows}), title)


def _threshold_title(lo: int | None, hi: int | None, n: int) -> str:
    def mio(v: int) -> str:
        """'1.234,5 mio. kr.', '0,04 mio. kr.': the bound as asked, exactly, however large."""
        whole, rest = divmod(abs(v), 10**6)
        decimals = f"{rest:06d}".rstrip("0") or "0"
        return f"{'-' if v < 0 else ''}{danish_number(whole)},{decimals} mio. kr."

    if lo is not None and hi is not None:
        cond = f"mellem {mio(lo)} og {mio(hi)}"
    elif lo is not None:
        cond = f"over {mio(lo)}"
    else:
        cond = f"under {mio(hi or 0)}"
    if n == 0:
        return f"Intet område har et nettobudget {cond}"
    return f"{n} {'område' if n == 1 else 'områder'} med et nettobudget {cond}"


def clashes(documents: Iterable[str], meta: dict[str, tuple[str, str, int]]
            ) -> list[tuple[str, str, int]]:  # fmt: skip
    """The budgets (municipality, committee, year) that more than one of these documents
    states: two versions of one budget, or a copy. Their amounts are two answers, not one sum."""
    first: dict[tuple[str, str, int], str] = {}
    out: dict[tuple[str, str, int], None] = {}
    for d in documents:
        key = meta[d]
        if first.setdefault(key, d) != d:
            out[key] = None
    return list(out)
