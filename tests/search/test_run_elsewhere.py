"""The CLI run from another folder (issue 30): the index records where its model is, and the
data directory is set once with BUDGET_SEARCH_HOME, so `search … --index-dir DIR` works from
anywhere, and what cannot work says so in one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.building import store
from index.embedding.provision import default_model_dir, recorded_model

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`budget-search ARGS` in `cwd`, with this checkout's code and no BUDGET_SEARCH_* from
    the environment but `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_SEARCH_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", "from webui.cli import main; main()", *args],
        cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_index_records_its_models_folder(seed_settings) -> None:
    manifest = store.read_manifest(store.current_generation(seed_settings.index_dir))
    assert manifest.model_dir == str(default_model_dir(seed_settings).resolve())
    assert Path(manifest.model_dir).is_absolute()


def test_search_with_index_dir_from_another_folder(seed_settings, tmp_path: Path) -> None:
    """From an empty folder (no var/ there), a semantic search over --index-dir loads the model
    the index recorded."""
    out = cli("search", "Hvad koster brandvæsenet?", "--mode", "hybrid", "--json",
              "--index-dir", str(seed_settings.index_dir), cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    assert results and any("Brand" in r["area"] for r in results)
    assert not (tmp_path / "var").exists()  # nothing provisioned or written here


def test_the_data_directory_is_set_once_in_the_environment(seed_settings, tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / "index").symlink_to(seed_settings.index_dir, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = cli("search", "MitID", "--mode", "semantic", "--json", cwd=elsewhere,
              BUDGET_SEARCH_HOME=str(home))  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["results"][0]["area"] == "Borgerservice"


@pytest.mark.slow
def test_without_an_index_or_a_model_one_line_says_what_to_do(seed_settings,
                                                              tmp_path: Path) -> None:  # fmt: skip
    out = cli("search", "MitID", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "no index at var/index" in out.stderr and "budget-search index" in out.stderr
    # an index that recorded no model folder (built before it was recorded), run elsewhere
    copy = tmp_path / "old-index"
    shutil.copytree(seed_settings.index_dir, copy, symlinks=True)
    gen = store.current_generation(copy)
    data = json.loads((gen / store.MANIFEST).read_text(encoding="utf-8"))
    data["model_dir"] = ""
    (gen / store.MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    out = cli("search", "MitID", "--mode", "semantic", "--index-dir", str(copy), cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "model not found at var/models/multilingual-e5-small" in out.stderr


def test_a_model_found_where_configured_wins(seed_settings, tmp_path: Path) -> None:
    assert recorded_model(seed_settings, str(tmp_path)) == seed_settings  # found: unchanged
    elsewhere = seed_settings.with_overrides(data_dir=tmp_path)
    recorded = str(default_model_dir(seed_settings).resolve())
    assert default_model_dir(recorded_model(elsewhere, recorded)) == Path(recorded)
    assert recorded_model(elsewhere, str(tmp_path / "nothing")) == elsewhere
    assert recorded_model(elsewhere, "") == elsewhere


@pytest.mark.parametrize("command", [["areas", "--json"]])
def test_other_commands_take_the_index_dir_from_anywhere(seed_settings, tmp_path: Path,
                                                         command: list[str]) -> None:  # fmt: skip
    out = cli(*command, "--index-dir", str(seed_settings.index_dir), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Borgerservice" in out.stdout
