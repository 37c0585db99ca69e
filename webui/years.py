"""Areas across documents: one area's net budget by year (the area page, its JSON), and which
municipality, committee or year a listing of areas is narrowed to (`/api/areas?year=2025`).

The years themselves are grouped once per index generation by search.years; this only adds the
links and the bar geometry the page draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search import years
from search.snapshot import Snapshot
from webui.formatting import bar_width

#: `/api/areas` filters (read by webui.data.area_filters): the metadata, matched case-blind.
AREA_FILTERS = ("municipality", "committee", "year")


def matches(area: Any, filters: dict[str, str | int]) -> bool:
    """Does an area (an AreaSummary) belong to the filtered listing?"""
    for name, wanted in filters.items():
        value = getattr(area, name)
        if isinstance(wanted, int):
            if value != wanted:
                return False
        elif str(value).casefold() != wanted.casefold():
            return False
    return True


def years_data(snap: Snapshot, document: str, area: str,
               url_of: Callable[[str, str], str]) -> list[dict[str, Any]]:  # fmt: skip
    """The area's years, oldest first: amount, change from the year before, each year's page
    (`url_of(document, area)`), the year shown (`current`) and its bar (0..BAR_WIDTH)."""
    found = years.area_years(snap, document, area)
    if found is None:
        return []
    biggest = max((abs(r.amount_kr) for r in found.rows if r.amount_kr is not None), default=0)
    out = []
    for r in found.rows:
        width = bar_width(r.amount_kr, biggest)
        out.append({
            **r.to_json(), "url": url_of(r.document, r.area),
            "current": r.document == document, "bar": width,
            "negative": r.amount_kr is not None and r.amount_kr < 0,
        })  # fmt: skip
    return out
