"""Files the build cannot use are named with their reason, always, and cost nothing twice.

Each case is `budget-search index` (in-process) on a small corpus of its own: when every file
is set aside the reasons still print; a file that failed is not parsed again until it changes;
sidecars without documents are named; a UTF-16 text is read; a file name cannot fake lines.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from fpdf import FPDF

from index.documents.corpus import load_corpus
from index.documents.walk import Skipped
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


# -- item 11: UTF-16 text, sidecars no document reads, control characters in names ----------

REMARKS = """Bemærkninger - Økonomiudvalget

Borgerservice

Samlet nettobudget for området: 1.000.000 kr.

Budgetgrundlag
Budgettet dækker borgerbetjening, pas og kørekort i Holbæk.
"""


def add(corpus: Path, name: str, data: bytes, sidecar: bool = True) -> Path:
    path = corpus / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if sidecar:
        path.with_suffix(".toml").write_text(META, encoding="utf-8")
    return path


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    data = REMARKS.replace("\n", "\r\n").encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # the big-endian codec writes no mark itself
    add(tmp_path, "notepad.txt", data)
    report = load_corpus(tmp_path)
    assert report.skipped == []
    [doc] = report.documents
    assert [(a.title, a.amount_kr) for a in doc.areas] == [("Borgerservice", 1_000_000)]
    assert "pas og kørekort i Holbæk" in doc.areas[0].passages[0].text


def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(tmp_path: Path) -> None:
    bad = add(tmp_path, "uden-bom.txt", REMARKS.encode("utf-16-le"))
    broken = add(tmp_path, "halv.txt", "Jobcenter".encode("utf-16")[:-1])  # odd length
    report = load_corpus(tmp_path)
    assert report.skipped == [
        Skipped(str(broken), "line 1: not valid UTF-16 text (truncated data at byte 18); save "
                             "it as UTF-8"),
        Skipped(str(bad), "line 1: UTF-16 text without a byte-order mark; save it as UTF-8 "
                          "(or as UTF-16 with one)"),
    ]  # fmt: skip


def test_sidecars_no_document_reads_are_named(tmp_path: Path) -> None:
    doc = add(tmp_path, "a/holbaek.txt", REMARKS.encode())
    (tmp_path / "a" / "flyttet.toml").write_text(META, encoding="utf-8")  # its document moved
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "stor.TOML").write_text(META, encoding="utf-8")
    (tmp_path / "b" / "stor.txt").write_bytes(REMARKS.encode())
    (tmp_path / "b" / "README.md").write_text("noter\n", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [d.meta.path for d in report.documents] == [doc.relative_to(tmp_path).as_posix()]
    assert sorted(report.ignored, key=lambda s: s.path) == [
        Skipped(str(tmp_path / "a" / "flyttet.toml"),
                "metadata file without a document: no flyttet.txt or flyttet.pdf beside it; "
                "not read"),
        Skipped(str(tmp_path / "b" / "stor.TOML"),
                "metadata files end in lower-case .toml: rename it stor.toml"),
    ]  # fmt: skip
    assert report.skipped == [Skipped(str(tmp_path / "b" / "stor.txt"),
                                      "no metadata file stor.toml")]  # fmt: skip


class HashEncoder:
    """Vectors from each text's hash: a build without loading the model."""

    model_id = "test-hash"
    dim = 64

    def encode_passages(self, texts: list[str], *, batch_size: int = 32,
                        progress: bool = False) -> np.ndarray:  # fmt: skip
        rows = [np.frombuffer(hashlib.sha512(t.encode()).digest(), dtype=np.int8) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def hash_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import index.embedding.embed
    import index.embedding.provision

    monkeypatch.setattr(index.embedding.provision, "provision_model", lambda *a, **k: None)
    monkeypatch.setattr(index.embedding.embed, "load_encoder", lambda *a, **k: HashEncoder())


def test_newline_in_a_file_name_prints_no_line_of_its_own(tmp_path: Path, hash_model) -> None:
    corpus = tmp_path / "corpus"
    forged = "a\nskipped fake.txt: forged\rb\x1b[2K"
    add(corpus, f"{forged}.txt", REMARKS.encode())
    add(corpus, "b\nindexed 99 documents.txt", REMARKS.encode(), sidecar=False)
    (corpus / "c\u2028d.toml").write_text(META, encoding="utf-8")
    result = index(tmp_path, corpus)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()  # splits at \r, \x1c-\x1e, \x85 and \u2028 too
    assert lines[0].startswith("embedding 1 passages and 0 of their sentences with test-hash")
    assert lines[1].startswith("indexed 1 document, 1 area, ")
    assert lines[2:] == [
        "  a\\nskipped fake.txt: forged\\rb\\x1b[2K.txt: 1 area, 1 with an amount (title, then "
        "net budget line)",
        f"skipped {corpus}/b\\nindexed 99 documents.txt: no metadata file b\\nindexed 99 "
        "documents.toml",
        f"ignored {corpus}/c\\u2028d.toml: metadata file without a document: no c\\u2028d.txt "
        "or c\\u2028d.pdf beside it; not read",
    ]


# -- item 9: a document that failed is not parsed again until it changes ----------------------


def loop_pdf(note: bytes = b"") -> bytes:
    """One page whose /MediaBox is a reference loop (4 0 R -> 5 0 R -> 4 0 R): pdfminer follows
    it until the time limit stops it."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox 4 0 R /Contents 6 0 R >>",
        4: b"5 0 R",
        5: b"4 0 R",
        6: b"<< /Length 0 >>\nstream\n\nendstream",
    }
    out = bytearray(b"%PDF-1.4\n%" + note + b"\n")
    offsets = {}
    for num, body in objects.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 7\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offsets[n]
                                                        for n in range(1, 7))  # fmt: skip
    out += b"trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the build's parser workers are given, in order."""
    from index.documents.worker import ParseWorker

    names: list[str] = []
    real = ParseWorker.parse

    def parse(self, path: Path, meta):  # type: ignore[no-untyped-def]
        names.append(Path(path).name)
        return real(self, path, meta)

    monkeypatch.setattr(ParseWorker, "parse", parse)
    return names


@pytest.mark.slow
def test_a_failed_document_is_remembered_until_it_changes(tmp_path: Path, hash_model,
                                                          parsed: list[str]) -> None:  # fmt: skip
    corpus = tmp_path / "corpus"
    add(corpus, "holbaek.txt", REMARKS.encode())
    bad = add(corpus, "loop.pdf", loop_pdf())
    limit = {"BUDGET_SEARCH_PARSE_SECONDS": "2"}
    reason = "parsing took longer than the 2 s limit and was stopped"

    def skipped(result: Result) -> str:
        assert result.exit_code == 0, result.output
        [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("skipped ")]
        return line.removeprefix(f"skipped {bad}: ")

    assert skipped(index(tmp_path, corpus, **limit)) == reason
    assert sorted(parsed) == ["holbaek.txt", "loop.pdf"]

    # unchanged: a no-op that parses nothing, and still says why the PDF is not indexed
    parsed.clear()
    again = index(tmp_path, corpus, **limit)
    assert again.stderr.splitlines()[0].startswith("index is up to date (1 passage")
    assert skipped(again).startswith(f"{reason} (so when parsed on ")
    assert skipped(again).endswith("; unchanged since, so not parsed again: `budget-search "
                                   "index --full` retries it)")  # fmt: skip
    assert parsed == []
    # another document changed: that one is parsed, the failed one still is not
    (corpus / "holbaek.txt").write_bytes(REMARKS.replace("pas", "pas, ID-kort").encode())
    assert skipped(index(tmp_path, corpus, **limit)).startswith(f"{reason} (so when parsed on ")
    assert parsed == ["holbaek.txt"]

    # a higher limit is a new chance, as are --full and any change to the file
    parsed.clear()
    assert skipped(index(tmp_path, corpus, BUDGET_SEARCH_PARSE_SECONDS="3")) == \
        "parsing took longer than the 3 s limit and was stopped"  # fmt: skip
    assert skipped(index(tmp_path, corpus, "--full", **limit)) == reason
    bad.write_bytes(loop_pdf(b"changed"))
    assert skipped(index(tmp_path, corpus, **limit)) == reason
    assert [name for name in parsed if name == "loop.pdf"] == ["loop.pdf"] * 3
    # a fixed file is forgotten
    bad.write_bytes(blank_pdf())
    assert skipped(index(tmp_path, corpus, **limit)) == "PDF has no extractable text (a " \
                                                         "scanned image?)"  # fmt: skip
    bad.unlink()
    bad.with_suffix(".toml").unlink()
    result = index(tmp_path, corpus, **limit)
    assert result.exit_code == 0 and "skipped" not in result.stderr
    assert json.loads((tmp_path / "index" / "failures.json").read_text())["failures"] == {}
