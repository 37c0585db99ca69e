"""What a search returns: frozen dataclasses that feed the CLI, the JSON API and the HTML alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from index.documents.document import Passage
from search.filters import Filters

MODES = ("hybrid", "keyword", "semantic")
MAX_K = 100  # results per page, wherever a page is asked for (the UI's and the API's `k`)
#: The most results one search returns (`Engine.search`'s `k`): an export's, all at once.
MAX_ROWS = 10_000
#: Rows of an answer card on a page and in /api/search (rows_total says how many there are;
#: its CSV holds them all): a national question lists one area per municipality, 1,372 rows.
ANSWER_ROWS = 50
__all__ = ["MAX_K", "MAX_ROWS", "MODES", "Answer", "AnswerRow", "Comparison", "Filters", "Hit",
           "NotFound", "SearchError", "SearchResponse", "Unavailable", "check_k",
           "check_mode"]  # fmt: skip


class SearchError(Exception):
    """A request that cannot be answered as asked (a bad mode, number or parameter).

    Domain errors carry no HTTP status: webui/errors.py maps each kind to one."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(SearchError):
    """What was asked for (an area, a passage, a document's PDF, an answer table) is not there."""


class Unavailable(SearchError):
    """A kind of search this engine cannot do now: semantic search without a model."""


def check_mode(mode: str) -> str:
    """The search mode, or a SearchError naming the ones there are."""
    if mode not in MODES:
        raise SearchError(f"Ukendt søgemåde {mode!r}; brug {', '.join(MODES)}.")
    return mode


def check_k(k: int) -> int:
    """Results per page within 1..MAX_K, or a SearchError saying so."""
    if not 1 <= k <= MAX_K:
        raise SearchError(f"k skal være mellem 1 og {MAX_K} (resultater pr. side).")
    return k


@dataclass(frozen=True)
class Hit:
    id: str
    document: str
    municipality: str
    committee: str
    year: int
    area: str
    section: str
    subsection: str
    amount_kr: int | None
    text: str
    highlight: str  # the text, HTML-escaped, with matched words in <mark>
    score: float
    line_start: int
    line_end: int
    page: int | None
    match: str = "exact"  # "exact": holds the query's words; "related": close in meaning only

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, p: Passage, *, text: str, highlight: str, score: float, match: str) -> Hit:
        """A passage as a hit: the citation fields they share are copied by name (so a field
        added to both is never forgotten); the text may be a shortened snippet of the passage's."""
        shared = {name: getattr(p, name) for name in _FROM_PASSAGE}
        return cls(**shared, text=text, highlight=highlight, score=score, match=match)


#: Hit fields taken from the Passage as they are (all shared names but the text).
_FROM_PASSAGE = tuple(
    f.name for f in fields(Hit) if f.name in {g.name for g in fields(Passage)} - {"text"}
)


@dataclass(frozen=True)
class AnswerRow:
    """One area (or one document's total) in an answer, with its share of its document's total."""

    area: str
    amount_kr: int | None
    document: str
    municipality: str
    committee: str
    year: int
    share: float | None = None
    change_kr: int | None = None  # `change` answers: from the year before (None: unknown)
    change_pct: float | None = None

    def to_json(self, changes: bool = False) -> dict:
        """The row; the change fields only in a `change` answer (the others never have them)."""
        out = asdict(self)
        if not changes:
            del out["change_kr"], out["change_pct"]
        return out


#: What several budgets differ by, in the words a card says it: "i 5 kommuner".
OVER_WORDS = {"municipality": ("kommune", "kommuner"), "committee": ("udvalg", "udvalg"),
              "year": ("budgetår", "budgetår")}  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """An answer whose rows come from several budgets (municipalities, committees or years):
    compared, never added up as if they were one area's budget (issue 30: 40 municipalities'
    job centres read "Områdets nettobudget 2.007.604.000 kr.")."""

    over: str  # what the budgets differ by: "municipality", "committee" or "year"
    budgets: int  # how many municipalities (committees, years) the rows come from
    with_amount: int  # rows with a stated amount: what lowest, median and highest are of
    lowest: AnswerRow | None
    median_kr: int | None  # of the rows with an amount; two middle ones: their mean, in whole kr.
    highest: AnswerRow | None
    #: what is compared: "amount" (kr.), or "share" where the question asks a share ("Jobcenters
    #: andel"): lowest and highest by share, and the median share (median_kr stays the amount's)
    by: str = "amount"
    median_share: float | None = None

    @property
    def label(self) -> str:
        one, many = OVER_WORDS[self.over]
        return f"{self.budgets} {one if self.budgets == 1 else many}"

    def to_json(self) -> dict:
        def row(r: AnswerRow | None) -> dict | None:
            return None if r is None else r.to_json()

        out = {"over": self.over, "budgets": self.budgets, "with_amount": self.with_amount,
               "by": self.by, "lowest": row(self.lowest), "median_kr": self.median_kr,
               "highest": row(self.highest)}  # fmt: skip
        if self.by == "share":
            out["median_share"] = self.median_share
        return out


@dataclass(frozen=True)
class Answer:
    """A budget question answered from the amounts table: shown above the passages.

    kind: "amount" (one area, by any of its names), "share" (its share of the total), "total",
    "ranking" (largest or smallest), "threshold" (over / under / between amounts), "group"
    (areas sharing a title word, summed) or "change" (one area year by year, search.change:
    total_kr is then the change from the first year shown to the last)."""

    kind: str
    title: str
    rows: tuple[AnswerRow, ...]
    #: the answer's own sum (None for a ranking, and where two of its documents state the same
    #: budget: municipality, committee and year; their amounts are never added together)
    total_kr: int | None
    corpus_total_kr: int | None  # the total of every area in scope: what shares are of (ditto)
    documents: tuple[str, ...]  # the documents in scope
    #: its documents that state the same budget (municipality, committee and year) as another
    #: of them: each row stands alone, named by its document, and nothing is summed
    same_budget: tuple[str, ...] = ()
    #: rows from several budgets: their lowest, median and highest (None: one budget)
    comparison: Comparison | None = None
    #: what `total_kr` adds up where its rows come from several budgets: "Sum på tværs af 5
    #: kommuner", said beside it (None: one budget's sum, or no sum)
    sum_label: str | None = None
    #: a ranking's order ("desc": largest first, "asc") and the one place asked for, if any
    order: str | None = None
    position: int | None = None
    #: two areas of one budget set side by side ("sammenlign Jobcenter og Borgerservice"): how
    #: much more the first row has than the second (rows largest first), instead of a sum
    difference_kr: int | None = None

    @property
    def first(self) -> AnswerRow | None:
        return self.rows[0] if self.rows else None

    def to_json(self) -> dict:
        out = {
            "kind": self.kind,
            "title": self.title,
            "total_kr": self.total_kr,
            "corpus_total_kr": self.corpus_total_kr,
            "documents": list(self.documents),
            "rows": [r.to_json(changes=self.kind == "change") for r in self.rows],
        }
        if self.same_budget:  # only then: the answers of one budget per document stay as they were
            out["same_budget"] = list(self.same_budget)
        if self.comparison is not None:
            out["comparison"] = self.comparison.to_json()
        if self.sum_label is not None:
            out["sum_label"] = self.sum_label
        if self.kind == "ranking":
            out["order"], out["position"] = self.order, self.position
        if self.difference_kr is not None:
            out["difference_kr"] = self.difference_kr
        one_area = len({r.area for r in self.rows}) == 1
        if self.kind in ("amount", "share") and one_area and not self.comparison:
            out.update({k: v for k, v in self.first.to_json().items() if k != "share"})
            out["share"] = self.first.share
        return out


@dataclass(frozen=True)
class SearchResponse:
    query: str
    mode: str
    total: int
    took_ms: float
    results: list[Hit]
    total_exact: int = 0
    total_related: int = 0
    offset: int = 0
    did_you_mean: str | None = None
    facets: dict[str, list[dict]] = field(default_factory=dict)
    answer: Answer | None = None
    message: str | None = None  # a hint for the user when the query gave nothing to search
    filters: dict[str, object] = field(default_factory=dict)
    #: The related passages (in semantic mode: all) were looked for among the nearest
    #: candidates only (tuning.candidates), and more might qualify: `total` counts what is
    #: listed, every one of them reachable by `offset`, and the exact matches in keyword and
    #: hybrid mode in full.
    capped: bool = False
    #: What the facet counts count: "exact" (every exact match; a value's count is what its
    #: filter finds) or "results" (every result listed).
    facets_of: str = "results"
    facets_more: dict[str, int] = field(default_factory=dict)  # values left out, per facet
    #: The filters among `filters` that the question named rather than the caller gave
    #: ("Hvad koster Jobcenter i Kommune 3?": municipality): they scope card and passages.
    named: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "mode": self.mode,
            "total": self.total,
            "total_exact": self.total_exact,
            "total_related": self.total_related,
            "capped": self.capped,
            "facets_of": self.facets_of,
            "offset": self.offset,
            "took_ms": round(self.took_ms, 2),
            "did_you_mean": self.did_you_mean,
            "message": self.message,
            "filters": self.filters,
            "named_filters": self.named,
            "answer": self.answer.to_json() if self.answer else None,
            "facets": self.facets,
            "facets_more": self.facets_more,
            "results": [h.to_json() for h in self.results],
        }
