"""Loading a corpus directory: good documents load, every other file is reported with a reason."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.documents.corpus import load_corpus
from index.documents.document import DocumentError
from index.documents.parse import parse_file
from index.documents.sidecar import read_meta
from index.documents.walk import Skipped

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEED_STEM = Path("kalundborg/2024/oekonomiudvalget")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the seed corpus document with its metadata sidecar."""
    root = tmp_path / "corpus"
    (root / SEED_STEM.parent).mkdir(parents=True)
    for suffix in (".txt", ".toml"):
        shutil.copy(CORPUS / SEED_STEM.with_suffix(suffix), root / SEED_STEM.with_suffix(suffix))
    return root


def _sidecar(path: Path, **fields: object) -> None:
    meta = {"title": "T", "municipality": "M", "committee": "C", "year": 2024, **fields}
    lines = [f"{k} = {v!r}" if isinstance(v, int) else f'{k} = "{v}"' for k, v in meta.items()]
    path.with_suffix(".toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_seed_corpus_loads(corpus: Path) -> None:
    report = load_corpus(corpus)
    assert report.skipped == []
    [doc] = report.documents
    assert doc.meta.id == "kalundborg/2024/oekonomiudvalget"
    assert doc.meta.path == "kalundborg/2024/oekonomiudvalget.txt"
    assert (doc.meta.municipality, doc.meta.committee, doc.meta.year) == (
        "Kalundborg Kommune",
        "Økonomiudvalget",
        2024,
    )
    assert len(doc.areas) == 17
    assert report.summary() == f"1 document, 17 areas, {len(doc.passages)} passages"


def test_bad_files_are_skipped_with_reasons_and_good_ones_still_load(corpus: Path) -> None:
    (corpus / "x.bin").write_bytes(b"\x00\x01")
    (corpus / "README.md").write_text("notes about the corpus\n", encoding="utf-8")
    (corpus / ".DS_Store").write_bytes(b"\x00")
    orphan = corpus / "orphan.txt"
    orphan.write_text("Område\n\nSamlet nettobudget for området: 1 kr.\n", encoding="utf-8")
    binary = corpus / "kalundborg/2024/binary.txt"
    binary.write_bytes(b"Titel\n\x00\x00")
    _sidecar(binary)
    empty = corpus / "kalundborg/2024/empty.txt"
    empty.write_bytes(b"")
    _sidecar(empty)

    report = load_corpus(corpus)

    assert [d.meta.id for d in report.documents] == ["kalundborg/2024/oekonomiudvalget"]
    assert report.skipped == [
        Skipped(str(binary), "line 2: binary file (NUL byte), not text"),
        Skipped(str(empty), "empty file"),
        Skipped(str(orphan), "no metadata file orphan.toml"),
        Skipped(str(corpus / "x.bin"), "unsupported extension"),
    ]
    summary = report.summary()
    assert summary.startswith("1 document, 17 areas, ")
    assert f"; skipped 4: {binary} (line 2: binary file (NUL byte), not text); " in summary
    assert f"{corpus / 'x.bin'} (unsupported extension); ignored 1: " in summary
    assert report.ignored == [Skipped(str(corpus / ".DS_Store"), "hidden file, not read")]


def test_binary_reason_names_the_line(corpus: Path) -> None:
    binary = corpus / "bad.txt"
    binary.write_bytes(b"Titel\n\nmere\n\x00")
    _sidecar(binary)
    [skipped] = load_corpus(corpus).skipped
    assert skipped.reason == "line 4: binary file (NUL byte), not text"
    with pytest.raises(DocumentError, match=r"bad\.txt:4: binary file"):
        parse_file(binary, read_meta(binary, corpus))


def test_pdf_beside_its_text_is_reported_not_loaded_twice(corpus: Path) -> None:
    pdf = corpus / SEED_STEM.with_suffix(".pdf")
    pdf.write_bytes(b"%PDF-1.4 not really")
    report = load_corpus(corpus)
    assert len(report.documents) == 1
    assert report.skipped == [Skipped(str(pdf), "same document as oekonomiudvalget.txt")]


@pytest.mark.parametrize(
    ("toml", "reason"),
    [
        ('title = "T"\nmunicipality = "M"\ncommittee = "C"\n', "lacks year"),
        ('title = "T"\nmunicipality = "M"\ncommittee = "C"\nyear = "tyve"\n', "year is not a"),
        ("title = = broken", "unreadable metadata file"),
    ],
)
def test_bad_metadata_is_a_reason(corpus: Path, toml: str, reason: str) -> None:
    corpus.joinpath(SEED_STEM.with_suffix(".toml")).write_text(toml, encoding="utf-8")
    report = load_corpus(corpus)
    assert report.documents == []
    [skipped] = report.skipped
    assert reason in skipped.reason and "oekonomiudvalget.toml" in skipped.reason


def test_two_parsing_workers_keep_the_order_and_the_reasons(corpus: Path) -> None:
    """Documents parse two at a time; the report is the one a single worker gives."""
    from dataclasses import replace

    from index.config import CorpusLimits

    seed = corpus / SEED_STEM.with_suffix(".txt")
    for i in range(5):
        copy = seed.with_name(f"udvalg{i}.txt")
        shutil.copy(seed, copy)
        _sidecar(copy, title=f"Udvalg {i}")
    binary = seed.with_name("udvalg2b.txt")  # between two good ones
    binary.write_bytes(b"Titel\n\x00")
    _sidecar(binary)

    one = load_corpus(corpus, replace(CorpusLimits(), parse_workers=1))
    two = load_corpus(corpus, replace(CorpusLimits(), parse_workers=2))

    assert len(two.documents) == 6
    assert two.documents == one.documents
    assert two.skipped == one.skipped == [
        Skipped(str(binary), "line 2: binary file (NUL byte), not text")
    ]


def test_empty_corpus(tmp_path: Path) -> None:
    report = load_corpus(tmp_path)
    assert (report.documents, report.skipped) == ([], [])
    assert report.summary() == "0 documents, 0 areas, 0 passages"


def test_a_script_without_a_main_guard_can_load_a_corpus(corpus: Path, tmp_path: Path) -> None:
    """The parsing worker is a fresh interpreter, not a re-run of the caller's main module."""
    script = tmp_path / "count.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from index.documents.corpus import load_corpus\n"
        f"print(load_corpus({str(corpus)!r}).summary())\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 document, 17 areas, ")


# -- one budget twice, and names that differ only in case (issue 28, item 8) ---------------

BORGERSERVICE = """Bemærkninger - Økonomiudvalget

Borgerservice

Samlet nettobudget for området: {amount} kr.

Beskrivelse af området
Borgerservice udsteder pas, kørekort og sundhedskort, vejleder om boligstøtte og hjælper
borgere, der ikke kan bruge MitID og digital post på egen hånd.
"""


def test_one_budget_in_two_documents_is_a_warning_naming_both(corpus: Path) -> None:
    """The adopted budget and a corrected copy saved beside it: same municipality, committee and
    year. Both load (neither is guessed to be the right one); the warning names both files."""
    seed = corpus / SEED_STEM.with_suffix(".txt")
    copy = seed.with_name("oekonomiudvalget-korrigeret.txt")
    shutil.copy(seed, copy)
    shutil.copy(seed.with_suffix(".toml"), copy.with_suffix(".toml"))
    other = corpus / "holbaek/2024/oekonomiudvalget.txt"  # another municipality: no warning
    other.parent.mkdir(parents=True)
    other.write_text(BORGERSERVICE.format(amount="12.400.000"), encoding="utf-8")
    _sidecar(other, municipality="Holbæk Kommune", committee="Økonomiudvalget")

    report = load_corpus(corpus)

    assert len(report.documents) == 3 and report.skipped == []
    assert report.warnings == [
        "kalundborg/2024/oekonomiudvalget-korrigeret.txt, kalundborg/2024/oekonomiudvalget.txt: "
        "2 documents for Kalundborg Kommune, Økonomiudvalget 2024; their amounts are shown side "
        "by side, never added together (remove the one that is not the budget, or correct its "
        "sidecar's year)"
    ]


def test_names_differing_only_in_case_are_two_documents(tmp_path: Path) -> None:
    """`borgerservice.txt` and `borgerservice.TXT` (one sidecar): two documents, two ids, both
    texts read; a PDF beside a `.TXT` is the text's document, as beside a `.txt`."""
    root = tmp_path / "corpus"
    (root / "roskilde").mkdir(parents=True)
    lower, upper = root / "roskilde/borgerservice.txt", root / "roskilde/borgerservice.TXT"
    lower.write_text(BORGERSERVICE.format(amount="10.000.000"), encoding="utf-8")
    upper.write_text(BORGERSERVICE.format(amount="11.500.000"), encoding="utf-8")
    _sidecar(lower, municipality="Roskilde Kommune", committee="Økonomiudvalget")
    text, pdf = root / "roskilde/jobcenter.TXT", root / "roskilde/jobcenter.pdf"
    text.write_text(BORGERSERVICE.format(amount="3.000.000"), encoding="utf-8")
    pdf.write_bytes(b"%PDF-1.4 not really")
    _sidecar(text, municipality="Roskilde Kommune", committee="Beskæftigelsesudvalget")

    report = load_corpus(root)

    got = sorted((d.meta.id, d.meta.path, d.areas[0].amount_kr) for d in report.documents)
    assert got == [("roskilde/borgerservice", "roskilde/borgerservice.txt", 10_000_000),
                   ("roskilde/borgerservice.TXT", "roskilde/borgerservice.TXT", 11_500_000),
                   ("roskilde/jobcenter", "roskilde/jobcenter.TXT", 3_000_000)]  # fmt: skip
    ids = {p.document for d in report.documents for p in d.passages}
    assert ids == {"roskilde/borgerservice", "roskilde/borgerservice.TXT", "roskilde/jobcenter"}
    assert report.skipped == [Skipped(str(pdf), "same document as jobcenter.TXT")]
    assert any("roskilde/borgerservice.TXT, roskilde/borgerservice.txt: 2 documents" in w
               for w in report.warnings)  # fmt: skip


def test_a_case_twin_whose_own_id_is_taken_is_skipped_naming_both(tmp_path: Path) -> None:
    """`r.txt`, `r.TXT` and `r.TXT.txt`: the id that would keep `r.TXT` apart ("r.TXT") is
    already `r.TXT.txt`'s, so `r.TXT` is skipped with a reason naming the others; nothing is
    silently merged."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name, amount in (("r.txt", "1.000.000"), ("r.TXT", "2.000.000"), ("r.TXT.txt", "3.000")):
        (root / name).write_text(BORGERSERVICE.format(amount=amount), encoding="utf-8")
    _sidecar(root / "r.txt")
    _sidecar(root / "r.TXT.txt")

    report = load_corpus(root)

    assert sorted(d.meta.id for d in report.documents) == ["r", "r.TXT"]
    assert {d.meta.path for d in report.documents} == {"r.txt", "r.TXT.txt"}
    assert report.skipped == [Skipped(str(root / "r.TXT"), (
        "same document id as r.txt (the name differs only in case), and the id that keeps them "
        "apart, r.TXT, is r.TXT.txt's; rename one of them"))]  # fmt: skip
