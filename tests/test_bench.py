"""Smoke tests of the benchmark scripts (bench/): deterministic corpus, command finishes.

No timing is asserted: the figures belong in BENCHMARKS.md, not in a pass/fail.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.synth import generate
from index.documents.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[1]


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_generator_is_deterministic_and_parses(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 150, seed=3)
    b = generate(tmp_path / "b", 150, seed=3)
    assert a.passages >= 150 and a.documents >= 2
    assert (a.documents, a.passages) == (b.documents, b.passages)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(generate(tmp_path / "c", 150, seed=4).out_dir)

    report = load_corpus(tmp_path / "a")
    assert not report.skipped
    assert len(report.documents) == a.documents
    parsed = sum(len(d.passages) for d in report.documents)
    assert abs(parsed - a.passages) <= 0.05 * a.passages  # the parser may merge a few
    metas = {(d.meta.municipality, d.meta.committee, d.meta.year) for d in report.documents}
    assert len(metas) == a.documents  # every document is its own municipality/committee/year


@pytest.mark.slow
def test_python_m_bench_prints_a_table(tmp_path: Path, base_settings) -> None:
    """`python -m bench` from the checkout (what `make bench` runs); not a product command."""
    from index.embedding.provision import provision_model

    provision_model(base_settings, quiet=True)
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "60", "--queries", "3", "--skip-seed",
         "--skip-http", "--real-embed-max", "0", "--out", str(out), "--work",
         str(tmp_path / "work"), "--data-dir", str(base_settings.data_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| passages |" in done.stdout and "synthesised" in done.stdout
    assert "x the floor" in done.stdout and "| SQLite FTS5 |" in done.stdout
    data = json.loads(out.read_text())
    peers = data["scale"][0]["peers"]
    assert set(peers["latency"]) >= {
        "SQLite FTS5", "numpy exact cosine", "budget-search keyword ranking"
    }  # fmt: skip
    assert data["scale"][0]["query"]["floor"]["n"] == 3


def test_bench_is_no_command_of_the_product() -> None:
    from webui.cli import cli

    result = CliRunner().invoke(cli, ["bench", "--help"])
    assert result.exit_code == 2 and "No such command 'bench'" in result.output


def test_keyword_peers_find_the_seed_areas(seed_settings) -> None:
    from bench import peers

    gen = (seed_settings.index_dir / "current").resolve()
    passages, kw, build = peers.build_keyword_peers(gen)
    assert "SQLite FTS5" in kw and set(build) == set(kw)
    for peer in kw.values():
        for q, area in [("brandvæsen", "Vestsjællands Brandvæsen"), ("MitID", "Borgerservice")]:
            rows = peer.search(q)
            assert rows and passages[rows[0]]["area"] == area, (peer.name, q)
        assert peer.search("!!!") == []


def test_a_failing_stage_keeps_the_figures_before_it(tmp_path: Path, monkeypatch) -> None:
    """A 40-minute run that fails in its last step must not lose the stages before it."""
    import argparse

    from bench import run

    def stage(name: str, args: argparse.Namespace, **extra: object) -> dict:
        if name == "query":
            raise RuntimeError("the query stage broke")
        return {"stage": name, "index_dir": str(tmp_path / "index")}

    monkeypatch.setattr(run, "_run_stage", stage)
    out = tmp_path / "partial.json"
    args = argparse.Namespace(
        work=tmp_path / "work", data_dir=tmp_path, corpus=tmp_path, sizes=[60], queries=3,
        skip_seed=True, skip_http=True, peers=False, reuse=False, keep=True, vector_sizes=[],
        out=out,
    )  # fmt: skip
    with pytest.raises(RuntimeError):
        run.run_all(args, echo=lambda m: None)
    saved = json.loads(out.read_text())
    built = {"stage": "build", "index_dir": str(tmp_path / "index")}
    assert saved["last_stage"] == {"build": built}
    assert saved["machine"]["cores"] >= 1
