"""Other municipalities' layouts: documents written in each layout parse to the right areas
and amounts, and a document in no known layout is still searchable, with a warning."""

from __future__ import annotations

from pathlib import Path

from index.clean import section_heading
from index.document import DocumentMeta
from index.parse import parse_file

META = DocumentMeta("holbaek/2025/social", "holbaek/2025/social.txt", "Bemærkninger - Social",
                    "Holbæk Kommune", "Social- og Sundhedsudvalget", 2025)  # fmt: skip


def _parse(tmp_path: Path, text: str):
    path = tmp_path / "social.txt"
    path.write_text(text, encoding="utf-8")
    return parse_file(path, META), path


SEPARATE_LINES = """Budgetbemærkninger 2025 - Social- og Sundhedsudvalget

Ældreområdet

Samlet budget:
938,4 mio. kr.
Andel af driftsbudget:
12,92 %

Beskrivelse af området
Ældreområdet omfatter hjemmepleje, plejecentre, madservice og genoptræning efter
serviceloven. Flere ældre over 80 år øger behovet for pladser på plejecentrene.

Sundhedsfremme

Samlet budget:
−12,3 mio. kr.
Andel af driftsbudget:
-0,17 %

Beskrivelse af området
Området har flere indtægter end udgifter, fordi staten refunderer en del af udgifterne
til forebyggende hjemmebesøg og rygestopkurser.

Psykiatri og handicap

Samlet nettobudget for området: -1.234.567 kr.

Budgetgrundlag
Indtægterne fra salg af pladser til andre kommuner er højere end udgifterne.
"""


def test_label_and_amount_on_separate_lines_and_negative_amounts(tmp_path: Path) -> None:
    doc, _ = _parse(tmp_path, SEPARATE_LINES)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        ("Ældreområdet", 938_400_000),
        ("Sundhedsfremme", -12_300_000),  # an income area, with a typographic minus
        ("Psykiatri og handicap", -1_234_567),
    ]
    assert doc.warnings == ()
    assert doc.layout == "title, then net budget line; label and amount on separate lines"
    first = doc.areas[0].passages
    assert first[0].text.startswith("Andel af driftsbudget: 12,92 %")
    assert "938,4" not in " ".join(p.text for p in doc.passages)  # the amount line is the area's
    assert {p.section for p in first} == {"Budgetgrundlag", "Beskrivelse af området"}


NUMBERED = """Budgetbemærkninger 2025

1. Jobcenter

Samlet nettobudget for området: 81.205.800 kr.

1.1 Beskrivelse af området
Jobcentret varetager beskæftigelsesindsatsen for ledige og sygemeldte borgere.

1.2 Udvikling og udfordringer
Ledigheden er lav, men flere unge står uden uddannelse.

2. Borgerservice

Samlet nettobudget: 17.450 t. kr.

BESKRIVELSE AF OMRÅDET
Borgerservice udsteder pas og kørekort og hjælper med digital post.

UDVIKLING OG UDFORDRINGER
Flere borgere bestiller tid online.
"""


def test_numbered_and_capitalised_headings(tmp_path: Path) -> None:
    doc, _ = _parse(tmp_path, NUMBERED)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        ("Jobcenter", 81_205_800),
        ("Borgerservice", 17_450_000),
    ]
    assert [(p.area, p.section) for p in doc.passages] == [
        ("Jobcenter", "Beskrivelse af området"),
        ("Jobcenter", "Udvikling og udfordringer"),
        ("Borgerservice", "Beskrivelse af området"),
        ("Borgerservice", "Udvikling og udfordringer"),
    ]
    assert section_heading("3.2 Udvikling og udfordringer") == "Udvikling og udfordringer"
    assert section_heading("1. Beskrivelse af området") == "Beskrivelse af området"
    assert section_heading("2024 er et år med vækst") is None


NO_AREAS = """Notat om budgetopfølgning

Forvaltningen forventer et mindreforbrug på ældreområdet, fordi færre borgere end ventet
har fået tildelt en plejebolig i første halvår.

Tiltag

Der iværksættes en ekstra indsats for at rekruttere social- og sundhedsassistenter.
"""


def test_a_document_in_no_known_layout_is_indexed_whole_with_a_warning(tmp_path: Path) -> None:
    doc, path = _parse(tmp_path, NO_AREAS)
    [area] = doc.areas
    assert (area.title, area.amount_kr) == ("Bemærkninger - Social", None)
    assert doc.layout == "no known layout: one area"
    assert "plejebolig" in " ".join(p.text for p in area.passages)
    assert "rekruttere social- og sundhedsassistenter" in " ".join(p.text for p in area.passages)
    assert "Notat om budgetopfølgning" not in " ".join(p.text for p in area.passages)
    assert doc.warnings == (
        f"{path}:3: no recognisable areas (a title line followed by a net budget line such as "
        "'Samlet nettobudget for området: ... kr.' or by a 'Budgetgrundlag' heading); indexed as "
        "one area "
        "'Bemærkninger - Social' so that its text is searchable",
    )
