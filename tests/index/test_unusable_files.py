"""Files the build cannot use are named with their reason, always, and cost nothing twice.

Each case is `budget-search index` (in-process) on a small corpus of its own: when every file
is set aside the reasons still print; a file that failed is not parsed again until it changes;
sidecars without documents are named; a UTF-16 text is read; a file name cannot fake lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fpdf import FPDF

from webui.cli import cli

META = 'title = "Bemærkninger"\nmunicipality = "Holbæk Kommune"\ncommittee = "Økonomiudvalget"\n' \
       "year = 2024\n"  # fmt: skip


def index(tmp_path: Path, corpus: Path, *extra: str, **env: str) -> Result:
    env = {"BUDGET_SEARCH_HOME": str(tmp_path / "var"), **env}
    args = ["index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), "--quiet"]
    return CliRunner().invoke(cli, [*args, *extra], env=env)


def blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


# -- item 6: when every file is skipped, each reason is still printed --------------------------


def test_lone_scanned_pdf_says_why_nothing_was_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.pdf").write_bytes(blank_pdf())
    (corpus / "scan.toml").write_text(META, encoding="utf-8")
    (corpus / "loose.txt").write_text("Jobcenter\n", encoding="utf-8")  # no sidecar
    result = index(tmp_path, corpus)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: no documents could be indexed from {corpus}; each file and why:"
    assert f"skipped {corpus / 'scan.pdf'}: PDF has no extractable text (a scanned image?)" \
        in lines  # fmt: skip
    assert f"skipped {corpus / 'loose.txt'}: no metadata file loose.toml" in lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("make", "why"), [
    (lambda corpus: corpus.mkdir(), "it holds no .txt or .pdf document with a .toml metadata "
                                    "file beside it"),
    (lambda corpus: None, "there is no such folder"),
])  # fmt: skip
def test_empty_or_missing_corpus_says_so(tmp_path: Path, make, why: str) -> None:
    corpus = tmp_path / "corpus"
    make(corpus)
    result = index(tmp_path, corpus)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: no documents could be indexed from {corpus}: {why}"
