"""PDF input: the seed rendered as a PDF parses to the same areas and passages as the text."""

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest
from fpdf import FPDF
from PIL import Image

from index.config import CorpusLimits
from index.documents.clean import SourceLine
from index.documents.corpus import load_corpus
from index.documents.document import Document, DocumentError, DocumentMeta
from index.documents.parse import parse_file
from index.documents.pdf import pdf_lines, read_pdf
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


# -- scanned pages: named in a warning, and read by OCR (Tesseract, Danish) -------------------


def scan_of(pdf_path: Path, page: int = 1, dpi: int = 300) -> Image.Image:
    """A page of a PDF as a greyscale raster, as a scanner would give it."""
    with pdfplumber.open(pdf_path) as pdf:
        return pdf.pages[page - 1].to_image(resolution=dpi).original.convert("L")


def image_pdf(pages: list[Image.Image | str], target: Path) -> Path:
    """A PDF whose pages are full-page images (a scan), or a 20 mm logo for an image under
    100 pixels wide, or for a string, its lines of text."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", "", 10)
    for page in pages:
        pdf.add_page()
        if isinstance(page, str):
            for line in page.split("\n"):
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        elif page.width < 100:
            pdf.image(page, x=10, y=10, w=20)
        else:
            pdf.image(page, x=0, y=0, w=210, h=297)
    pdf.output(str(target))
    return target


TEXT_PAGE = "Staben\n\nSamlet nettobudget for området: 39.254.500 kr.\n\nBudgetgrundlag\n" \
            "Staben varetager økonomi, personale og it for hele kommunen."  # fmt: skip


def test_scanned_pages_are_named_when_no_ocr_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.documents.pdf

    monkeypatch.setattr(index.documents.pdf, "ocr_engine", lambda: None)
    grey = Image.new("L", (420, 594), 200)
    path = image_pdf([TEXT_PAGE] + [grey] * 6, tmp_path / "delvis-scannet.pdf")
    doc = parse_file(path, META)
    assert [a.title for a in doc.areas] == ["Staben"]  # the text page is indexed
    assert doc.warnings[0] == (
        f"{path}: pages 2-7 have no text, only images (scanned?), and are not indexed: install "
        "Tesseract with its Danish data (Debian: apt-get install tesseract-ocr "
        "tesseract-ocr-dan) and pytesseract to read them by OCR, then run `budget-search index "
        "--full`"
    )
    # a small image (a logo) on an empty page is no scan; a scan alone is no text at all
    logo = image_pdf([TEXT_PAGE, grey.resize((40, 40))], tmp_path / "logo.pdf")
    with pdfplumber.open(logo) as pdf:
        assert len(pdf.pages[1].images) == 1
    assert read_pdf(logo).warnings == ()
    with pytest.raises(DocumentError, match=r"PDF has no extractable text: its pages 1-2 are "
                       r"images \(scanned\?\); install Tesseract"):  # fmt: skip
        read_pdf(image_pdf([grey, grey], tmp_path / "scan.pdf"))


@pytest.fixture(scope="module")
def tesseract() -> str:
    from index.documents.pdf import ocr_engine

    engine = ocr_engine()
    if engine is None:
        pytest.fail("OCR needs Tesseract with Danish and pytesseract: apt-get install "
                    "tesseract-ocr tesseract-ocr-dan; pip install -e '.[test]' (make test-setup)")
    return engine


@pytest.mark.slow
def test_a_scanned_page_of_the_seed_is_read_by_ocr(tmp_path: Path, seed_pdf: Path,
                                                   tesseract: str) -> None:  # fmt: skip
    path = image_pdf([scan_of(seed_pdf, 1), TEXT_PAGE], tmp_path / "scannet.pdf")
    pdf = read_pdf(path)
    text = "\n".join(ln.text for ln in pdf.lines if ln.page == 1)
    for words in ("Jobcenter", "Samlet nettobudget for området", "rammebudget",
                  "Arnepension"):  # fmt: skip
        assert words in text
    assert pdf.warnings == (f"{path}: page 1 has no text, only images (scanned?): read by OCR "
                            "(Tesseract, Danish); check names and amounts against the PDF",)
    doc = parse_file(path, META)
    jobcenter = doc.areas[0]
    assert (jobcenter.title, jobcenter.amount_kr) == ("Jobcenter", 50_190_100)
    assert "nettobudget" in jobcenter.source.text
    assert any("forsørgerydelser" in p.text for p in jobcenter.passages)
    assert [a.title for a in doc.areas][-1] == "Staben"


def _processes_reading(folder: Path) -> list[str]:
    """Command lines of running processes that name a file in `folder`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in cmd:
            found.append(cmd)
    return found


@pytest.mark.slow
def test_ocr_stops_at_the_time_limit_and_leaves_no_process(
    tmp_path: Path, seed_pdf: Path, tesseract: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = scan_of(seed_pdf, 1)
    path = image_pdf([page] * 6, corpus / "scannet.pdf")
    path.with_suffix(".toml").write_text(
        'title = "Bemærkninger"\nmunicipality = "Kalundborg Kommune"\n'
        'committee = "Økonomiudvalget"\nyear = 2024\n', encoding="utf-8")  # fmt: skip
    scratch = tmp_path / "tmp"  # where pytesseract writes its images, named on tesseract's line
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    limits = replace(CorpusLimits(), parse_seconds=5)
    started = time.monotonic()
    report = load_corpus(corpus, limits)
    assert time.monotonic() - started < 5 + 10  # the worker's start, and then the limit
    [skipped] = report.skipped
    assert skipped.reason.startswith((
        "OCR of its scanned pages takes longer than the 5 s limit (stopped on page ",
        "parsing took longer than the 5 s limit and was stopped",
    ))  # fmt: skip
    time.sleep(0.5)
    assert _processes_reading(scratch) == []
