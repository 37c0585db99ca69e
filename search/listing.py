"""Every result of a search, in order: the ranked candidates' exact matches, the exact matches
the keyword ranking found beyond them (fetched only as deep as a page asks), then the related
ones. Apart from the engine so that paging and counting read as one thing."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from whoosh import query as wq

from search import keyword, ranking
from search.snapshot import Snapshot
from search.tuning import TUNING, Tuning


class Listing:
    """A search's results in their order, every one of them reachable by `offset`.

    The candidates (each ranking `tuning.candidates` deep, fused: search.ranking) give the exact
    matches first and the related ones after them. The exact matches beyond the candidates (a
    word in 2,000 passages) come between the two, in the keyword ranking's order, fetched only
    as deep as a page asks; the related ones stay the candidates' (a ranking by meaning has no end):
    `capped` says when more of them might qualify than were looked at."""

    def __init__(self, head: list[ranking.Ranked], related: list[ranking.Ranked],
                 tail: np.ndarray | None = None,
                 fetch: Callable[[np.ndarray, int], list[ranking.Ranked]] | None = None,
                 capped: bool = False) -> None:  # fmt: skip
        self.head = head  # the candidates' exact matches, fused order
        self.related = related
        self.tail = tail  # per row: the exact matches beyond the candidates (None: none looked for)
        self.n_tail = 0 if tail is None else int(np.count_nonzero(tail))
        self._fetch = fetch
        self.capped = capped

    @property
    def n_exact(self) -> int:
        return len(self.head) + self.n_tail

    def __len__(self) -> int:
        return self.n_exact + len(self.related)

    def window(self, start: int, stop: int) -> list[ranking.Ranked]:
        """Results start..stop-1 of the whole order."""
        h, e = len(self.head), self.n_exact
        stop = min(stop, len(self))
        out = self.head[start:stop]
        if stop > h and start < e and self._fetch is not None and self.tail is not None:
            out += self._fetch(self.tail, min(stop, e) - h)[max(start - h, 0) :]
        if stop > e:
            out += self.related[max(start - e, 0) : stop - e]
        return out

    def facet_rows(self) -> tuple[np.ndarray, str]:
        """The rows the facets count, and which they are: every exact match where the keyword
        ranking enumerates them (a filter's count is then what its link finds: related passages
        are judged against the best within the filter, so they are not counted), else every
        result listed."""
        if self.tail is not None and self.n_exact:
            head = np.fromiter((r.row for r in self.head), dtype=np.int64, count=len(self.head))
            return np.concatenate([head, np.flatnonzero(self.tail)]), "exact"
        rows = [r.row for r in self.head] + [r.row for r in self.related]
        return np.asarray(rows, dtype=np.int64), "results"


def listing_of(snap: Snapshot, ranked: list[ranking.Ranked], kq: wq.Query | None,
             found: keyword.Found | None, cover: keyword.Coverage | None,
             fused: bool, tuning: Tuning = TUNING) -> Listing:  # fmt: skip
    """Every result of a search: the ranked candidates, and (where a keyword query ran) the
    exact matches it found beyond them. An exact match holds the typed words (exact_share of
    them) and the keyword query matches it; `fused`: the candidates' scores are fused ones, so
    the matches beyond get the keyword part of theirs (search.fusion.convex)."""
    head = [r for r in ranked if r.match == "exact"]
    related = [r for r in ranked if r.match != "exact"]
    if found is None or kq is None:
        return Listing(head, related)
    if len(found.rows) < tuning.candidates:  # every match a candidate: none beyond, none left out
        return Listing(head, related, np.zeros(0, dtype=bool))
    exact = found.matched if cover is None else found.matched & cover.at_least(tuning.exact_share)
    listed = np.fromiter((r.row for r in ranked), dtype=np.int64, count=len(ranked))
    tail = exact.copy()
    tail[listed] = False
    capped = False
    if cover is not None:  # partial matches (some of the words) beyond the candidates
        rest = found.matched & ~exact
        rest[listed] = False
        capped = bool(rest.any())
    top = found.rows[0][1] if found.rows else 1.0
    scale = tuning.alpha / (top or 1.0) if fused else 1.0

    def fetch(tail: np.ndarray, depth: int) -> list[ranking.Ranked]:
        rows, _ = keyword.rank(snap, kq, depth, count=False, mask=tail)
        return [ranking.Ranked(r, s * scale, "exact") for r, s in rows]

    return Listing(head, related, tail, fetch, capped)


def sem_capped(
    sem_rows: list[tuple[int, float]], ranked: list[ranking.Ranked], enumerated: bool,
    depth: int = TUNING.candidates,
) -> bool:
    """Whether the semantic ranking was cut short of passages that would be listed: it gave
    `depth` rows and the last of them is listed as related (or at all, where the keyword
    ranking does not enumerate the exact matches)."""
    if len(sem_rows) < depth:
        return False
    edge = sem_rows[-1][0]
    return any(r.row == edge and (r.match == "related" or not enumerated) for r in ranked)
