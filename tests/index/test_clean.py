"""Repairing PDF-extraction damage: decoding, hyphenation, page breaks, bullets, headings."""

import sys
from pathlib import Path

import pytest

from index.documents.clean import (
    _HEADING_FIRST,
    build_blocks,
    bullet_kind,
    decode,
    join_lines,
    normalise_line,
    section_heading,
    text_lines,
)
from index.documents.document import SECTION_HEADINGS, DocumentError

SEED = Path(__file__).resolve().parents[2] / "corpus/kalundborg/2024/oekonomiudvalget.txt"


@pytest.fixture(scope="module")
def seed_lines() -> list:
    return text_lines(decode(SEED.read_bytes(), str(SEED)))


def _blocks_between(lines: list, first: int, last: int) -> list:
    """Blocks built from source lines first..last (1-based, inclusive)."""
    return build_blocks([ln for ln in lines if first <= ln.number <= last])


@pytest.mark.parametrize(
    ("before", "after", "joined"),
    [
        ("og Ukrai-", "nere. Der", "og Ukrainere. Der"),  # a word split
        ("ansat 106 medarbej-", "dere i hele", "ansat 106 medarbejdere i hele"),
        (
            "uddannelsesinstitutioner, a-kas-",
            "ser, arbejdsgiver-",
            "uddannelsesinstitutioner, a-kasser, arbejdsgiver-",
        ),  # fmt: skip
        ("kritisk reform-gen-", "nemgang i", "kritisk reform-gennemgang i"),
        ("udviklingen på Børn-", "og Familieområdet.", "udviklingen på Børn- og Familieområdet."),
        ("Lønpuljer, barsels-", "eller fleksjob", "Lønpuljer, barsels- eller fleksjob"),
        ("kravene til IT-", "sikkerhed", "kravene til IT-sikkerhed"),  # acronym before
        ("de 15-29-", "årige", "de 15-29-årige"),  # digit before
        ("fra EU-", "Kommissionen", "fra EU-Kommissionen"),  # capital after
        ("perioden 2022-", "2025", "perioden 2022-2025"),
        ("tager afsæt", "i en", "tager afsæt i en"),  # no hyphen: a space
        ("Demografipulje -", "Ældreområdet", "Demografipulje - Ældreområdet"),  # a spaced dash
    ],
)
def test_join_lines(before: str, after: str, joined: str) -> None:
    assert join_lines(before, after) == joined


def test_decode_bom_crlf_and_nfc() -> None:
    decomposed = "Ældreomra\u030adet"  # "å" as a + combining ring
    data = ("\ufeffTitel\r\n" + decomposed + "\r\n").encode()
    assert decode(data, "x.txt") == "Titel\nÆldreområdet\n"


def test_decode_rejects_binary_naming_file_and_line() -> None:
    with pytest.raises(DocumentError, match=r"^doc\.txt:2: binary file"):
        decode(b"line one\nline\x00two\n", "doc.txt")


def test_decode_rejects_non_utf8_naming_line() -> None:
    data = "første linje\nanden linje\n".encode() + "tredje: æ".encode("latin-1")
    with pytest.raises(DocumentError, match=r"^doc\.txt:3: not UTF-8 text \(byte 0xe6"):
        decode(data, "doc.txt")


def test_decode_rejects_empty() -> None:
    with pytest.raises(DocumentError, match="empty file"):
        decode(b" \n\n", "doc.txt")


def test_normalise_line_strips_stray_space_but_keeps_indent() -> None:
    assert normalise_line("m.fl.  ") == "m.fl."
    assert normalise_line("to  ord") == "to ord"
    assert normalise_line("  Folkeregister og kontrolgruppe ") == " Folkeregister og kontrolgruppe"
    assert normalise_line(" ") == ""


#: Lines that stress whole-text normalisation: no-break and thin spaces between digit groups
#: at a line's end and start, tabs, runs of spaces, indents of odd white space, form feeds,
#: combining accents (NFC), CR without LF, bullets.
AWKWARD = (
    "Samlet nettobudget: 50\u00a0190\u00a0100\u00a0kr.\n123\u202f456 kr.\n  \t indrykket  linje \n"
    "12\u2009345\n678\u00a0901\u00a02\n\fside to\f\f og tre\n\u2003 em-space\x0bfor\x1c\n"
    "Omra\u030ade \u0301accent\r\n\uf0b7  Første  punkt\n\n\t\n \u00a0 \n\u00a0\u00a0x\u00a0 \n"
    "1\u00a0234\u00a05678 kr.  \n   \n"
)


def _per_line(text: str) -> list[tuple]:
    """What text_lines gave when it normalised line by line."""
    has_pages, page, out = "\f" in text, 1, []
    for number, raw in enumerate(text.split("\n"), start=1):
        page += raw.count("\f")
        out.append((number, normalise_line(raw.replace("\f", " ")), page if has_pages else None))
    return out


@pytest.mark.parametrize("text", [AWKWARD, AWKWARD.replace("\f", ""), "", "\n", " a\n\n"])
def test_text_lines_normalise_as_line_by_line(text: str) -> None:
    assert [(ln.number, ln.text, ln.page) for ln in text_lines(text)] == _per_line(text)


def test_text_lines_of_the_seed_as_line_by_line() -> None:
    text = decode(SEED.read_bytes(), str(SEED))
    assert [(ln.number, ln.text, ln.page) for ln in text_lines(text)] == _per_line(text)


def test_heading_first_letters_cover_every_character() -> None:
    """section_heading skips lines that start with any other character: no character's
    casefold may start a heading's casefold unless it is in the set."""
    firsts = {h.casefold()[0] for h in SECTION_HEADINGS}
    starting = {c for c in map(chr, range(sys.maxunicode + 1)) if c.casefold()[:1] in firsts}
    assert starting <= _HEADING_FIRST
    assert section_heading(" 3.2 UDVIKLING OG UDFORDRINGER:") == "Udvikling og udfordringer"
    assert section_heading("\u1d2e") is None  # a modifier letter B is no heading


def test_form_feeds_count_pages() -> None:
    lines = text_lines("side et\n\fside to\nmere\n\fside tre")
    assert [ln.page for ln in lines] == [1, 2, 2, 3]
    assert [ln.page for ln in text_lines("ingen sider")] == [None]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("\uf0b7 Folkeregister", "bullet"),
        ("• Folkeregister", "bullet"),
        (" Folkeregister og kontrolgruppe", "bullet"),  # the glyph was lost, the indent stayed
        ("o Sundhedspulje", "subbullet"),
        ("◦ Sundhedspulje", "subbullet"),
        ("Folkeregister og kontrolgruppe", None),
        ("og psykisk funktionsnedsættelse", None),
    ],
)
def test_bullet_kind(line: str, kind: str | None) -> None:
    assert bullet_kind(line) == kind


def test_section_heading_is_canonical() -> None:
    assert section_heading("Beskrivelse af området ") == "Beskrivelse af området"
    assert section_heading("BUDGETGRUNDLAG:") == "Budgetgrundlag"
    assert section_heading("Budgetgrundlaget er") is None


def test_split_word_across_blank_lines_in_a_bullet_is_joined(seed_lines: list) -> None:
    blocks = _blocks_between(seed_lines, 86, 111)  # Borgerservice's task list
    texts = [b.text for b in blocks]
    assert blocks[0].kind == "text" and texts[0].endswith("blandt andet:")
    assert all(b.kind == "bullet" for b in blocks[1:]) and len(blocks) == 7
    assert "lægekørsler/befordringsgodtgørelse og sommerhusbeboelse." in texts[1]
    assert "økonomisk administration af pensionister som" in texts[3]


def test_page_break_inside_a_sentence_is_joined(seed_lines: list) -> None:
    blocks = _blocks_between(seed_lines, 114, 125)
    assert len(blocks) == 2
    assert "En del forlader landet igen uden selv at meddele dette" in blocks[1].text
    assert blocks[1].first == 117 and blocks[1].last == 125


def test_page_break_between_sentences_keeps_paragraphs(seed_lines: list) -> None:
    blocks = _blocks_between(seed_lines, 44, 63)
    assert [b.text.split()[:3] for b in blocks] == [
        ["I", "2024", "udmøntes"],
        ["De", "seneste", "5"],
    ]


def test_continuation_after_dangling_word_even_before_a_capital(seed_lines: list) -> None:
    blocks = _blocks_between(seed_lines, 230, 232)
    assert len(blocks) == 1
    tail = "(ESDH) og for SAPA – et system, der skaber overblik på tværs af fag- og ESDH-systemer."
    assert blocks[0].text.endswith(tail)
    assert [blocks[0].line_at(i) for i in (0, len(blocks[0].text) - 1)] == [230, 232]


def test_subheadings_and_their_traps(seed_lines: list) -> None:
    staben = _blocks_between(seed_lines, 199, 204)
    assert [(b.kind, b.text) for b in staben[:2]] == [
        ("heading", "Beskrivelse af området"),
        ("subheading", "Staben"),
    ]
    hr = _blocks_between(seed_lines, 615, 642)  # "HR og Personale er en stabsfunktion, som" + list
    assert hr[1].kind == "text" and hr[1].text == "HR og Personale er en stabsfunktion, som"
    assert not [b for b in hr if b.kind == "subheading"]
    assert [b.text for b in hr if b.kind == "subbullet"] == [
        "Kompetenceudvikling f.eks. master, kommunomuddannelse, forvaltningshøjskole samt vores "
        "MED-system herunder arbejdsmiljørepræsentanter.",
        "Sundhedspulje",
        "Seniorordning",
    ]
    economy = _blocks_between(seed_lines, 682, 689)
    assert {b.kind for b in economy} == {"bullet"}  # "Kommunernes Landsforening" is an item


def test_blocks_have_no_private_use_or_double_space() -> None:
    lines = text_lines("Indledning:\n\n\uf0b7  Første  punkt\n\n\uf0a7 Andet punkt\n")
    blocks = build_blocks(lines)
    assert [(b.kind, b.text) for b in blocks] == [
        ("text", "Indledning:"),
        ("bullet", "Første punkt"),
        ("bullet", "Andet punkt"),
    ]
