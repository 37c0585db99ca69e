"""Published PDFs: the cover, the contents, the running header and the "Side N af M" footer
are page furniture, dropped before parsing: the seed published that way gives the same areas,
amounts and passages as its text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.documents.document import Document, DocumentMeta
from index.documents.furniture import is_contents, strip_furniture
from index.documents.parse import parse_file
from pdf_published import HEADER, render_published

SEED = Path(__file__).resolve().parents[2] / "corpus/kalundborg/2024/oekonomiudvalget.txt"
META = DocumentMeta("kalundborg/2024/oekonomiudvalget", "kalundborg/2024/oekonomiudvalget.pdf",
                    "Bemærkninger - Økonomiudvalget", "Kalundborg Kommune", "Økonomiudvalget",
                    2024)  # fmt: skip


@pytest.fixture(scope="module")
def from_text() -> Document:
    return parse_file(SEED, META)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, from_text: Document):
    target = tmp_path_factory.mktemp("published") / "oekonomiudvalget.pdf"
    pages = render_published(SEED.read_text(encoding="utf-8"),
                             [a.title for a in from_text.areas], target)  # fmt: skip
    return parse_file(target, META), pages


def test_same_areas_and_amounts_as_the_text(published, from_text: Document) -> None:
    doc, _ = published
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        (a.title, a.amount_kr) for a in from_text.areas
    ]
    assert len(doc.areas) == 17 and sum(a.amount_kr for a in doc.areas) == 460_443_800
    assert doc.warnings == ()


def test_same_passages_and_no_furniture_in_any(published, from_text: Document) -> None:
    doc, _ = published
    assert [(p.area, p.section, p.subsection, p.text) for p in doc.passages] == [
        (p.area, p.section, p.subsection, p.text) for p in from_text.passages
    ]
    furniture = re.compile(rf"Side \d+ af \d+|{re.escape(HEADER)}|Indholdsfortegnelse|\.\.\.\.")
    assert [p.text[:60] for p in doc.passages if furniture.search(p.text)] == []


def test_passages_cite_the_page_they_are_on(published) -> None:
    doc, pages = published
    for area in doc.areas:
        assert area.passages[0].page in (pages[area.title], pages[area.title] + 1)
    assert [p.page for p in doc.passages] == sorted(p.page for p in doc.passages)


AREAS = ["Jobcenter", "Borgerservice", "Kultur og Fritid", "HR og Personale", "Økonomi"]


def _rows(*texts: str, top: float = 40.0, step: float = 12.0) -> list[tuple[str, bool, float]]:
    return [(t, False, top + i * step) for i, t in enumerate(texts)]


def test_repeated_body_lines_at_other_heights_stay() -> None:
    # "Budgetgrundlag" opens a page now and then, but not at one height: it is text
    pages = [_rows("Rapport 2024", *(["Budgetgrundlag"] if p % 2 else []), f"Tekst {p}.",
                   f"Side {p + 1} af 6", top=30.0 + 7 * p) for p in range(6)]  # fmt: skip
    kept = strip_furniture(pages)
    assert all(any(r[0].startswith("Tekst") for r in rows) for rows in kept)
    assert sum(r[0] == "Budgetgrundlag" for rows in kept for r in rows) == 3
    assert not any(r[0].startswith("Side ") for rows in kept for r in rows)


def test_a_page_label_goes_even_in_a_short_document() -> None:
    pages = [_rows("Jobcenter", "Samlet nettobudget: 5 kr.", "Side 1 af 2"),
             _rows("Budgetgrundlag", "Tekst.", "Side 2 af 2")]  # fmt: skip
    assert strip_furniture(pages) == [_rows("Jobcenter", "Samlet nettobudget: 5 kr."),
                                      _rows("Budgetgrundlag", "Tekst.")]  # fmt: skip


def test_contents_pages_and_covers() -> None:
    assert is_contents(_rows("Indhold", "Jobcenter 3", "Borgerservice 4", "Økonomi 9"))
    assert is_contents(_rows(*(f"Område {n} ........ {n + 2}" for n in range(8))))
    assert not is_contents(_rows("Budgetgrundlag", "Budgettet er hævet i 2024", "Tekst."))
    cover = _rows("Kalundborg Kommune", "Budget 2024")
    bodies = [_rows(t, "Samlet nettobudget for området: 5 kr.", "Tekst.") for t in AREAS[:2]]
    assert strip_furniture([cover, *bodies]) == [[], *bodies]
    first = _rows("Økonomi", "Samlet nettobudget for området: 9 kr.")
    assert strip_furniture([first, *bodies])[0] == first  # a sentence: not a cover


def test_an_amount_line_at_the_same_place_on_every_page_stays() -> None:
    # one area a page, each with its net budget line at the same height: not a header
    amounts = ["50.190.100", "81.205.800", "4.100.000", "12.000.000", "7.300.000"]
    lines = [f"Samlet nettobudget for området: {a} kr." for a in amounts]
    pages = [_rows(t, line, f"Om {t.lower()}.", f"Side {n + 1} af 5")
             for n, (t, line) in enumerate(zip(AREAS, lines, strict=True))]  # fmt: skip
    kept = strip_furniture(pages)
    assert [rows[1][0] for rows in kept] == lines
    assert all(len(rows) == 3 for rows in kept)


def test_a_bare_page_number_that_follows_the_pages_goes() -> None:
    pages = [_rows(t, f"Om {t.lower()}.", str(n + 3)) for n, t in enumerate(AREAS)]
    assert strip_furniture(pages) == [_rows(t, f"Om {t.lower()}.") for t in AREAS]
