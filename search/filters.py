"""Search filters: what the user asked to keep (area, year, amount, …), resolved against the
index's own names, and expressed once: as a per-row mask over the snapshot's columns.

The keyword ranking and the vector scan both read that one mask, so they cannot disagree; the
keyword index holds no filter fields (at 100k passages they were 40 % of its postings and of
its build time).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from search.query import whole_number

if TYPE_CHECKING:
    from search.query import ParsedQuery
    from search.snapshot import Snapshot

#: Exact-value filters, each the snapshot column of the passage attribute of the same name,
#: matched by name.
NAMED = ("area", "section", "committee", "municipality", "document")
NUMBERS = ("year", "min_amount", "max_amount")
#: The filters' names in Danish, for the messages a user reads ("Intet område hedder …").
DANISH_NAMES = {"area": "Intet område", "section": "Ingen overskrift", "committee": "Intet udvalg",
                "municipality": "Ingen kommune", "document": "Intet dokument"}  # fmt: skip
YEARS = (1000, 9999)  # a budget year
AMOUNT_LIMIT = 2**62  # amounts stay within the 64-bit column


def values_of(value: object) -> tuple[object, ...]:
    """A filter's values: one, or the several a question named ("Kommune 3 og Kommune 4")."""
    return value if isinstance(value, tuple) else (value,)


class FilterError(ValueError):
    """A filter given by the caller (not typed in the query) that is no whole number."""


@dataclass(frozen=True)
class Filters:
    """What the caller keeps to, one value a field; a question's named scope may set several
    committees, municipalities or years (a tuple: any of them)."""

    area: str | None = None
    section: str | None = None
    committee: str | tuple[str, ...] | None = None
    year: int | tuple[int, ...] | None = None
    municipality: str | tuple[str, ...] | None = None
    document: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None

    def active(self) -> dict[str, object]:
        # fields read directly: asdict deep-copies, ~0.1 ms of every search's 3 ms (seed)
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    def mask(self, snap: Snapshot) -> np.ndarray | None:
        """Per row, whether the passage passes (None: no filter, every row does)."""
        active = self.active()
        if not active:
            return None
        ok = np.ones(len(snap.passages), dtype=bool)
        for name in (*NAMED, "year"):
            if name in active:
                col, codes = snap.column(name)
                wanted = [codes.get(v) for v in values_of(active[name])]
                wanted = [c for c in wanted if c is not None]
                if not wanted:
                    ok[:] = False
                else:
                    ok &= col == wanted[0] if len(wanted) == 1 else np.isin(col, wanted)
        if self.min_amount is not None or self.max_amount is not None:
            amounts, known = snap.amounts()
            ok &= known
            if self.min_amount is not None:
                ok &= amounts >= self.min_amount
            if self.max_amount is not None:
                ok &= amounts <= self.max_amount
        return ok



def resolve(snap: Snapshot, parsed: ParsedQuery, given: Filters) -> tuple[Filters, str | None]:
    """Typed filters (area:...) join the given ones; names match case- and dash-blind, numbers
    are read leniently. A bad typed filter is dropped with a message (a query is never an
    error); a bad given one raises FilterError."""
    values = given.active()
    for name, value in parsed.filters.items():
        values.setdefault(name, value)
    message = None
    for name in NAMED:
        if name in values:
            known = {norm(v): v for v in snap.values(name)}
            wanted = norm(values[name])
            match = known.get(wanted) or next(
                (v for n, v in known.items() if wanted and wanted in n), None
            )
            if match is None:
                message = f"{DANISH_NAMES[name]} hedder »{values[name]}«."
                match = str(values[name])
            values[name] = match
    for name in NUMBERS:
        if name in values:
            number = whole_number(values[name])
            if number is not None and name == "year" and not YEARS[0] <= number <= YEARS[1]:
                number = None
            elif number is not None:
                number = max(-AMOUNT_LIMIT, min(AMOUNT_LIMIT, number))
            if number is not None:
                values[name] = number
            elif name in given.active():
                bad = values[name]
                raise FilterError(f"{name} skal være et gyldigt helt tal, ikke {bad!r}.")
            else:  # typed in the query box: drop it and say so, never fail
                message = f"{name}:{values.pop(name)} er ikke et gyldigt tal og blev ignoreret."
    return Filters(**values), message


def norm(value: object) -> str:
    text = unicodedata.normalize("NFC", str(value)).replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip().casefold()
