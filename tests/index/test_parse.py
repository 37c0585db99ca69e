"""Parsing the seed document (and variants) into areas, sections and passages."""

import re
import statistics
from pathlib import Path

import pytest

from index.documents.areas import PREAMBLE
from index.documents.chunk import MAX_WORDS
from index.documents.clean import section_heading
from index.documents.document import SECTION_HEADINGS, Document, DocumentError, DocumentMeta
from index.documents.parse import parse_file
from index.documents.spans import DEFAULT_SECTION

SEED = Path(__file__).resolve().parents[2] / "corpus/kalundborg/2024/oekonomiudvalget.txt"
META = DocumentMeta(
    id="kalundborg/2024/oekonomiudvalget",
    path="kalundborg/2024/oekonomiudvalget.txt",
    title="Bemærkninger - Økonomiudvalget",
    municipality="Kalundborg Kommune",
    committee="Økonomiudvalget",
    year=2024,
)
SUBSECTIONS = {
    "Ledelse, Jura og Kommunikation": {"Staben", "Kommunalbestyrelsen og fællesudgifter"},
    "Sundhed og Myndighed": {
        "Den demografiske udvikling",
        "Forebyggelse",
        "Sundhedsklyngesamarbejde",
        "Ældreområdet",
    },
}


@pytest.fixture(scope="module")
def seed() -> Document:
    return parse_file(SEED, META)


def _printed_areas() -> list[tuple[str, int]]:
    """(title, amount) as printed: the line before each amount line, read without the parser."""
    lines = [ln.strip() for ln in SEED.read_text(encoding="utf-8").splitlines()]
    found = []
    for i, line in enumerate(lines):
        m = re.fullmatch(r"Samlet nettobudget for området: ([\d.]+) kr\.", line)
        if m:
            title = next(t for t in reversed(lines[:i]) if t)
            found.append((title, int(m.group(1).replace(".", ""))))
    return found


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seventeen_areas_with_amounts_as_printed(seed: Document) -> None:
    assert len(seed.areas) == 17
    assert [(a.title, a.amount_kr) for a in seed.areas] == _printed_areas()
    assert sum(a.amount_kr for a in seed.areas) == 460_443_800
    assert seed.warnings == ()


def test_area_traps(seed: Document) -> None:
    titles = [a.title for a in seed.areas]
    assert "Bemærkninger - Økonomiudvalget" not in titles  # the document title
    assert titles.count("Digitalisering og IT") == 1  # also a lead-in inside that area
    assert "Demografipulje – Børn- og Familieområdet" in titles  # en dash kept as printed
    assert "Demografipulje - Ældreområdet" in titles
    area = next(a for a in seed.areas if a.title == "Digitalisering og IT")
    assert (area.amount_kr, area.line) == (44_166_100, 522)


def test_every_passage_has_area_and_a_known_section(seed: Document) -> None:
    for p in seed.passages:
        assert p.area and p.section in SECTION_HEADINGS, p
        assert p.amount_kr == next(a.amount_kr for a in seed.areas if a.title == p.area)


def test_area_without_budget_heading_gets_the_default_section(seed: Document) -> None:
    [passage] = [p for p in seed.passages if p.area == "Demografipulje - Ældreområdet"]
    assert passage.section == DEFAULT_SECTION == "Budgetgrundlag"
    assert passage.text.startswith("Demografipuljen er afsat i forhold til budgettet")


def test_subsections(seed: Document) -> None:
    found: dict[str, set[str]] = {}
    for p in seed.passages:
        if p.subsection:
            found.setdefault(p.area, set()).add(p.subsection)
    assert found == SUBSECTIONS
    staben = [p for p in seed.passages if p.subsection == "Staben"]
    assert staben and all(p.section == "Beskrivelse af området" for p in staben)
    forebyggelse = [p for p in seed.passages if p.subsection == "Forebyggelse"]
    assert forebyggelse and all(p.section == "Udvikling og udfordringer" for p in forebyggelse)
    ledelse_budget = [
        p for p in seed.passages if p.area.startswith("Ledelse") and p.section == "Budgetgrundlag"
    ]
    assert all(p.subsection == "" for p in ledelse_budget)


def test_no_text_lost_or_invented(seed: Document) -> None:
    """Every letter and digit of the body reaches a passage, in order."""
    structural = {a.line for a in seed.areas} | {2}  # area titles and the document title
    kept = []
    lines = SEED.read_text(encoding="utf-8").splitlines()
    subheadings = {s for subs in SUBSECTIONS.values() for s in subs}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if number in structural or text.startswith("Samlet nettobudget"):
            continue
        if section_heading(text) or text in subheadings:
            continue
        kept.append(re.sub(r"^o ", "", text))  # the "o" of a sub-bullet is a glyph
    assert _alnum("".join(p.text for p in seed.passages)) == _alnum("".join(kept))


def test_no_extraction_artefacts_survive(seed: Document) -> None:
    for p in seed.passages:
        # a hyphen left from a line break: "arbejdsmar- kedspolitikken"
        assert not re.search(r"\w- (?!og\b|eller\b|samt\b)[a-zæøå]", p.text), p.text
        assert not re.search("[\ue000-\uf8ff]", p.text)
        assert "  " not in p.text.replace("\n  ◦", "\n◦")
        assert not re.search(r"[ \t]$", p.text, re.M)
        for paragraph in p.text.split("\n\n")[1:]:  # a page break splitting a sentence
            assert not paragraph[0].islower(), p.text
    text = "\n".join(p.text for p in seed.passages)
    for damaged in ("Ukrai-", "medarbej-", "lægekørs-", "arbejdsmar-", "Grund-"):
        assert damaged not in text


@pytest.mark.parametrize(
    "phrase",
    [
        "arbejdstagere med familie og Ukrainere.",
        "ansat 106 medarbejdere i hele fagcenteret",
        "lægekørsler/befordringsgodtgørelse",
        "uddannelsesinstitutioner, a-kasser, arbejdsgiver- og faglige organisationer",
        "en udmeldt kritisk reform-gennemgang",
        "den demografiske udvikling på Børn- og Familieområdet.",
        "Lønpuljer, barsels-, langtidssygdom- og fleksjobpulje",
        "IT-sikkerhed",
        "tilførsel af DUT-midler",
        "Udgifter til Unge- og Beskæftigelsesudvalget",
        "for de 15-29-årige",
        "landet igen uden selv at meddele dette",
        "implementering af IT-sikkerhedsløsninger kræver større investeringer.",
    ],
)
def test_repaired_phrases_are_found(seed: Document, phrase: str) -> None:
    assert any(phrase.casefold() in p.text.casefold() for p in seed.passages)


def test_bullets_render_as_list_items_with_their_lead_in(seed: Document) -> None:
    [hr] = [p for p in seed.passages if "• yder konsulentbistand" in p.text]
    assert hr.text.startswith("HR og Personale er en stabsfunktion, som\n• yder")
    assert "\n  ◦ Sundhedspulje\n  ◦ Seniorordning" in hr.text
    [it] = [p for p in seed.passages if "• understøtter og rådgiver organisationen ved" in p.text]
    assert it.text.startswith("Digitalisering og IT\n• ")  # a lead-in, not a sub-heading
    assert it.subsection == ""
    [economy] = [p for p in seed.passages if "• Kommunernes Landsforening" in p.text]
    assert "\n• Tjenestemandspensioner" in economy.text


def test_passage_sizes(seed: Document) -> None:
    words = [len(p.text.split()) for p in seed.passages]
    assert max(words) <= MAX_WORDS
    assert min(words) >= 15  # only whole short areas/sub-sections are this small
    assert 40 <= statistics.median(words) <= 150
    assert 30 <= len(words) <= 120


def test_amounts_in_passages(seed: Document) -> None:
    def amounts(area: str, section: str = "Budgetgrundlag") -> set[int]:
        return {
            a for p in seed.passages if p.area == area and p.section == section for a in p.amounts
        }

    assert amounts("Borgerservice") == {100_000}
    assert amounts("Plan, Byg og Miljø") == {116_000}
    assert amounts("Voksenspecialenheden") == {40_000}
    assert amounts("Børn og Familie") == {1_800_000, 2_300_000, 2_800_000, 3_100_000}
    assert amounts("Jobcenter") == {200_000}


def test_ids_are_unique_and_stable(seed: Document) -> None:
    again = parse_file(SEED, META)
    ids = [p.id for p in seed.passages]
    assert len(set(ids)) == len(ids)
    assert ids == [p.id for p in again.passages]
    boilerplate = [p for p in seed.passages if p.text.startswith("Budgettet er et rammebudget.")]
    texts = {p.text.split("\n\n")[0] for p in boilerplate}
    assert len(boilerplate) > 5 and len(texts) == 1  # same words in many areas, different ids
    assert len({p.id for p in boilerplate}) == len(boilerplate)
    other = parse_file(SEED, DocumentMeta(**{**META.__dict__, "id": "other/doc"}))
    assert not set(ids) & {p.id for p in other.passages}


def test_passage_fields_and_source_lines(seed: Document) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    assert [p.ordinal for p in seed.passages] == list(range(len(seed.passages)))
    for p in seed.passages:
        assert (p.document, p.municipality, p.committee, p.year) == (
            META.id,
            META.municipality,
            META.committee,
            META.year,
        )
        assert p.page is None and p.line_start <= p.line_end
        first_word = p.text.lstrip("• ").split()[0]
        assert first_word in lines[p.line_start - 1], (p.line_start, first_word)
        last_word = re.sub(r"\W+$", "", p.text.split()[-1])
        assert _alnum(last_word)[-3:] in _alnum(lines[p.line_end - 1]), (p.line_end, last_word)


def test_crlf_and_bom_copy_parses_the_same(seed: Document, tmp_path: Path) -> None:
    copy = tmp_path / "crlf.txt"
    copy.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    doc = parse_file(copy, META)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        (a.title, a.amount_kr) for a in seed.areas
    ]
    assert [p.text for p in doc.passages] == [p.text for p in seed.passages]
    assert [p.id for p in doc.passages] == [p.id for p in seed.passages]
    assert doc.checksum != seed.checksum


def test_other_amount_wordings_and_area_without_amount(tmp_path: Path) -> None:
    text = """Bemærkninger - Teknik

Veje og Parker

Det samlede budget på området udgør netto 474,6 mio. kr.

Beskrivelse af området
Området omfatter vejene.

Kollektiv Trafik

Samlet nettobudget: 1.234 t. kr.

Budgetgrundlag
Budgettet følger aftalen.

Natur

Nettobudget 2024 (1.000 kr.): 12.345

Budgetgrundlag
Naturbudgettet.

Byfornyelse

Budgetgrundlag
Et område uden beløb.
"""
    path = _write(tmp_path, "teknik.txt", text)
    doc = parse_file(path, META)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        ("Veje og Parker", 474_600_000),
        ("Kollektiv Trafik", 1_234_000),
        ("Natur", 12_345_000),
        ("Byfornyelse", None),
    ]
    assert doc.warnings == (f"{path}:24: area 'Byfornyelse' states no net budget",)
    assert doc.areas[-1].passages[0].text == "Et område uden beløb."


def test_overlong_paragraph_is_split_at_sentences(tmp_path: Path) -> None:
    sentences = [f"Sætning nummer {n} handler om budgettet for området i år." for n in range(60)]
    body = "\n".join(" ".join(sentences[i : i + 3]) for i in range(0, 60, 3))
    text = f"Område\n\nSamlet nettobudget for området: 1.000 kr.\n\nBudgetgrundlag\n{body}\n"
    doc = parse_file(_write(tmp_path, "lang.txt", text), META)
    passages = doc.passages
    assert len(passages) == 3
    assert all(len(p.text.split()) <= MAX_WORDS for p in passages)
    assert all(p.text.startswith("Sætning") and p.text.endswith("år.") for p in passages)
    assert " ".join(p.text for p in passages) == " ".join(sentences)
    # three sentences a line: passage 2 starts on the line where passage 1 ends
    assert [(p.line_start, p.line_end) for p in passages] == [(6, 12), (12, 19), (19, 25)]


def test_short_paragraphs_merge_within_their_section(tmp_path: Path) -> None:
    text = (
        "Område\n\nSamlet nettobudget for området: 2.000 kr.\n\nBudgetgrundlag\nKort afsnit.\n\n"
        "Endnu et kort afsnit.\n\nBeskrivelse af området\nEt tredje kort afsnit.\n"
    )
    doc = parse_file(_write(tmp_path, "kort.txt", text), META)
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Budgetgrundlag", "Kort afsnit.\n\nEndnu et kort afsnit."),
        ("Beskrivelse af området", "Et tredje kort afsnit."),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", b"Titel\n\x00\x01\x02", r":2: binary file"),
        ("latin1.txt", "Titel\nBørn\n".encode("latin-1"), r":2: not UTF-8 text"),
        ("notes.docx", b"PK\x03\x04", r"unsupported extension '\.docx'"),
        ("title.txt", "Bemærkninger\n".encode(), "no text to index"),
        ("broken.pdf", b"%PDF-1.4\nthis is not a pdf", "unreadable PDF"),
    ],
)
def test_bad_input_names_the_file(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as info:
        parse_file(path, META)
    assert str(info.value).startswith(str(path))
    assert info.value.path == str(path)


def test_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read file"):
        parse_file(tmp_path / "gone.txt", META)


def test_the_seed_gives_no_warnings(seed: Document) -> None:
    assert seed.warnings == ()
    assert PREAMBLE not in {a.title for a in seed.areas}


def test_title_paragraph_then_amount_is_its_own_area(tmp_path: Path) -> None:
    text = (
        "Bemærkninger\n\nJobcenter\n\nSamlet nettobudget for området: 5.000.000 kr.\n\n"
        "Budgetgrundlag\nJobcentret hjælper ledige i job.\n\n"
        "Beredskab\n\nBeredskabet sikrer brandslukning og redning døgnet rundt.\n\n"
        "Samlet nettobudget for området: 3.000.000 kr.\n\n"
        "Udvikling og udfordringer\nFlere udrykninger end før.\n"
    )
    doc = parse_file(_write(tmp_path, "b.txt", text), META)
    assert [(a.title, a.amount_kr, a.line) for a in doc.areas] == [
        ("Jobcenter", 5_000_000, 3),
        ("Beredskab", 3_000_000, 10),
    ]
    beredskab = doc.areas[1].passages
    assert [(p.section, p.text) for p in beredskab] == [
        ("Budgetgrundlag", "Beredskabet sikrer brandslukning og redning døgnet rundt."),
        ("Udvikling og udfordringer", "Flere udrykninger end før."),
    ]
    assert "Samlet nettobudget" not in " ".join(p.text for p in doc.passages)
    assert doc.warnings == ()


def test_a_net_budget_line_that_fits_no_area_is_reported(tmp_path: Path) -> None:
    text = (
        "Jobcenter\n\nSamlet nettobudget for området: 5.000.000 kr.\n\n"
        "Budgetgrundlag\nJobcentret hjælper ledige i job.\nSamlet nettobudget: 9.000 kr.\n"
    )
    path = _write(tmp_path, "s.txt", text)
    doc = parse_file(path, META)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [("Jobcenter", 5_000_000)]
    assert doc.warnings == (
        f"{path}:7: net budget line not attached to any area ('Samlet nettobudget: "
        "9.000 kr.'); its amount is not counted",
    )


def test_preamble_is_its_own_searchable_section(tmp_path: Path) -> None:
    text = (
        "Bemærkninger - Økonomiudvalget\n\nBudgettet bygger på den politiske aftale om\n"
        "borgerinddragelse.\n\nJobcenter\n\nSamlet nettobudget for området: 5.000.000 kr.\n\n"
        "Budgetgrundlag\nJobcentret hjælper ledige i job.\n"
    )
    doc = parse_file(_write(tmp_path, "p.txt", text), META)
    first = doc.areas[0]
    assert (first.title, first.amount_kr, first.line) == (PREAMBLE, None, 3)
    [p] = first.passages
    assert (p.section, p.text, p.line_start, p.line_end) == (
        PREAMBLE,
        "Budgettet bygger på den politiske aftale om borgerinddragelse.",
        3,
        4,
    )
    assert doc.warnings == ()


def test_duplicate_titles_stay_two_areas(tmp_path: Path) -> None:
    area = "Jobcenter\n\nSamlet nettobudget for området: {} kr.\n\nBudgetgrundlag\n{}\n\n"
    text = area.format("2.000.000", "Første del.") + area.format("4.000.000", "Anden del.")
    path = _write(tmp_path, "d.txt", text)
    doc = parse_file(path, META)
    assert [(a.title, a.amount_kr, a.line) for a in doc.areas] == [
        ("Jobcenter", 2_000_000, 1),
        ("Jobcenter (2)", 4_000_000, 8),
    ]
    assert doc.warnings == (
        f"{path}:8: area title 'Jobcenter' also at line 1; indexed as 'Jobcenter (2)'",
    )
    assert len({p.id for p in doc.passages}) == 2


def test_paragraph_over_the_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    body = "\n".join(["budgettet dækker borgerbetjening og pas i kommunen og"] * 2_000)
    head = "Område\n\nSamlet nettobudget for området: 1.000 kr.\n\nBudgetgrundlag\nKort.\n\n"
    text = head + body + "\n"
    with pytest.raises(DocumentError, match=r"t\.txt:8: a paragraph of more than 100,000 char"):
        parse_file(_write(tmp_path, "t.txt", text), META)


def test_text_without_full_stops_still_gives_bounded_passages(tmp_path: Path) -> None:
    body = "\n".join(["budgettet dækker borgerbetjening og pas i kommunen og"] * 1_500)
    text = f"Område\n\nSamlet nettobudget for området: 1.000 kr.\n\nBudgetgrundlag\n{body}\n"
    doc = parse_file(_write(tmp_path, "n.txt", text), META)
    assert max(len(p.text.split()) for p in doc.passages) <= MAX_WORDS
    assert " ".join(p.text for p in doc.passages).split() == body.split()
    assert doc.passages[0].line_start == 6 and doc.passages[-1].line_end == 1_505


def test_area_title_starting_with_a_formula_character_is_kept(tmp_path: Path) -> None:
    """'=Formel' is an area of its own, not merged into the area before it or dropped."""
    text = (
        "Bemærkninger\n\nJobcenter\n\nSamlet nettobudget for området: 1.000 kr.\n\n"
        "Budgetgrundlag\n\nJobcenterets budget er et rammebudget for hele kommunen.\n\n"
        "=Formel område\n\nSamlet nettobudget for området: 2.000 kr.\n\n"
        "Budgetgrundlag\n\nDette områdes budget er også et rammebudget.\n"
    )
    doc = parse_file(_write(tmp_path, "f.txt", text), META)
    assert [(a.title, a.amount_kr) for a in doc.areas] == [
        ("Jobcenter", 1000),
        ("=Formel område", 2000),
    ]
    assert "også et rammebudget" in doc.areas[1].passages[0].text
    assert all("også" not in p.text for p in doc.areas[0].passages)
    assert doc.warnings == ()
