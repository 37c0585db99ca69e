"""Facet counts over a result set, as datasette-style dicts the templates only print."""

from __future__ import annotations

from collections.abc import Sequence

from index.building.passage_table import PassageTable

FACETS = ("area", "section", "committee", "year", "municipality")
ALWAYS = ("area", "section")  # the others only when the corpus has more than one value


def facet_counts(
    passages: PassageTable,
    rows: Sequence[int],
    selected: dict[str, object],
    corpus_values: dict[str, int],
) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for name in FACETS:
        if name not in ALWAYS and corpus_values.get(name, 0) < 2:
            continue
        counts = passages.counts(name, rows)
        counts.pop("", None)
        chosen = selected.get(name)
        out[name] = [
            {"value": v, "label": str(v), "count": c, "selected": str(v) == str(chosen)}
            for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]
    return out
