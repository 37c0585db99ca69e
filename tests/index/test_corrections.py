"""The sidecar corrects the reader: headings and amounts no rule reads, checked against the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.documents.corpus import load_corpus
from index.documents.document import DocumentError
from index.documents.parse import parse_file
from index.documents.sidecar import read_meta

# A committee's remarks whose areas have no net-budget line: only the sidecar knows the amounts,
# and "Vej og Park" is written as a plain line the shape rules take for a sub-heading.
TEXT = """Bemærkninger til Teknik- og Miljøudvalget 2025

Vej og Park

Området omfatter drift og vedligeholdelse af kommunens veje, stier, broer og grønne arealer,
herunder vintertjeneste og gadebelysning.

Natur og Miljø

Området omfatter naturpleje, vandløb, miljøtilsyn med virksomheder og landbrug samt
jordforurening.
"""

SIDECAR = """title = "Bemærkninger til Teknik- og Miljøudvalget 2025"
municipality = "Testrup Kommune"
committee = "Teknik- og Miljøudvalget"
year = 2025
"""


def _doc(tmp_path: Path, extra: str):
    (tmp_path / "tmu.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "tmu.toml").write_text(SIDECAR + extra, encoding="utf-8")
    return parse_file(tmp_path / "tmu.txt", read_meta(tmp_path / "tmu.txt", tmp_path))


def test_headings_and_amounts_from_the_sidecar(tmp_path: Path) -> None:
    doc = _doc(tmp_path, 'headings = ["Vej og Park", "Natur og Miljø"]\n\n'
                         '[amounts]\n"Vej og Park" = 109331000\n"Natur og Miljø" = -2500000\n')
    got = [(a.title, a.amount_kr) for a in doc.areas]
    assert got == [("Vej og Park", 109_331_000), ("Natur og Miljø", -2_500_000)]
    vej = doc.areas[0]
    assert vej.source is not None
    assert vej.source.text == 'tmu.toml: [amounts] "Vej og Park" = 109331000'
    assert "vintertjeneste" in " ".join(p.text for p in vej.passages)
    assert "vintertjeneste" not in " ".join(p.text for p in doc.areas[1].passages)
    assert all(p.amount_kr == 109_331_000 for p in vej.passages)


def test_an_unknown_title_is_refused_with_the_sidecars_name(tmp_path: Path) -> None:
    doc = _doc(tmp_path, 'headings = ["Vej og Park", "Kollektiv trafik"]\n\n'
                         '[amounts]\n"Vej og Parker" = 5\n')
    assert [a.title for a in doc.areas] == ["Indledning", "Vej og Park"] or \
        [a.title for a in doc.areas] == ["Vej og Park"]
    assert all(a.amount_kr is None for a in doc.areas)
    refused = [w for w in doc.warnings if "refused" in w]
    assert len(refused) == 2
    assert all("metadata file tmu.toml" in w for w in refused)
    assert any("'Kollektiv trafik'" in w for w in refused)
    assert any("'Vej og Parker'" in w for w in refused)


@pytest.mark.parametrize("extra, message", [
    ('[amounts]\n"Vej og Park" = "109 mio."\n', "[amounts] maps an area's title"),
    ('[amounts]\n"Vej og Park" = true\n', "[amounts] maps an area's title"),
    ('[amounts]\n"Vej og Park" = 1e20\n', "[amounts] maps an area's title"),
    ('headings = "Vej og Park"\n', "headings is a list"),
    ("x = " + "[" * 500 + "]" * 500 + "\n", "nested too deep"),
])  # fmt: skip
def test_a_bad_correction_names_the_sidecar(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(DocumentError) as err:
        _doc(tmp_path, extra)
    assert "tmu.toml" in str(err.value) and message in str(err.value)


def test_a_deeply_nested_sidecar_skips_only_its_document(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.toml").write_text(SIDECAR + "x = " + "[" * 500 + "]" * 500 + "\n")
    (tmp_path / "b.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.toml").write_text(SIDECAR, encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [d.meta.id for d in report.documents] == ["b"]
    assert [(s.path.endswith("a.txt"), "nested too deep" in s.reason) for s in report.skipped] \
        == [(True, True)]  # fmt: skip


def test_the_documents_own_total_is_reconciled_not_an_area(tmp_path: Path) -> None:
    text = ("Bemærkninger - Økonomiudvalget\n\nSamlet nettobudget for udvalget: 131.395.900 kr.\n\n"
            "Jobcenter\n\nSamlet nettobudget for området: 50.190.100 kr.\n\nBudgetgrundlag\n"
            "Budgettet er et rammebudget.\n\nBorgerservice\n\nSamlet nettobudget for området: "
            "81.205.800 kr.\n\nBudgetgrundlag\nBudgettet er et rammebudget.\n")
    (tmp_path / "oeu.txt").write_text(text, encoding="utf-8")
    sidecar = SIDECAR.replace("Teknik- og Miljøudvalget", "Økonomiudvalget")
    sidecar = sidecar.replace("til Økonomiudvalget 2025", "- Økonomiudvalget")
    (tmp_path / "oeu.toml").write_text(sidecar, encoding="utf-8")
    doc = parse_file(tmp_path / "oeu.txt", read_meta(tmp_path / "oeu.txt", tmp_path))
    assert [(a.title, a.amount_kr) for a in doc.areas if a.amount_kr] == [
        ("Jobcenter", 50_190_100), ("Borgerservice", 81_205_800)]
    (total,) = doc.reconciliations
    assert (total.stated_kr, total.summed_kr, total.verdict()) == (131_395_900, 131_395_900,
                                                                   "stemmer")  # fmt: skip
    assert total.source.line == 3


def test_an_area_table_for_another_year_gives_no_amounts(tmp_path: Path) -> None:
    text = ("Bemærkninger til Teknik- og Miljøudvalget 2025\n\n"
            "Bevillingsområde | Budget 2026 (1.000 kr.)\n"
            "Veje og trafik | 45.250\nAffald | -3.200\n")
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    (tmp_path / "t.toml").write_text(SIDECAR, encoding="utf-8")
    doc = parse_file(tmp_path / "t.txt", read_meta(tmp_path / "t.txt", tmp_path))
    assert [(a.title, a.amount_kr) for a in doc.areas] == [("Veje og trafik", None),
                                                           ("Affald", None)]  # fmt: skip
    assert sum("not the document's year 2025" in w for w in doc.warnings) == 2


# Areas with their own net-budget lines, then an overview table of the same areas: one row
# disagrees with its area (a typo in the publication), and the table's total agrees with its rows.
OVERVIEW = """Bemærkninger til Teknik- og Miljøudvalget 2025

Vej og Park

Samlet nettobudget for området: 109.331.000 kr.

Budgetgrundlag
Budgettet er et rammebudget.

Natur og Miljø

Samlet nettobudget for området: 12.480.500 kr.

Budgetgrundlag
Budgettet er et rammebudget.

Bevillingsoversigt (mio. kr.)

| Område | Budget 2025 | Overslag 2026 |
| Vej og Park | 109,3 | 110,1 |
| Natur og Miljø | 14,5 | 14,6 |
| I alt | 123,8 | 124,7 |
"""


def test_an_overview_table_is_reconciled_and_checked_against_the_areas(tmp_path: Path) -> None:
    (tmp_path / "tmu.txt").write_text(OVERVIEW, encoding="utf-8")
    (tmp_path / "tmu.toml").write_text(SIDECAR, encoding="utf-8")
    doc = parse_file(tmp_path / "tmu.txt", read_meta(tmp_path / "tmu.txt", tmp_path))
    amounts = {a.title: a.amount_kr for a in doc.areas}
    assert amounts["Vej og Park"] == 109_331_000 and amounts["Natur og Miljø"] == 12_480_500
    (total,) = doc.reconciliations
    assert (total.label, total.stated_kr, total.summed_kr, total.agrees) == (
        "I alt", 123_800_000, 123_800_000, True)
    disagree = [w for w in doc.warnings if "the table says" in w]
    assert len(disagree) == 1
    assert "'Natur og Miljø'" in disagree[0] and "14.500.000 kr." in disagree[0]
    assert "(line 12) 12.480.500 kr." in disagree[0]
