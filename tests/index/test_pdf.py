"""PDF input: the seed rendered as a PDF parses to the same areas and passages as the text."""

import subprocess
import sys
from pathlib import Path

import pytest
from fpdf import FPDF

from index.documents.clean import SourceLine
from index.documents.document import Document, DocumentError, DocumentMeta
from index.documents.parse import parse_file
from index.documents.pdf import pdf_lines
from pdf_render import FONT_DIR, render_pdf

SEED = Path(__file__).resolve().parents[2] / "corpus/kalundborg/2024/oekonomiudvalget.txt"
META = DocumentMeta(
    id="kalundborg/2024/oekonomiudvalget",
    path="kalundborg/2024/oekonomiudvalget.pdf",
    title="Bemærkninger - Økonomiudvalget",
    municipality="Kalundborg Kommune",
    committee="Økonomiudvalget",
    year=2024,
)


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (FONT_DIR / "DejaVuSans.ttf").is_file():
        pytest.fail(f"DejaVu fonts missing in {FONT_DIR}: apt-get install fonts-dejavu-core")
    target = tmp_path_factory.mktemp("pdf") / "oekonomiudvalget.pdf"
    return render_pdf(SEED.read_text(encoding="utf-8"), target)


@pytest.fixture(scope="module")
def from_pdf(seed_pdf: Path) -> Document:
    return parse_file(seed_pdf, META)


@pytest.fixture(scope="module")
def lines(seed_pdf: Path) -> list[SourceLine]:
    return pdf_lines(seed_pdf)


@pytest.fixture(scope="module")
def from_text() -> Document:
    return parse_file(SEED, META)


def test_pdf_has_the_same_areas_and_amounts(from_pdf: Document, from_text: Document) -> None:
    assert len(from_pdf.areas) == 17
    assert sum(a.amount_kr for a in from_pdf.areas) == 460_443_800
    assert [(a.title, a.amount_kr) for a in from_pdf.areas] == [
        (a.title, a.amount_kr) for a in from_text.areas
    ]
    assert from_pdf.warnings == ()


def test_pdf_passages_match_the_text_passages(from_pdf: Document, from_text: Document) -> None:
    def key(d: Document) -> list[tuple[str, str, str, str]]:
        return [(p.area, p.section, p.subsection, p.text) for p in d.passages]

    assert key(from_pdf) == key(from_text)


def test_pdf_pages_are_tagged(lines: list[SourceLine], from_pdf: Document) -> None:
    pages = [p.page for p in from_pdf.passages]
    assert pages[0] == 1 and pages == sorted(pages)
    assert max(pages) == max(ln.page for ln in lines) > 5  # page breaks where the text has them
    by_number = {ln.number: ln for ln in lines}
    for p in from_pdf.passages:
        assert by_number[p.line_start].page == p.page
        first_word = p.text.lstrip("• ").split()[0]
        assert first_word in by_number[p.line_start].text


def test_page_break_becomes_blank_lines_and_bold_survives(lines: list[SourceLine]) -> None:
    first_of_page_2 = next(i for i, ln in enumerate(lines) if ln.page == 2)
    assert all(ln.blank for ln in lines[first_of_page_2 : first_of_page_2 + 3])
    bold = {ln.text for ln in lines if ln.bold}
    assert {"Budgetgrundlag", "Jobcenter", "Staben"} <= bold
    assert not any(ln.text.startswith("Samlet nettobudget") for ln in lines if ln.bold)


def test_broken_pdf_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    with pytest.raises(DocumentError, match="unreadable PDF") as info:
        parse_file(path, META)
    assert str(info.value).startswith(str(path))


def test_pdf_without_text_is_an_error(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentError, match="no extractable text"):
        parse_file(path, META)


_PEAK = """
import resource, sys
import subprocess
import sys
from pathlib import Path
import pdfplumber  # noqa: F401 - its import is not the reading's memory
from index.documents.pdf import pdf_lines
path = Path(sys.argv[1])
data = path.read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lines = pdf_lines(path, data)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(max(ln.page for ln in lines), (after - before) // 1024)
"""


@pytest.mark.slow
def test_a_long_pdf_is_read_page_by_page_in_bounded_memory(tmp_path: Path) -> None:
    # 1,500 pages of a few lines: each page's characters (~2 KB apiece in pdfplumber) must go
    # when the page is read; kept to the end they took ~210 MB here (~1 GB per 1,000 pages of
    # a real budget book, whose 4,000 pages passed the worker's 4 GB)
    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    for n in range(1, 1501):
        pdf.add_page()
        pdf.cell(0, 5, f"Side {n}: driften af omraadet i budgetaaret.", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
        pdf.cell(0, 5, f"Nettobudget {n * 1000} kr.", new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "bog.pdf"
    pdf.output(str(path))
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path)], cwd=root, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    pages, growth_mb = map(int, done.stdout.split())
    assert pages == 1500
    assert growth_mb < 64, f"reading 1,500 pages raised the peak memory by {growth_mb} MB"
