"""What a search returns: frozen dataclasses that feed the CLI, the JSON API and the HTML alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MODES = ("hybrid", "keyword", "semantic")


class SearchError(Exception):
    """A request that cannot be answered as asked; `status` is the HTTP status to show it with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


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

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The area a query asks about, with its net budget: shown above the passages."""

    area: str
    amount_kr: int | None
    document: str
    municipality: str
    committee: str
    year: int
    reason: str  # "named" (the query names the area) or "budget" (asks what something costs)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SearchResponse:
    query: str
    mode: str
    total: int
    took_ms: float
    results: list[Hit]
    did_you_mean: str | None = None
    facets: dict[str, list[dict]] = field(default_factory=dict)
    answer: Answer | None = None
    message: str | None = None  # a hint for the user when the query gave nothing to search
    filters: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "mode": self.mode,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "did_you_mean": self.did_you_mean,
            "message": self.message,
            "filters": self.filters,
            "answer": self.answer.to_json() if self.answer else None,
            "facets": self.facets,
            "results": [h.to_json() for h in self.results],
        }
