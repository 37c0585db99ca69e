"""The scorer: its figures checked by hand on tiny fixtures, and `eval`/`passages` on the seed.

The numbers below are worked out on paper from the definitions (DCG = sum (2^g - 1) / log2(i + 2)),
not produced by the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import PASSAGE_FIELDS
from search.metrics import (
    area_scores,
    card_right,
    evaluate,
    false_hits,
    make_units,
    must_found,
    passage_scores,
)
from webui.cli import cli

UNITS = make_units(
    [
        {"pid": "U1", "area": "Jobcenter", "text": "A-kasserne får ansvaret for kontaktforløbet."},
        {"pid": "U2", "area": "Jobcenter", "text": "Sygedagpenge udbetales efter loven."},
        {"pid": "U3", "area": "Borgerservice", "text": "MitID udstedes i Borgerservice."},
    ]
)


def r(area: str, text: str = "", match: str | None = None) -> dict:
    return {"area": area, "text": text, **({"match": match} if match else {})}


def test_area_ndcg_counts_each_area_once_by_hand() -> None:
    # gains [1, 3, 0 (A again), 0]: DCG = 1 + 3/log2(3) = 2.89279; ideal [3, 1]:
    # 3 + 1/log2(3) = 3.63093; nDCG = 0.79671. MRR: first area graded 2 at rank 2.
    results = [r("B"), r("A"), r("A"), r("C")]
    ndcg, mrr, recall = area_scores({"A": 2, "B": 1}, results)
    assert ndcg == pytest.approx(0.79671, abs=1e-5)
    assert mrr == 0.5 and recall == 1.0


def test_area_names_compare_without_case_space_or_dash_kind() -> None:
    ndcg, mrr, _ = area_scores({"Demografipulje – Ældre": 2}, [r("demografipulje -  ældre")])
    assert ndcg == 1.0 and mrr == 1.0


def test_recall_at_5_and_no_hits() -> None:
    results = [r(x) for x in "CDEFGA"]  # A at rank 6
    assert area_scores({"A": 2, "B": 2}, results)[2] == 0.0
    assert area_scores({"A": 2}, []) == (0.0, 0.0, 0.0)


def test_passage_gain_finds_a_paragraph_inside_a_bigger_passage_despite_hyphens() -> None:
    merged = ("Intro. A-kas-\nserne får ansvaret for kontakt-forløbet. "
              "Sygedagpenge udbetales efter loven.")  # fmt: skip
    grades = {"U1": 2, "U2": 1}
    # One passage holds both units: its gain is the best grade, 2; the universe makes one
    # relevant result possible, so the ideal is [2] and this ranking is perfect.
    universe = [r("Jobcenter", merged), r("Borgerservice", "MitID udstedes i Borgerservice.")]
    assert passage_scores(grades, [r("Jobcenter", merged)], UNITS, universe) == (1.0, 1.0)
    # The same text under another area is not the judged paragraph.
    assert passage_scores(grades, [r("Økonomi", merged)], UNITS, universe) == (0.0, 0.0)


def test_passage_ndcg_and_p3_by_hand_with_paragraph_universe() -> None:
    universe = [r("Jobcenter", "A-kasserne får ansvaret for kontaktforløbet."),
                r("Jobcenter", "Sygedagpenge udbetales efter loven."),
                r("Borgerservice", "MitID udstedes i Borgerservice.")]  # fmt: skip
    grades = {"U1": 2, "U2": 1, "U3": 0}
    # results: [U3 (0), U2 (1), U1 (2)]: DCG = 0 + 1/log2(3) + 3/2 = 2.13093;
    # ideal [2, 1]: 3 + 1/log2(3) = 3.63093 -> 0.58688. P@3: 2 of the 2 possible = 1.0.
    ndcg, p3 = passage_scores(grades, [universe[2], universe[1], universe[0]], UNITS, universe)
    assert ndcg == pytest.approx(0.58688, abs=1e-5) and p3 == 1.0
    # Only the unit graded 2 in the top 3 of [U1, U3]: P@3 = 1 of 2 possible.
    assert passage_scores(grades, [universe[0], universe[2]], UNITS, universe)[1] == 0.5
    # Nothing relevant can be returned: the query is not scored at passage level.
    assert passage_scores({"U3": 0}, [], UNITS, universe) is None
    # Without a universe the ideal is one result per graded unit (here the same).
    assert passage_scores(grades, universe[:2], UNITS, None) == (1.0, 1.0)


def test_must_in_top_three_or_in_the_answer() -> None:
    results = [r("A", "x"), r("A", "y"), r("A", "z"), r("A", "Barnets  Lov")]
    assert not must_found("barnets lov", results, None)
    assert must_found("barnets lov", results[:1], {"area": "Barnets Lov"})
    assert must_found("barnets lov", results[3:], None)


def test_answer_card_amount_anywhere_and_every_area_named() -> None:
    card = {"kind": "ranking", "total_kr": 72_000_000,
            "rows": [{"area": "Økonomi", "amount_kr": 104_816_500, "share": 0.23},
                     {"area": "Borgerservice", "amount_kr": 81_205_800}]}  # fmt: skip
    assert card_right({"amount_kr": 81_205_800, "areas": ["borgerservice"]}, card)
    assert card_right({"areas": ["Økonomi", "Borgerservice"]}, card)
    assert not card_right({"areas": ["Økonomi", "Jobcenter"]}, card)
    assert not card_right({"amount_kr": 1}, card)
    assert not card_right({"amount_kr": 1}, {"flag": True})  # a bool is no amount
    assert card_right(None, None) and card_right(None, {}) and not card_right(None, card)
    assert not card_right({"areas": []}, None)


def test_honesty_counts_false_hits() -> None:
    hits = [r("A", match="exact"), r("B", match="related"), r("C")]
    assert false_hits("nonsense", hits) == 3
    assert false_hits("absent", hits) == 2  # anything not marked "related" claims the topic
    assert false_hits("absent", [r("B", match="related")]) == 0
    assert false_hits("keyword", hits) == 0


def test_summary_prints_only_what_the_queries_judge() -> None:
    judged = [{"q": "a", "kind": "keyword", "rel": {"A": 2}, "must": "tekst"},
              {"q": "b", "kind": "amount", "expect": {"amount_kr": 5}},
              {"q": "c", "kind": "absent"}]  # fmt: skip
    outputs = [{"results": [r("B"), r("A", "tekst")]},
               {"results": [], "answer": {"amount_kr": 5}},
               {"results": [r("A", match="related")]}]  # fmt: skip
    summary = evaluate(judged, outputs)
    # area: nDCG = (3/log2(3)) / 3 = 0.63093, MRR 0.5, R@5 1.
    assert summary.lines() == [
        "area:    nDCG@10=0.631 MRR=0.500 R@5=1.000 n=1",
        "answers: answer@3=1/1 card=1/1",
        "honesty: false_hits=0 in 1 queries",
    ]
    with pytest.raises(ValueError):
        evaluate(judged, outputs[:2])


# -- the commands, on the seed index ---------------------------------------------------------


@pytest.fixture(scope="module")
def run(seed_settings):
    def invoke(*args: str):
        env = {"BUDGET_SEARCH_INDEX": str(seed_settings.index_dir),
               "BUDGET_SEARCH_HOME": str(seed_settings.data_dir)}  # fmt: skip
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_passages_json_exports_every_passage(run, engine) -> None:
    result = run("passages", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(engine.snapshot.passages) == sum(a.passages for a in engine.areas())
    assert all(tuple(row) == PASSAGE_FIELDS for row in rows)
    assert len({row["id"] for row in rows}) == len(rows)
    assert {row["area"] for row in rows} == {a.area for a in engine.areas()}
    assert any("MitID" in row["text"] for row in rows if row["area"] == "Borgerservice")


def test_eval_on_the_seed_scores_passages_against_the_index(run, tmp_path: Path) -> None:
    paragraphs = tmp_path / "paragraphs.jsonl"
    paragraphs.write_text(json.dumps({"pid": "X1", "area": "Vestsjællands Brandvæsen",
        "text": "Kalundborg Kommunes brand- og redningsberedskab er en del af Vestsjællands "
        "Brandvæsen, der er et fælleskommunalt beredskab"}) + "\n",
        encoding="utf-8")  # fmt: skip
    judged = tmp_path / "judged.jsonl"
    judged.write_text(
        json.dumps({"q": "brandvæsen", "kind": "keyword", "grades": {"X1": 2},
                    "rel": {"Vestsjællands Brandvæsen": 2}}) + "\n"
        + json.dumps({"q": "xyzzy plorf", "kind": "nonsense"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = run("eval", str(judged), "--mode", "keyword", "-v").stdout
    lines = out.splitlines()
    # the units beside the judged file were found, and the one paragraph is in the index
    assert any(line.startswith("passage: pnDCG@10=") and line.endswith("n=1") for line in lines)
    assert "area:    nDCG@10=1.000 MRR=1.000 R@5=1.000 n=1" in lines
    assert any(line.startswith("honesty: false_hits=") for line in lines)


def test_eval_scores_given_results_with_a_given_universe(run, tmp_path: Path) -> None:
    units = tmp_path / "units.jsonl"
    units.write_text(json.dumps({"pid": "U1", "area": "A", "text": "alpha beta"}) + "\n")
    universe = tmp_path / "universe.jsonl"
    universe.write_text(json.dumps(r("A", "alpha beta")) + "\n" + json.dumps(r("B", "x")) + "\n")
    judged = tmp_path / "judged.jsonl"
    judged.write_text(json.dumps({"q": "alpha", "grades": {"U1": 2}, "rel": {"A": 2}}) + "\n")
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"results": [r("B", "x"), r("A", "alpha beta")]}) + "\n")
    out = run("eval", str(judged), "--units", str(units), "--universe", str(universe),
              "--results", str(results)).stdout  # fmt: skip
    # gain 2 at rank 2: 3/log2(3) / 3 = 0.631; P@3 = 1 of 1 possible
    assert "passage: pnDCG@10=0.631 P@3=1.000 n=1" in out.splitlines()
    bad = run("eval", str(judged), "--units", str(universe), "--results", str(results))
    assert bad.exit_code != 0 and "Traceback" not in bad.output
