"""Other municipalities' layouts: documents written in each layout parse to the right areas
and amounts, and a document in no known layout is still searchable, with a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

from index.documents.clean import section_heading
from index.documents.document import DocumentMeta
from index.documents.parse import parse_file

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
        "'Samlet nettobudget for området: ... kr.', a 'Budgetgrundlag' heading, a table of areas "
        "or a sentence stating an area's net budget); indexed as one area "
        "'Bemærkninger - Social' so that its text is searchable",
    )


AREA_TABLE = """Budgetbemærkninger 2025 - Teknik- og Miljøudvalget

Bevillingsområde | Budget 2025 (1.000 kr.)
Veje og trafik | 45.250
Kollektiv trafik | 22.100
Natur og miljø | 8.430
Affald | -3.200
Parkering | (1.150)
I alt | 71.430

Veje og trafik
Kommunen vedligeholder 650 km veje, cykelstier og broer. Vintertjenesten er
udbudt for perioden 2025-2028.

Kollektiv trafik
Movia kører busserne efter kommunens bestilling. Flextrafik dækker borgere, der
ikke kan bruge de faste ruter.

Natur og miljø
Området omfatter naturpleje, vandløb og miljøtilsyn med virksomheder og landbrug.
"""


def test_an_area_table_gives_the_areas_and_amounts(tmp_path: Path) -> None:
    doc, _ = _parse(tmp_path, AREA_TABLE)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        ("Veje og trafik", 45_250_000),
        ("Kollektiv trafik", 22_100_000),
        ("Natur og miljø", 8_430_000),
        ("Affald", -3_200_000),  # in the table, not in the prose: its row is its text
        ("Parkering", -1_150_000),  # an accounting negative
    ]
    text = {a.title: " ".join(p.text for p in a.passages) for a in doc.areas}
    assert text["Kollektiv trafik"].startswith("Movia kører busserne")
    assert text["Affald"] == "Affald: -3.200.000 kr."
    assert "45.250" not in " ".join(text.values())  # the table is read, not indexed as prose
    assert doc.layout == "area table, then prose per area"
    assert doc.warnings == ()
    assert [a.line for a in doc.areas] == [11, 15, 19, 7, 8]  # Affald cites its table row


def test_every_layout_beside_the_seed_none_skipped(tmp_path: Path, seed_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from webui.cli import cli

    corpus = tmp_path / "corpus"
    (corpus / "kalundborg").mkdir(parents=True)
    shutil.copy(seed_path, corpus / "kalundborg" / "oekonomi.txt")
    sidecar = 'title = "{}"\nmunicipality = "{}"\ncommittee = "Udvalg"\nyear = 2025\n'
    (corpus / "kalundborg" / "oekonomi.toml").write_text(sidecar.format("B", "Kalundborg Kommune"))
    for name, text in [("separate", SEPARATE_LINES), ("numbered", NUMBERED),
                       ("table", AREA_TABLE), ("none", NO_AREAS)]:  # fmt: skip
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
        (corpus / f"{name}.toml").write_text(sidecar.format(name, "Holbæk Kommune"))
    result = CliRunner().invoke(cli, ["areas", "--json", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.stderr
    listing = json.loads(result.stdout)
    rows = listing["areas"]
    by_doc: dict[str, list] = {}
    for r in rows:
        by_doc.setdefault(r["document"], []).append((r["area"], r["amount_kr"]))
    assert len(by_doc["kalundborg/oekonomi"]) == 17
    assert sum(a for _, a in by_doc["kalundborg/oekonomi"]) == 460_443_800
    assert by_doc["separate"][0] == ("Ældreområdet", 938_400_000)
    assert by_doc["numbered"] == [("Jobcenter", 81_205_800), ("Borgerservice", 17_450_000)]
    assert by_doc["table"][-2:] == [("Affald", -3_200_000), ("Parkering", -1_150_000)]
    assert by_doc["none"] == [("none", None)]
    reported = {d["document"]: (d["areas"], d["with_amount"]) for d in listing["documents"]}
    assert reported["kalundborg/oekonomi"] == (17, 17) and reported["none"] == (1, 0)
    assert reported["numbered"] == (2, 2) and len(reported) == 5
    assert all(d["layout"] for d in listing["documents"])
    assert "warning: " in result.stderr and "no recognisable areas" in result.stderr
