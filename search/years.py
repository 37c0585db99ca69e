"""An area across the years: the same area in several documents of one municipality and
committee, with its net budget by year and the change from the year before.

Computed once per index generation from the amounts table (the snapshot's areas) and the
sidecars' [renamed] tables (kept in the manifest), and read by the area page, the API and the
`change` answers alike. Titles match after folding dashes, case, spacing and administrative
prefixes ("Fagcenter Børn, Læring og Uddannelse" is "Børn, Læring og Uddannelse" next year); a
name that changed more than that is joined only through [renamed]. Unknown amounts stay unknown:
a change next to one is None, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from search.snapshot import AreaSummary, Snapshot

#: Words that say what kind of unit an area is, not which: dropped before titles are compared.
PREFIXES = ("fagcenter", "fagcentret", "center for", "centret for", "afdeling for",
            "afdelingen for", "området", "område", "sekretariatet for", "stabsområde", "stab")
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")
_PREFIX = re.compile(r"^(?:" + "|".join(re.escape(p) for p in PREFIXES) + r")\b[\s:,-]*")


@dataclass(frozen=True)
class YearAmount:
    """One year of an area: its document, its title that year, its amount and the change."""

    year: int
    document: str
    area: str
    amount_kr: int | None
    change_kr: int | None = None  # from the row before; None when either amount is unknown
    change_pct: float | None = None  # change_kr in % of the row before's amount (1 decimal)

    def to_json(self) -> dict:
        return {"year": self.year, "document": self.document, "area": self.area,
                "amount_kr": self.amount_kr, "change_kr": self.change_kr,
                "change_pct": self.change_pct}  # fmt: skip


@dataclass(frozen=True)
class AreaYears:
    """One area of one municipality and committee, year by year (oldest first)."""

    municipality: str
    committee: str
    title: str  # its newest title
    rows: tuple[YearAmount, ...]

    def span(self, first: int | None = None, last: int | None = None) -> AreaYears:
        """The years from `first` to `last` (both included), changes counted within them."""
        kept = [r for r in self.rows if (first is None or r.year >= first)
                and (last is None or r.year <= last)]  # fmt: skip
        return AreaYears(self.municipality, self.committee, self.title, with_changes(kept))


def title_key(title: str) -> str:
    """What two titles of the same area share: 'Fagcenter Børn – Læring' ~ 'børn-læring'."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = _DASHES.sub("-", text)
    text = " ".join(text.split())
    return _PREFIX.sub("", text).strip() or text


def with_changes(rows: Iterable[YearAmount]) -> tuple[YearAmount, ...]:
    """The rows (oldest first) with each one's change from the year before: None where either
    amount is unknown, and where the year before has several rows (two documents of one
    municipality, committee and year: which one it changed from is not ours to guess). Two
    rows of the same year are never a change, and never added together."""
    out: list[YearAmount] = []
    before: list[YearAmount] = []  # the rows of the year before the current row's
    this: list[YearAmount] = []  # the rows of the current row's year so far
    for r in rows:
        if this and r.year != this[0].year:
            before, this = this, []
        this.append(r)
        previous = before[0].amount_kr if len(before) == 1 else None
        change = pct = None
        if previous is not None and r.amount_kr is not None:
            change = r.amount_kr - previous
            pct = round(change / abs(previous) * 100, 1) if previous else None
        out.append(YearAmount(r.year, r.document, r.area, r.amount_kr, change, pct))
    return tuple(out)


Key = tuple[str, str, str]  # municipality, committee, title_key


def group(areas: Sequence[AreaSummary], renamed: Mapping[str, Mapping[str, Sequence[str]]]
          ) -> dict[tuple[str, str], AreaYears]:  # fmt: skip
    """(document, area) -> that area's years, for every area of the table. `renamed`: per
    document, {title: [earlier titles]}, from the sidecars."""
    scope = {a.document: (a.municipality, a.committee) for a in areas}
    alias: dict[Key, Key] = {}  # older key -> newer key
    for document, table in renamed.items():
        if document not in scope:
            continue
        for title, earlier in table.items():
            new = (*scope[document], title_key(title))
            for old in earlier:
                old_key = (*scope[document], title_key(old))
                if old_key != new:
                    alias[old_key] = new

    def canonical(key: Key) -> Key:
        seen = {key}
        while key in alias and alias[key] not in seen:  # a chain of renames, never a loop
            key = alias[key]
            seen.add(key)
        return key

    members: dict[Key, list[AreaSummary]] = {}
    for a in areas:
        key = canonical((a.municipality, a.committee, title_key(a.area)))
        members.setdefault(key, []).append(a)
    out: dict[tuple[str, str], AreaYears] = {}
    for (municipality, committee, _key), found in members.items():
        found.sort(key=lambda a: (a.year, a.document))
        rows = with_changes(YearAmount(a.year, a.document, a.area, a.amount_kr) for a in found)
        years = AreaYears(municipality, committee, found[-1].area, rows)
        for a in found:
            out[(a.document, a.area)] = years
    return out


def of_snapshot(snap: Snapshot) -> dict[tuple[str, str], AreaYears]:
    """The grouping of one generation, computed on first use and kept with it."""
    return snap.memo("years", lambda: group(snap.areas, snap.manifest.renamed or {}))


def area_years(snap: Snapshot, document: str, area: str) -> AreaYears | None:
    return of_snapshot(snap).get((document, area))
