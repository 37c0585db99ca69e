"""Search filters: what the user asked to keep (area, year, amount, …), resolved against the
index's own names, and expressed the two ways the search reads them.

One table (`FIELDS`) says which snapshot column and which Whoosh field each filter reads, so the
per-row mask (numpy, used by the sparse keyword path and the vector scan) and the Whoosh query
(for what only Whoosh answers: prefixes, exclusions) cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
from whoosh import query as wq

from search.query import whole_number

if TYPE_CHECKING:
    from search.query import ParsedQuery
    from search.snapshot import Snapshot

#: Exact-value filters: name -> the Whoosh field that holds it (the snapshot column is the
#: passage attribute of the same name).
FIELDS = {"area": "area_key", "section": "section_key", "committee": "committee",
          "municipality": "municipality", "document": "document"}  # fmt: skip
NAMED = ("area", "section", "committee", "municipality", "document")  # matched by name
NUMBERS = ("year", "min_amount", "max_amount")
YEARS = (1000, 9999)  # a budget year; and Whoosh's year field is 32-bit
AMOUNT_LIMIT = 2**62  # amounts stay within the 64-bit field


class FilterError(ValueError):
    """A filter given by the caller (not typed in the query) that is no whole number."""


@dataclass(frozen=True)
class Filters:
    area: str | None = None
    section: str | None = None
    committee: str | None = None
    year: int | None = None
    municipality: str | None = None
    document: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None

    def active(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def mask(self, snap: Snapshot) -> np.ndarray | None:
        """Per row, whether the passage passes (None: no filter, every row does)."""
        active = self.active()
        if not active:
            return None
        ok = np.ones(len(snap.passages), dtype=bool)
        for name in (*FIELDS, "year"):
            if name in active:
                col, codes = snap.column(name)
                code = codes.get(active[name])
                if code is None:
                    ok[:] = False
                else:
                    ok &= col == code
        if self.min_amount is not None or self.max_amount is not None:
            amounts, known = snap.amounts()
            ok &= known
            if self.min_amount is not None:
                ok &= amounts >= self.min_amount
            if self.max_amount is not None:
                ok &= amounts <= self.max_amount
        return ok

    def whoosh_query(self) -> wq.Query | None:
        """The same filter as a Whoosh query (None: no filter)."""
        parts: list[wq.Query] = []
        for name, fieldname in FIELDS.items():
            value = getattr(self, name)
            if value is not None:
                parts.append(wq.Term(fieldname, value))
        if self.year is not None:
            parts.append(wq.NumericRange("year", self.year, self.year))
        if self.min_amount is not None or self.max_amount is not None:
            parts.append(wq.NumericRange("amount", self.min_amount, self.max_amount))
            parts.append(wq.Term("has_amount", True))
        return wq.And(parts) if parts else None


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
                message = f"Ingen {name} hedder {values[name]!r}."
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
