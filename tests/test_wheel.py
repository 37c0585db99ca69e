"""What users install: the wheel, in a fresh virtualenv outside the checkout.

pytest puts the checkout on sys.path (pyproject's pythonpath), so every other test imports the
source tree; this one builds the wheel, installs it with pip into a new venv and runs the
installed console script from another folder. It catches a module or data file missing from the
package, an import of something not packaged (bench/, tests/), or code that needs the checkout.
Offline: the dependencies are the test environment's own, seen through a .pth line (not a site
dir, so its editable install of this project is not picked up).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Built or installed things a clean clone lacks: left out of the copy the wheel is built from.
NOT_SOURCE = (".git", ".venv", "var", "node_modules", "test-artifacts", "build", "dist",
              "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", ".hypothesis")


def _ok(*args: object) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip
    assert done.returncode == 0, (args, done.stderr[-3000:])
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with the product installed from its wheel; returns the venv folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _ok(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist", src)
    (wheel,) = (tmp / "dist").glob("budget_search-*.whl")
    top = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {"index", "search", "webui"} <= top
    assert not top & {"bench", "tests", "corpus", "deploy"}, top

    venv = tmp / "venv"
    _ok(sys.executable, "-m", "venv", "--without-pip", venv)
    _ok(*pip, "--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", wheel)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_ok(venv / "bin" / "python", "-c", purelib).strip())
    (site / "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _run(venv: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(args, cwd=cwd, env={**clean, **env}, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_installed_wheel_runs_outside_the_checkout(installed: Path, seed_settings,
                                                   tmp_path: Path) -> None:  # fmt: skip
    script = installed / "bin" / "budget-search"
    helped = _run(installed, str(script), "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "search" in helped.stdout and "serve" in helped.stdout
    assert "bench" not in helped.stdout

    where = _run(installed, str(installed / "bin" / "python"), "-c",
                 "import json, sys, index.building.store, search.engine, webui.cli, webui\n"
                 "try:\n    import bench\nexcept ModuleNotFoundError:\n    bench = None\n"
                 "print(json.dumps({'files': [m.__file__ for m in (index.building.store,"
                 " search.engine, webui.cli, webui)], 'bench': bench and bench.__file__}))",
                 cwd=tmp_path)  # fmt: skip
    assert where.returncode == 0, where.stderr
    got = json.loads(where.stdout)
    assert got["bench"] is None
    for file in got["files"]:
        assert Path(file).is_relative_to(installed), file
        assert not Path(file).is_relative_to(ROOT), file

    found = _run(installed, str(script), "search", "--mode", "keyword", "--json",
                 "--index-dir", str(seed_settings.index_dir), "brandvæsen", cwd=tmp_path,
                 BUDGET_SEARCH_HOME=str(seed_settings.data_dir))  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["area"] == "Vestsjællands Brandvæsen"
    # the municipalities' names ship as data (index/data/kommuner.toml): Holbæk is not ours
    holbaek = _run(installed, str(script), "search", "--mode", "keyword", "--json",
                   "--index-dir", str(seed_settings.index_dir), "Hvad koster Jobcenter i Holbæk?",
                   cwd=tmp_path, BUDGET_SEARCH_HOME=str(seed_settings.data_dir))  # fmt: skip
    assert holbaek.returncode == 0, holbaek.stderr
    out = json.loads(holbaek.stdout)
    assert out["answer"] is None and out["message"].startswith("Indekset har intet budget fra")
