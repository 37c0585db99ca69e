"""Facet counts over a result set, as datasette-style dicts the templates only print."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.building.passage_table import PassageTable

FACETS = ("area", "section", "committee", "year", "municipality")
ALWAYS = ("area", "section")  # the others only when the corpus has more than one value
#: Values listed per facet, the most frequent first (the selected one always): a word in
#: 300,000 passages of a national corpus would otherwise list every area name there is.
FACET_VALUES = 50
NUMBERS = ("year",)  # counted from the table's column (per value, not per row in Python)


def facet_counts(
    passages: PassageTable,
    rows: Sequence[int],
    selected: dict[str, object],
    corpus_values: dict[str, int],
) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Per facet its values with their counts, and per facet cut at FACET_VALUES how many
    values were left out."""
    out: dict[str, list[dict]] = {}
    more: dict[str, int] = {}
    for name in FACETS:
        if name not in ALWAYS and corpus_values.get(name, 0) < 2:
            continue
        counts = _numbers(passages, name, rows) if name in NUMBERS else passages.counts(name, rows)
        counts.pop("", None)
        chosen = selected.get(name)
        # one value, or the several a question named ("Kommune 3 og Kommune 4")
        chosen_all = set() if chosen is None else {
            str(v) for v in (chosen if isinstance(chosen, tuple) else (chosen,))}  # fmt: skip
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        if len(ordered) > FACET_VALUES:
            kept = ordered[:FACET_VALUES]
            kept += [kv for kv in ordered[FACET_VALUES:] if str(kv[0]) in chosen_all]
            more[name] = len(ordered) - len(kept)
            ordered = kept
        out[name] = [
            {"value": v, "label": str(v), "count": c, "selected": str(v) in chosen_all}
            for v, c in ordered
        ]
    return out, more


def _numbers(passages: PassageTable, name: str, rows: Sequence[int]) -> dict[object, int]:
    """How many of `rows` have each value of an integer attribute: at a million matches a
    Python pass over the rows took most of a second."""
    got = passages.column(name)[np.asarray(rows, dtype=np.int64)]
    if not len(got):
        return {}
    lo, hi = int(got.min()), int(got.max())
    if hi - lo < 100_000:  # years: a bincount, no sort
        found = np.bincount(got - lo)
        return {lo + v: int(c) for v, c in enumerate(found.tolist()) if c}
    values, counts = np.unique(got, return_counts=True)
    return {int(v): int(c) for v, c in zip(values.tolist(), counts.tolist(), strict=True)}
