"""Where every amount was read, and what a document's stated totals say of its areas, through
the command line: `areas --json` (from a corpus folder and from the index alike), `areas` and
`index`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.documents.amounts import format_kr
from provenance_docs import AMOUNTS, write_corpus
from webui.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def invoke(settings, *args: str):
    env = {"BUDGET_SEARCH_INDEX": str(settings.index_dir),
           "BUDGET_SEARCH_HOME": str(settings.data_dir)}  # fmt: skip
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def listing(settings, *args: str) -> dict:
    return json.loads(invoke(settings, "areas", "--json", *args).stdout)


def source_lines(corpus: Path, document: str) -> list[str]:
    text = (corpus / f"{document}.txt").read_text(encoding="utf-8-sig")
    return text.replace("\r\n", "\n").split("\n")


def check_sources(out: dict, corpus: Path, written: dict[tuple[str, str], str]) -> int:
    """Every amount has its source: the line it was read from, whose text holds the amount as
    the document writes it; an unknown amount has none. Returns how many amounts it checked."""
    checked = 0
    for row in out["areas"]:
        source = row["amount_source"]
        if row["amount_kr"] is None:
            assert source is None, row
            continue
        assert source is not None and set(source) == {"text", "line", "page"}, row
        lines = source_lines(corpus, row["document"])
        assert 1 <= source["line"] <= len(lines), row
        assert lines[source["line"] - 1].strip() == source["text"], row
        as_written = written.get((row["document"], row["area"]),
                                 format_kr(row["amount_kr"]).removesuffix(" kr."))  # fmt: skip
        assert as_written in source["text"], (as_written, row)
        checked += 1
    return checked


def test_every_seed_amount_has_its_source_line(seed_settings) -> None:
    for out in (listing(seed_settings), listing(seed_settings, "--corpus", str(ROOT / "corpus"))):
        assert check_sources(out, ROOT / "corpus", {}) == 17
        jobcenter = next(r for r in out["areas"] if r["area"] == "Jobcenter")
        assert jobcenter["amount_source"] == {
            "text": "Samlet nettobudget for området: 50.190.100 kr.", "line": 6, "page": None}


def test_every_table_amount_has_its_source_row(seed_settings, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    out = listing(seed_settings, "--corpus", str(corpus))
    assert check_sources(out, corpus, {k: w for k, (_, w) in AMOUNTS.items()}) == len(AMOUNTS)
    got = {(r["document"], r["area"]): r["amount_kr"] for r in out["areas"]}
    assert {k: got.get(k) for k in AMOUNTS} == {k: kr for k, (kr, _) in AMOUNTS.items()}
    veje = next(r for r in out["areas"] if r["area"] == "Veje og trafik")
    assert veje["amount_source"] == {
        "text": "| Veje og trafik | 45.250 | 45.900 |", "line": 7, "page": None}


def test_the_index_keeps_what_the_corpus_says(provenance_settings) -> None:
    corpus = Path(provenance_settings.corpus_dir)
    from_index = listing(provenance_settings)
    assert from_index == listing(provenance_settings, "--corpus", str(corpus))
    written = {k: w for k, (_, w) in AMOUNTS.items()}
    assert check_sources(from_index, corpus, written) == len(AMOUNTS) + 17


def reconciliations(out: dict) -> dict[str, list[dict]]:
    return {d["document"]: d["reconciliations"] for d in out["documents"]}


@pytest.mark.parametrize("source", ["index", "corpus"])
def test_stated_totals_are_reconciled(provenance_settings, source: str) -> None:
    args = ("--corpus", str(provenance_settings.corpus_dir)) if source == "corpus" else ()
    found = reconciliations(listing(provenance_settings, *args))
    assert found["kalundborg/2024/oekonomiudvalget"] == []  # the seed states no total
    (teknik,) = found["solbjerg/2025/teknik"]
    assert (teknik["label"], teknik["stated_kr"], teknik["summed_kr"], teknik["areas"]) == (
        "I alt", 101_400_000, 101_400_000, 4)
    assert teknik["agrees"] and teknik["difference_kr"] == 0 and teknik["verdict"] == "stemmer"
    assert teknik["source"] == {"text": "| I alt | 101.400 | 102.330 |", "line": 11, "page": None}
    (kultur,) = found["solbjerg/2025/kultur"]
    assert (kultur["stated_kr"], kultur["summed_kr"], kultur["difference_kr"]) == (
        44_815_000, 44_315_000, -500_000)
    assert not kultur["agrees"]
    assert kultur["verdict"] == "stemmer ikke: områderne summer til 500.000 kr. mindre end totalen"
    (social,) = found["solbjerg/2025/social"]
    assert social["label"] == "Samlet nettobudget for udvalget"
    assert (social["stated_kr"], social["summed_kr"], social["agrees"]) == (
        112_500_000, 112_500_000, True)
    assert social["source"]["line"] == 13


def test_areas_prints_each_amounts_line_and_the_reconciliation(provenance_settings) -> None:
    out = invoke(provenance_settings, "areas").stdout
    assert "45.250.000 kr.  linje 7 " in out and "Veje og trafik" in out
    assert "50.190.100 kr.  linje 6 " in out
    assert ("afstemning solbjerg/2025/kultur: I alt 44.815.000 kr.: stemmer ikke: områderne "
            "summer til 500.000 kr. mindre end totalen (linje 7)") in out
    assert "afstemning solbjerg/2025/teknik: I alt 101.400.000 kr.: stemmer (linje 11)" in out


def test_index_prints_each_documents_reconciliation(provenance_settings) -> None:
    # --full: parsed again (every vector reused), so the per-document lines are printed
    result = invoke(provenance_settings, "index", "--full", "--quiet",
                    "--corpus", str(provenance_settings.corpus_dir))  # fmt: skip
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if "solbjerg/2025/teknik.txt:" in line)
    assert lines[at + 1].strip() == "I alt 101.400.000 kr.: stemmer"
    assert ("    I alt 44.815.000 kr.: stemmer ikke: områderne summer til 500.000 kr. mindre "
            "end totalen") in lines
    assert "    Samlet nettobudget for udvalget 112.500.000 kr.: stemmer" in lines


def test_a_manifest_written_before_sources_were_kept_still_loads(seed_settings) -> None:
    from index.building import store

    gen = store.current_generation(seed_settings.index_dir)
    data = json.loads((gen / store.MANIFEST).read_text(encoding="utf-8"))
    assert data["amount_sources"]["kalundborg/2024/oekonomiudvalget"]["Jobcenter"]["line"] == 6
    del data["amount_sources"], data["reconciliations"]
    old = store.Manifest.from_json(data)
    assert old.amount_sources == {} and old.reconciliations == {}
