"""A floor under retrieval quality, on judged queries of every kind the product promises.

tests/data/judged_queries.jsonl holds 45 queries written for this (topics, stems, compounds,
suspended compounds, PDF-damaged words, Danish and English questions, answers with the figure to
find). The floors sit a little under today's scores, so a ranking change that loses quality fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from search.metrics import evaluate, read_judged
from search.results import Filters

JUDGED = Path(__file__).parent / "data" / "judged_queries.jsonl"
FLOORS = {"hybrid": 0.96, "keyword": 0.88, "semantic": 0.89}


@pytest.mark.parametrize("mode", FLOORS)
def test_ndcg_floor(engine, mode: str) -> None:
    judged = read_judged(JUDGED)
    summary = evaluate(
        judged,
        lambda q: [h.to_json() for h in engine.search(q, mode=mode, filters=Filters()).results],
    )
    weak = [(s.query, round(s.ndcg, 2)) for s in summary.scores if s.ndcg < 0.5]
    assert summary.mean("ndcg") >= FLOORS[mode], (summary.line(), weak)
    if mode == "hybrid":
        ok, n = summary.answers
        assert ok == n, summary.line()
