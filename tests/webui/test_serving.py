"""A serving process answers with onnxruntime and tokenizers only: torch never loads in it.

Each check runs in a fresh interpreter (this test process has torch loaded already) and reports
what its sys.modules and memory map hold after real searches on the seed index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "sentence_transformers", "transformers")

REPORT = """
import json, sys
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
with open("/proc/self/maps") as fh:
    mapped = sorted({{line.split()[-1] for line in fh if "libtorch" in line}})
print("REPORT " + json.dumps({{"heavy": heavy, "mapped": mapped, **extra}}))
"""


def _child(code: str, settings) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BUDGET_SEARCH_HOME": str(settings.data_dir),
        "BUDGET_SEARCH_INDEX": str(settings.index_dir),
        "BUDGET_SEARCH_CORPUS": str(settings.corpus_dir),
    }
    env.pop("BUDGET_SEARCH_MODEL", None)
    script = textwrap.dedent(code) + REPORT.format(heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])


def test_web_app_and_its_searches_never_import_torch(seed_settings):
    got = _child(
        """
        import webui
        app = webui.create_app()  # opens the engine, loads the query encoder, warms up
        client = app.test_client()
        extra = {}
        for mode in ("hybrid", "semantic", "keyword"):
            resp = client.get("/api/search", query_string={"q": "hvad koster brandvæsenet",
                                                           "mode": mode})
            assert resp.status_code == 200, resp.data
            extra[mode] = resp.get_json()["results"][0]["area"]
        """,
        seed_settings,
    )
    assert got["heavy"] == [] and got["mapped"] == [], got
    assert got["hybrid"] == got["semantic"] == "Vestsjællands Brandvæsen"


def test_search_cli_never_imports_torch(seed_settings):
    got = _child(
        """
        import io, contextlib
        from webui.cli import cli
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.main(["search", "--json", "hvad koster brandvæsenet"],
                     prog_name="budget-search", standalone_mode=False)
        extra = {"area": json.loads(out.getvalue())["results"][0]["area"]}
        """.replace("import io", "import io, json"),
        seed_settings,
    )
    assert got["heavy"] == [] and got["mapped"] == [], got
    assert got["area"] == "Vestsjællands Brandvæsen"


@pytest.mark.slow
def test_torch_loads_after_onnxruntime_in_one_process(seed_settings):
    """torch after onnxruntime (the order a build with a user's model takes now that nothing
    imports torch first) works and changes nothing: onnxruntime's CPU build links no OpenMP
    runtime, so there is no second one to clash with torch's libgomp."""
    got = _child(
        """
        import numpy as np
        from index.config import load_settings
        from index.embedding.embed import load_encoder
        settings = load_settings()
        onnx = load_encoder(settings)
        ref = load_encoder(settings, query_backend="torch")
        texts = ["Borgerservice udsteder pas og kørekort.", "brandvæsen", "fire department"]
        b = onnx.encode_queries(texts)
        a = ref.encode_queries(texts)
        b2 = onnx.encode_queries(texts)
        extra = {"cos": float(np.min(np.sum(a * b, 1))), "same": bool(np.array_equal(b, b2))}
        """,
        seed_settings,
    )
    assert "torch" in got["heavy"]  # the reference path really ran torch
    assert got["cos"] >= 0.99 and got["same"], got
