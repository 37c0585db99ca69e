"""Danish analysis on real words of the seed: compounds, suspended compounds, acronyms, stems."""

from __future__ import annotations

import pytest

from index.building.analysis import Vocabulary, analyze, is_protected, stem, term_forms
from index.documents.corpus import load_corpus


@pytest.fixture(scope="module")
def vocab(base_settings) -> Vocabulary:
    docs = load_corpus(base_settings.corpus_dir).documents
    return Vocabulary.from_texts(p.text for d in docs for p in d.passages)


def terms(text: str, vocab: Vocabulary | None) -> set[str]:
    return {t.text for t in analyze(text, vocab)}


@pytest.mark.parametrize(
    "compound, parts",
    [
        ("arbejdsgiverrefusion", ("arbejdsgiver", "refusion")),
        ("sikkerhedskravene", ("sikkerhed", "kravene")),
        ("robotløsninger", ("robot", "løsninger")),
        ("borgerservice", ("borger", "service")),
        ("velfærdsteknologi", ("velfærd", "teknologi")),
    ],
)
def test_compounds_split_into_known_parts(vocab: Vocabulary, compound: str, parts: tuple) -> None:
    assert {stem(p) for p in parts} <= terms(compound, vocab)


def test_linking_letter_is_dropped_from_modifier(vocab: Vocabulary) -> None:
    # "sikkerheds|kravene": the -s- belongs to neither part
    assert vocab.split("sikkerhedskravene")[0] == "sikkerhed"


@pytest.mark.parametrize(
    "word, parts",
    [
        # words chosen to be over-split: each splits once, into real words, never into a
        # stem and its ending or into scraps
        ("kompetenceudvikling", ("kompetence", "udvikling")),
        ("byggesager", ("bygge", "sager")),
        ("sagsbehandling", ("sags", "behandling")),
        ("sagsbehandlingen", ("sags", "behandlingen")),  # not sagsbehandl|ingen
        ("kommunalbestyrelsen", ("kommunal", "bestyrelsen")),  # not kommunalbe|styrelsen
        ("lægeerklæringer", ("læge", "erklæringer")),  # not lægeerk|læringer
        ("databeskyttelsesforordningen", ("databeskyttelse", "forordningen")),
        # an inflected word is no compound of its stem and its ending, nor a frequent word
        # (wordfreq) of a scrap and a word
        ("kravene", ()),  # krav|ene
        ("afdelingen", ()),  # afdel|ingen
        ("presset", ()),  # pres|set
        ("antallet", ()),  # antal|let
        ("digitale", ()),  # digi|tale
        ("begrænset", ()),  # begræn|set
        ("indeholder", ()),  # inde|holder
        ("fremkommer", ()),  # frem|kommer: a particle makes a verb, not a compound
        ("kalundborg", ()),  # kalund|borg: a name wordfreq lists, of an unknown part
        # words chosen to be under-split: the query's compounds whose parts the seed uses
        # only inside other compounds or not at all (wordfreq knows them)
        ("konsulentudgifter", ("konsulent", "udgifter")),
        ("byggesagsbehandling", ("bygge", "sagsbehandling")),
        ("foreningstilskud", ("forenings", "tilskud")),
        ("direktørløn", ("direktør", "løn")),
        ("vejvedligeholdelse", ("vej", "vedligeholdelse")),  # not vejved|hold
        ("energiforbrug", ("energi", "forbrug")),  # not energifor|brug
        ("kommunalvalg", ("kommunal", "valg")),
    ],
)
def test_compounds_split_once_into_words(vocab: Vocabulary, word: str, parts: tuple) -> None:
    assert vocab.split(word) == parts


def test_a_split_modifier_is_also_a_part(vocab: Vocabulary) -> None:
    # "Sundhedsklyngesamarbejde" is found by "sundhedsklyngerne" through its modifier
    forms = dict(term_forms("sundhedsklyngesamarbejde", vocab))
    assert forms[stem("sundhedsklynge")] == "part"
    assert {stem("klynge"), stem("samarbejde")} <= set(forms)


def test_the_whole_compound_stays_the_first_term(vocab: Vocabulary) -> None:
    # parts are indexed beside the compound, at a lower weight: a whole match still wins
    for word in ("kompetenceudvikling", "byggesager", "sagsbehandling"):
        forms = term_forms(word, vocab)
        assert forms[0] == (stem(word), "word")
        assert all(kind == "part" for _, kind in forms[1:]) and len(forms) > 1


def test_short_and_unknown_words_are_not_split(vocab: Vocabulary) -> None:
    assert vocab.split("borger") == ()
    assert vocab.split("xqzwvbnmkl") == ()


def test_query_word_meets_compound_through_shared_part(vocab: Vocabulary) -> None:
    # "refusion til arbejdsgivere" finds "arbejdsgiverrefusion"
    query = terms("refusion til arbejdsgivere", vocab)
    doc = terms("udbetaling af arbejdsgiverrefusion ved sygdom", vocab)
    assert {stem("refusion"), stem("arbejdsgivere")} <= query & doc


def test_suspended_compounds_are_completed(vocab: Vocabulary) -> None:
    got = terms("Lønpuljer, barsels-, langtidssygdom- og fleksjobpulje", vocab)
    assert stem("barselspulje") in got
    assert stem("langtidssygdomspulje") in got
    got = terms("udviklingen på Børn- og Familieområdet", vocab)
    assert stem("børneområdet") in got
    assert stem("familieområdet") in got


def test_suspended_completion_shares_the_modifier_position(vocab: Vocabulary) -> None:
    out = analyze("barsels-, langtidssygdom- og fleksjobpulje", vocab)
    barsel = next(t for t in out if t.text == stem("barsels"))
    completed = next(t for t in out if t.kind == "suspended" and t.text.startswith("barsel"))
    assert completed.pos == barsel.pos and completed.start == barsel.start


@pytest.mark.parametrize("word", ["DUT", "MitID", "NIS2", "DK2020", "KL", "eDoc", "IT"])
def test_acronyms_survive_whole_and_case_insensitive(word: str) -> None:
    assert is_protected(word)
    assert term_forms(word, None) == [(word.casefold(), "word")]


def test_acronym_is_not_a_stopword() -> None:
    # "MED" (the MED-organisation) is kept; "med" (with) is a stopword
    assert terms("MED", None) == {"med"}
    assert terms("med", None) == set()


def test_stems_meet_across_inflections() -> None:
    assert stem("brandvæsenet") == stem("brandvæsen")
    assert stem("klimaplaner") == stem("klimaplan")
    assert stem("sygemeldte") == stem("sygemeldes")
    assert stem("budgettet") == stem("budget")


@pytest.mark.parametrize(("agent", "field"), [
    ("politikerne", "politikken"), ("politikere", "politikker"), ("teknikeren", "teknikken"),
    ("lokalpolitikernes", "lokalpolitik"),
])  # fmt: skip
def test_who_practises_a_field_is_not_the_field(agent: str, field: str) -> None:
    """Snowball strips "politikerne" (the politicians) to "politik" (the policy): "hvad koster
    politikerne" found the job centre's employment policy. Each keeps its inflections."""
    assert stem(agent) != stem(field)
    assert stem("politiker") == stem("politikerne") == stem("politikernes") == "politiker"
    assert stem("politik") == stem("politikken") == stem("politikker")
    assert stem("politikområde") == stem("politikområderne")  # no agent at the word's end


def test_stopwords_take_no_position() -> None:
    out = analyze("pas og kørekort", None)
    assert [(t.text, t.pos) for t in out if t.kind == "word"] == [
        (stem("pas"), 0),
        (stem("kørekort"), 1),
    ]


def test_nfc_normalisation_makes_decomposed_letters_match() -> None:
    decomposed = "a\u030a"  # a + combining ring = å
    assert terms(f"bl{decomposed}", None) == terms("blå", None)


def test_stems_are_those_of_whooshs_snowball_port(vocab: Vocabulary) -> None:
    """The C stemmer (PyStemmer) gives Whoosh's pure-Python port's stems on every word of the
    seed: switching to it changed no term of the index (a newer Snowball would)."""
    from whoosh.lang import stemmer_for_language

    from index.building.analysis import _stem

    port = stemmer_for_language("da")
    words = sorted(vocab.words) + ["succes", "brandvæsenet", "rekrutteringen", "kommunernes"]
    assert len(words) > 1000
    assert [(w, _stem(w), port(w)) for w in words if _stem(w) != port(w)] == []

