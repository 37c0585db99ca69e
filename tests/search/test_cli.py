"""The command line contract that scripts depend on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from webui.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(seed_settings):
    def invoke(*args: str, input: str | None = None):
        env = {"BUDGET_SEARCH_INDEX": str(seed_settings.index_dir),
               "BUDGET_SEARCH_HOME": str(seed_settings.data_dir)}  # fmt: skip
        return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


def test_areas_json_from_corpus_and_from_index_agree(run) -> None:
    from_corpus = run("areas", "--json", "--corpus", str(ROOT / "corpus"))
    from_index = run("areas", "--json")
    assert from_corpus.exit_code == 0 and from_index.exit_code == 0, from_index.output
    listing = json.loads(from_corpus.stdout)
    assert listing == json.loads(from_index.stdout)
    rows = listing["areas"]
    assert len(rows) == 17 and sum(r["amount_kr"] for r in rows) == 460_443_800
    assert listing["documents"] == [{
        "document": "kalundborg/2024/oekonomiudvalget", "municipality": "Kalundborg Kommune",
        "committee": "Økonomiudvalget", "year": 2024,
        "layout": "title, then net budget line", "areas": 17, "with_amount": 17,
        "reconciliations": [],
    }]  # fmt: skip
    assert set(rows[0]) == {"document", "municipality", "committee", "year", "area", "amount_kr",
                            "passages", "amount_source"}  # fmt: skip
    assert rows[0]["amount_source"] == {
        "text": "Samlet nettobudget for området: 50.190.100 kr.", "line": 6, "page": None}


def test_areas_table_shows_danish_amounts_and_total(run) -> None:
    out = run("areas").stdout
    assert "81.205.800 kr." in out and "460.443.800 kr." in out
    assert "50.190.100 kr.  linje 6 " in out  # where each amount was read


def test_search_json(run) -> None:
    result = run("search", "MitID", "--json", "--mode", "keyword", "-k", "3")
    data = json.loads(result.stdout)
    assert data["results"][0]["area"] == "Borgerservice" and len(data["results"]) <= 3


def test_search_area_option_filters(run) -> None:
    data = json.loads(run("search", "DUT", "--json", "--area", "Jobcenter").stdout)
    assert {r["area"] for r in data["results"]} == {"Jobcenter"}


def test_search_text_output(run) -> None:
    out = run("search", "Hvad koster brandvæsenet?").stdout
    assert "Vestsjællands Brandvæsen: 13.725.000 kr." in out


def test_batch_one_json_line_per_query(run) -> None:
    queries = ["MitID", "", "fire department", '"unbalanced']
    result = run("search", "--batch", "--json", input="\n".join(queries) + "\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["query"] for d in lines] == queries
    assert lines[0]["results"][0]["area"] == "Borgerservice"
    assert lines[2]["results"][0]["area"] == "Vestsjællands Brandvæsen"


def test_search_without_query_is_usage_error(run) -> None:
    assert run("search").exit_code == 2


def test_eval_reports_the_four_measures(run, tmp_path: Path) -> None:
    judged = tmp_path / "judged.jsonl"
    judged.write_text(
        json.dumps({"q": "MitID", "rel": {"Borgerservice": 2}, "kind": "keyword"}) + "\n"
        + json.dumps({"q": "Barnets Lov", "rel": {"Børn og Familie": 2}, "kind": "keyword",
                      "must": "Barnets Lov"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = run("eval", str(judged), "--mode", "keyword").stdout
    assert "area:    nDCG@10=1.000 MRR=1.000 R@5=1.000 n=2" in out
    assert "answers: answer@3=1/1 card=0/0" in out


def test_one_root_group_and_stage_commands_complete_on_their_own(seed_settings) -> None:
    """`index.cli` and `search.cli` alone give whole commands (no group there that `webui.cli`
    fills in later; index's imports no later stage); the root in the console script's module
    lists every command whatever was imported first."""
    import subprocess
    import sys

    code = (
        "import click, sys, index.cli as i\n"
        "assert not [n for n in vars(i) if isinstance(getattr(i, n), click.Group)]\n"
        "assert not any(m.startswith(('search', 'webui')) for m in sys.modules)\n"
        "assert {c.name for c in i.COMMANDS} == {'index', 'provision'}\n"
        "import search.cli as s\n"
        "assert not [n for n in vars(s) if isinstance(getattr(s, n), click.Group)]\n"
        "assert not any(m.startswith('webui') for m in sys.modules)\n"
        "s.areas_cmd.main(['--json'], prog_name='areas', standalone_mode=False)\n"
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
           "BUDGET_SEARCH_INDEX": str(seed_settings.index_dir),
           "BUDGET_SEARCH_HOME": str(seed_settings.data_dir)}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["areas"]) == 17
    assert set(cli.commands) == {"index", "provision", "search", "areas", "passages", "eval",
                                 "check", "serve"}  # fmt: skip


@pytest.mark.slow
def test_invalid_utf8_queries_come_back_replaced_in_valid_json(seed_settings) -> None:
    """Bytes that are not UTF-8, on stdin (--batch) or in argv, are replaced by U+FFFD: the JSON
    written is valid UTF-8, never the raw bytes echoed back (as the C.UTF-8 locale did)."""
    import subprocess
    import sys

    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
           "BUDGET_SEARCH_INDEX": str(seed_settings.index_dir),
           "BUDGET_SEARCH_HOME": str(seed_settings.data_dir)}  # fmt: skip
    cmd = [sys.executable, "-c", "from webui.cli import cli; cli()", "search", "--json",
           "--mode", "keyword", "-k", "1"]  # fmt: skip
    for errors in ("surrogateescape", "strict"):  # stdin as C.UTF-8 sets it, and strict
        batch = subprocess.run(cmd + ["--batch"], input=b"MitID\n\xff\xfeskat\xc3\nDUT\n",
                               env={**env, "PYTHONIOENCODING": f"utf-8:{errors}"},
                               capture_output=True, timeout=120, cwd=ROOT)  # fmt: skip
        assert batch.returncode == 0, batch.stderr
        lines = [json.loads(line) for line in batch.stdout.decode("utf-8").splitlines()]
        assert [d["query"] for d in lines] == ["MitID", "\ufffd\ufffdskat\ufffd", "DUT"]
        assert lines[0]["results"][0]["area"] == "Borgerservice"
    one = subprocess.run(cmd + [b"sk\xffat"], env=env, capture_output=True, timeout=120, cwd=ROOT)
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout.decode("utf-8"))["query"] == "sk\ufffdat"
