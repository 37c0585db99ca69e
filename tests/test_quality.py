"""A floor under retrieval quality, on judged queries of every kind the product promises.

tests/data/judged_queries.jsonl holds 45 queries written for this (topics, stems, compounds,
suspended compounds, PDF-damaged words, Danish and English questions, answers with the figure to
find). The floors sit a little under today's scores, so a ranking change that loses quality fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from search.metrics import evaluate, read_jsonl
from search.results import Filters

DATA = Path(__file__).parent / "data"
FLOORS = {"hybrid": 0.96, "keyword": 0.88, "semantic": 0.89}


def responses(engine, queries: list[dict], mode: str):
    """What `search --json` prints for each query (what the scorer reads)."""
    for q in queries:
        yield engine.search(q["q"], mode=mode, filters=Filters()).to_json()


@pytest.mark.parametrize("mode", FLOORS)
def test_ndcg_floor(engine, mode: str) -> None:
    judged = read_jsonl(DATA / "judged_queries.jsonl")
    summary = evaluate(judged, responses(engine, judged, mode))
    ndcg = summary.area()[0]
    weak = [(s.query, round(s.area[0], 2)) for s in summary.scores if s.area[0] < 0.5]
    assert ndcg >= FLOORS[mode], (summary.lines(), weak)
    if mode == "hybrid":
        ok, n = summary.must()
        assert ok == n, summary.lines()
