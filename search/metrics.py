"""Score search output against judged queries: area level, passage level, answers, honesty.

The same definitions and figures as the shared scorer (eval/evaluate.py), as pure functions on
plain data: a judged query is a dict ({"q", "kind", "rel"?, "grades"?, "must"?, "expect"?}) and
a response is the JSON that `search --json` prints ({"results": [{"area", "text", "match"}],
"answer"}). Any system's output in that shape can be scored, not only ours.

- area (`rel`): nDCG@10 counting only the first passage of each area, MRR (first area graded
  2), R@5 (share of the areas graded 2 among the first five).
- passage (`grades`: {pid: 0..2} over judged paragraphs): a result's gain is the best grade of
  the paragraphs found inside it (same area; a 40-letter start, middle or end of the paragraph
  occurs in its text, compared on letters and digits only so hyphenation and spacing repair do
  not matter). The ideal ranking is built from the `universe`, every passage the system can
  return, so a system is judged at its own passage size. pnDCG@10 and P@3 (share of the top 3
  with gain >= 1, out of what the universe makes possible).
- answers: `must` text in a top-3 passage or in the answer object; `expect` an answer card
  holding the amount and naming every listed area, or `expect: null` no card at all.
- honesty: kind "nonsense" counts every result as a false hit, kind "absent" every result whose
  `match` is not "related".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


def norm_area(name: str | None) -> str:
    name = (name or "").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", name).strip().casefold()


def norm_text(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().casefold()


def letters(text: str | None) -> str:
    """Only letters and digits: immune to hyphenation, whitespace and punctuation repair."""
    return re.sub(r"[\W_]", "", (text or "").casefold())


def dcg(gains: Iterable[float]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def read_jsonl(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# -- passage units ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A judged paragraph: its area and the pieces of its text that find it inside a passage."""

    area: str
    needles: frozenset[str]


def make_units(rows: Iterable[dict]) -> dict[str, Unit]:
    units = {}
    for row in rows:
        t = letters(row["text"])
        w = min(40, len(t))
        mid = max(0, len(t) // 2 - w // 2)
        needles = frozenset({t[:w], t[mid : mid + w], t[len(t) - w :]} - {""})
        units[row["pid"]] = Unit(norm_area(row["area"]), needles)
    return units


def gain(grades: dict[str, float], units: dict[str, Unit], result: dict) -> float:
    """The best grade of the judged units that `result` contains."""
    area, text = norm_area(result.get("area")), letters(result.get("text"))
    best = 0
    for pid, g in grades.items():
        u = units[pid]
        if g > best and u.area == area and any(n in text for n in u.needles):
            best = g
    return best


# -- per-query measures ----------------------------------------------------------------------


def area_scores(
    rel: dict[str, float], results: list[dict], k: int = 10
) -> tuple[float, float, float]:
    """nDCG@k (first passage of each area), MRR and R@5 at area level."""
    rel = {norm_area(a): g for a, g in rel.items()}
    areas = [norm_area(r.get("area")) for r in results[:k]]
    seen: set[str] = set()
    gains = []
    for a in areas:
        gains.append(rel.get(a, 0) if a not in seen else 0)
        seen.add(a)
    idcg = dcg(sorted(rel.values(), reverse=True)[:k])
    ndcg = dcg(gains) / idcg if idcg else 0.0
    mrr = next((1.0 / (i + 1) for i, a in enumerate(areas) if rel.get(a, 0) == 2), 0.0)
    must_have = [a for a, g in rel.items() if g == 2]
    top5 = set(areas[:5])
    recall = sum(a in top5 for a in must_have) / len(must_have) if must_have else 1.0
    return ndcg, mrr, recall


def passage_scores(
    grades: dict[str, float],
    results: list[dict],
    units: dict[str, Unit],
    universe: list[dict] | None,
    k: int = 10,
) -> tuple[float, float] | None:
    """pnDCG@k and P@3; None when nothing the system can return is relevant."""
    gains = [gain(grades, units, r) for r in results[:k]]
    if universe is not None:
        possible = sorted((gain(grades, units, p) for p in universe), reverse=True)
    else:  # one result per relevant unit: stricter for systems with larger passages
        possible = sorted(grades.values(), reverse=True)
    possible = [g for g in possible if g > 0]
    idcg = dcg(possible[:k])
    if not idcg:
        return None
    p3 = sum(g >= 1 for g in gains[:3]) / min(3, len(possible))
    return dcg(gains) / idcg, min(p3, 1.0)


def must_found(must: str, results: list[dict], answer: dict | None) -> bool:
    needle = norm_text(must)
    in_answer = needle in norm_text(json.dumps(answer or {}, ensure_ascii=False))
    return in_answer or any(needle in norm_text(r.get("text")) for r in results[:3])


def card_right(expect: dict | None, answer: dict | None) -> bool:
    """The card holds the expected amount and names the expected areas; `None`: no card."""
    if expect is None:
        return not answer
    if not answer:
        return False
    if "amount_kr" in expect and expect["amount_kr"] not in _ints(answer):
        return False
    return {norm_area(a) for a in expect.get("areas", [])} <= _strings(answer)


def false_hits(kind: str, results: list[dict]) -> int:
    if kind == "nonsense":
        return len(results)
    if kind == "absent":
        return sum(r.get("match") != "related" for r in results)
    return 0


def _ints(obj: object) -> set[int]:
    if isinstance(obj, bool):
        return set()
    if isinstance(obj, int):
        return {obj}
    if isinstance(obj, dict):
        obj = list(obj.values())
    return set().union(*map(_ints, obj)) if isinstance(obj, list) else set()


def _strings(obj: object) -> set[str]:
    if isinstance(obj, str):
        return {norm_area(obj)}
    if isinstance(obj, dict):
        obj = list(obj.values())
    return set().union(*map(_strings, obj)) if isinstance(obj, list) else set()


# -- one query, many queries -----------------------------------------------------------------


@dataclass(frozen=True)
class QueryScore:
    """What one judged query measured; a field is None where the query does not judge it."""

    query: str
    kind: str
    area: tuple[float, float, float] | None  # nDCG@10, MRR, R@5
    passage: tuple[float, float] | None  # pnDCG@10, P@3
    must: bool | None
    card: bool | None
    false_hits: int | None
    top: tuple[str, ...]  # the areas of the first three results

    def line(self) -> str:
        notes = []
        if self.area is not None:
            notes.append(f"area={self.area[0]:.2f}")
        if self.passage is not None:
            notes.append(f"pas={self.passage[0]:.2f} P@3={self.passage[1]:.2f}")
        if self.must is not None:
            notes.append("must=ok" if self.must else "must=MISS")
        if self.card is not None:
            notes.append("card=ok" if self.card else "card=MISS")
        if self.false_hits is not None:
            notes.append(f"false_hits={self.false_hits}")
        return f"{' '.join(notes):<34} {self.kind:<12} {self.query[:44]:<44} -> {list(self.top)}"


def score_query(judged: dict, output: dict, units: dict[str, Unit] | None = None,
                universe: list[dict] | None = None) -> QueryScore:  # fmt: skip
    """Score one response; passage grades count only when `units` are given."""
    results = output.get("results") or []
    answer = output.get("answer")
    kind = judged.get("kind", "")
    passage = None
    if "grades" in judged and units is not None:
        passage = passage_scores(judged["grades"], results, units, universe)
    return QueryScore(
        query=judged["q"],
        kind=kind,
        area=area_scores(judged["rel"], results) if "rel" in judged else None,
        passage=passage,
        must=must_found(judged["must"], results, answer) if judged.get("must") else None,
        card=card_right(judged["expect"], answer) if "expect" in judged else None,
        false_hits=false_hits(kind, results) if kind in ("nonsense", "absent") else None,
        top=tuple(r.get("area") for r in results[:3]),
    )


@dataclass(frozen=True)
class Summary:
    scores: tuple[QueryScore, ...]

    def _of(self, attr: str) -> list:
        return [getattr(s, attr) for s in self.scores if getattr(s, attr) is not None]

    def area(self) -> tuple[float, float, float, int] | None:
        """Means of nDCG@10, MRR, R@5 and the number of queries; None when none judges it."""
        xs = self._of("area")
        return (*(sum(x[i] for x in xs) / len(xs) for i in range(3)), len(xs)) if xs else None

    def passage(self) -> tuple[float, float, int] | None:
        xs = self._of("passage")
        return (*(sum(x[i] for x in xs) / len(xs) for i in range(2)), len(xs)) if xs else None

    def must(self) -> tuple[int, int]:
        xs = self._of("must")
        return sum(xs), len(xs)

    def card(self) -> tuple[int, int]:
        xs = self._of("card")
        return sum(xs), len(xs)

    def honesty(self) -> tuple[int, int]:
        """False hits in all, and how many queries judge honesty."""
        xs = self._of("false_hits")
        return sum(xs), len(xs)

    def lines(self) -> list[str]:
        """The summary lines, only for the parts the queries judge (as evaluate.py prints)."""
        out = []
        if a := self.area():
            out.append(f"area:    nDCG@10={a[0]:.3f} MRR={a[1]:.3f} R@5={a[2]:.3f} n={a[3]}")
        if p := self.passage():
            out.append(f"passage: pnDCG@10={p[0]:.3f} P@3={p[1]:.3f} n={p[2]}")
        (m, mn), (c, cn) = self.must(), self.card()
        if mn or cn:
            out.append(f"answers: answer@3={m}/{mn} card={c}/{cn}")
        bad, hn = self.honesty()
        if hn:
            out.append(f"honesty: false_hits={bad} in {hn} queries")
        return out


def evaluate(judged: Iterable[dict], outputs: Iterable[dict], units: dict[str, Unit] | None = None,
             universe: list[dict] | None = None) -> Summary:  # fmt: skip
    """Score each judged query against its response, in order."""
    pairs = zip(judged, outputs, strict=True)
    return Summary(tuple(score_query(j, o, units, universe) for j, o in pairs))
