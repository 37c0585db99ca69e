"""Judged-query evaluation: nDCG@10, MRR, Recall@5 and answer@3 at area level.

Same definitions as the shared scorer: only the first passage of each area counts, grades are
2 (answers the query) and 1 (partly relevant); answer@3 asks that the `must` text appears in one
of the first three passages.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


def norm_area(name: str | None) -> str:
    name = (name or "").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", name).strip().casefold()


def norm_text(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().casefold()


@dataclass(frozen=True)
class QueryScore:
    query: str
    kind: str
    ndcg: float
    mrr: float
    recall: float
    answer: bool | None
    top: tuple[str, ...]


@dataclass(frozen=True)
class EvalSummary:
    scores: list[QueryScore]

    def mean(self, attr: str) -> float:
        return sum(getattr(s, attr) for s in self.scores) / max(1, len(self.scores))

    @property
    def answers(self) -> tuple[int, int]:
        judged = [s.answer for s in self.scores if s.answer is not None]
        return sum(judged), len(judged)

    def line(self) -> str:
        ok, n = self.answers
        return (
            f"nDCG@10={self.mean('ndcg'):.3f} MRR={self.mean('mrr'):.3f} "
            f"R@5={self.mean('recall'):.3f} answer@3={ok}/{n} n={len(self.scores)}"
        )


def score(judged: dict, results: list[dict], k: int = 10) -> QueryScore:
    rel = {norm_area(a): g for a, g in judged["rel"].items()}
    areas = [norm_area(r.get("area")) for r in results[:k]]
    seen: set[str] = set()
    gains = []
    for a in areas:
        gains.append(rel.get(a, 0) if a not in seen else 0)
        seen.add(a)
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    mrr = next((1.0 / (i + 1) for i, a in enumerate(areas) if rel.get(a, 0) == 2), 0.0)
    must = [a for a, g in rel.items() if g == 2]
    recall = sum(a in set(areas[:5]) for a in must) / len(must) if must else 0.0
    answer = None
    if judged.get("must"):
        needle = norm_text(judged["must"])
        answer = any(needle in norm_text(r.get("text")) for r in results[:3])
    top = tuple(r.get("area", "") for r in results[:3])
    return QueryScore(judged["q"], judged.get("kind", ""), dcg / idcg if idcg else 0.0, mrr,
                      recall, answer, top)  # fmt: skip


def read_judged(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def evaluate(judged: Iterable[dict], run: Callable[[str], list[dict]]) -> EvalSummary:
    return EvalSummary([score(j, run(j["q"])) for j in judged])
