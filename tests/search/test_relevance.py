"""Relevance a reader can trust, on the seed: exact before related, honest no-hits, answers
computed from the amounts table, did-you-mean only when it helps."""

from __future__ import annotations

import json

import pytest

from search.results import Filters

SEED_TOTAL = 460_443_800


def texts(resp) -> list[str]:
    return [h.text.casefold() for h in resp.results]


# -- exact before related ----------------------------------------------------------------------


@pytest.mark.parametrize("query, word", [("a-kasser", "a-kasse"), ("MitID", "mitid"),
                                         ("hjemløshed", "hjemløs"), ("brandhaner", "brandhane")])
def test_exact_results_hold_the_word_and_come_first(engine, query: str, word: str) -> None:
    resp = engine.search(query)
    matches = [h.match for h in resp.results]
    assert matches and matches[0] == "exact"
    assert matches == sorted(matches, key=lambda m: m != "exact")  # no exact after a related
    for h in resp.results:
        if h.match == "exact":  # in the passage, its headings or its area's title
            assert word in " ".join((h.area, h.section, h.subsection, h.text)).casefold()
    assert resp.total == resp.total_exact + resp.total_related


def test_whole_word_beats_a_part_of_a_split_compound(engine) -> None:
    # HR og Personale says "kompetenceudvikling"; Økonomi only "kompetencer" and "udvikle"
    resp = engine.search("kompetenceudvikling")
    assert resp.results[0].area == "HR og Personale"
    assert "kompetenceudvikling" in resp.results[0].text.casefold()


def test_compound_in_the_text_is_found_by_its_parts(engine) -> None:
    # "byggesagsgebyrer" is the one passage about building-case fees
    resp = engine.search("gebyrer for byggesager")
    assert resp.results[0].match == "exact"
    assert "byggesagsgebyrer" in resp.results[0].text


@pytest.mark.parametrize(("query", "written"), [
    ("konsulentudgifter", "udgifter til konsulentbistand"),
    ("risikostyringspuljen", "pulje til risikostyring"),
    ("cybertrusler", "truslen mod cyberangreb"),
])  # fmt: skip
@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_a_compound_matches_its_parts_written_apart(engine, query, written, mode) -> None:
    # the seed never writes the compound; it writes its parts a word apart
    resp = engine.search(query, mode=mode)
    exact = [" ".join(h.text.split()) for h in resp.results if h.match == "exact"]
    assert any(written in t for t in exact)
    assert not any(query in t.casefold() for t in exact)


def test_politicians_are_not_a_policy(engine) -> None:
    """"politikerne" is the council (the glossary's synonyms), not "arbejdsmarkedspolitikken":
    the passage on the council's fees comes first, no job-centre policy as an exact match."""
    resp = engine.search("hvad koster politikerne")
    assert "kommunalbestyrelsen" in resp.results[0].text
    assert not [h.area for h in resp.results if h.match == "exact" and h.area == "Jobcenter"]
    # the policy is still found by its own word
    assert engine.search("arbejdsmarkedspolitikken").results[0].area == "Jobcenter"


@pytest.mark.parametrize(("term", "typed", "longer"), [
    ("økonomiudvalg", "valg", True), ("integrationsudvalg", "valg", True),
    ("borgeradgang", "gang", True), ("arbejdsforhold", "hold", True),
    ("kommunalvalg", "valg", False), ("lægevalg", "valg", False),
    ("dagtilbud", "tilbud", False), ("hjemmehjælp", "hjælp", False),
])  # fmt: skip
def test_a_compound_of_a_longer_word_is_not_the_typed_words(term, typed, longer) -> None:
    """"valg" (elections) is the end of "udvalg" (a committee), a word of its own: the
    committees' names are no compounds of it; "kommunalvalg" is."""
    from search.expansion import _longer_head

    assert _longer_head(term, typed) is longer


def test_elections_are_not_committees(engine) -> None:
    resp = engine.search("hvad koster valget")
    assert resp.results[0].area == "Ledelse, Jura og Kommunikation"
    committees = [h for h in resp.results if "Beskæftigelsesudvalget" in h.text]
    assert all(h.match == "related" for h in committees)


def test_parts_far_apart_make_no_compound(engine) -> None:
    # "kommunal" and "valg" share two passages, never within a word of each other
    resp = engine.search("kommunalvalg", mode="keyword")
    assert resp.total_exact == 0 and resp.results


@pytest.mark.parametrize("query", ["BORGERSERVICE", "HJEMLØSHED", "ＭｉｔＩＤ"])
def test_capitals_and_fullwidth_letters_are_folded(engine, query: str) -> None:
    shouted = engine.search(query, mode="keyword")
    assert shouted.total_exact > 0
    plain = engine.search(query.casefold() if query.isupper() else "MitID", mode="keyword")
    assert [h.id for h in shouted.results] == [h.id for h in plain.results]


def test_an_unfinished_last_word_is_a_prefix_while_typing(engine) -> None:
    typing = engine.search("brandv", mode="keyword", partial=True)
    assert typing.results and typing.results[0].area == "Vestsjællands Brandvæsen"
    exact = [h for h in typing.results if h.match == "exact"]
    assert exact and all("brandv" in (h.area + h.text).casefold() for h in exact)
    # a finished word is no prefix: "mit" (a word) does not stand for "MitID"
    assert not any("mitid" in h.text.casefold() for h in engine.search("mit ", partial=True).results
                   if h.match == "exact")


# -- honest no-hits --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["xyzzy", "qwxz plorf", "asdfghjkl", "blarg fnord"])
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_nonsense_finds_nothing(engine, query: str, mode: str) -> None:
    resp = engine.search(query, mode=mode)
    assert resp.results == [] and resp.total == 0
    assert resp.message


@pytest.mark.parametrize("query", ["solcelleanlæg", "daginstitutionspladser"])
def test_a_compound_of_three_words_is_a_real_word(engine, query: str) -> None:
    # no word list holds them ("sol|celle|anlæg", "daginstitution|s|pladser"): they are not
    # gibberish, so the reader gets related passages, not "no dictionary knows the word"
    resp = engine.search(query)
    assert resp.results and not resp.message and resp.did_you_mean is None


def test_a_common_word_is_no_compound_part(engine) -> None:
    """A corpus word common in Danish on its own ("forhold", "indeholder") is no compound of
    the typed word it holds ("holde"); one of Danish's commonest words heads no compounds at
    all ("kontorhold" of "holde"); a rarer word still heads its compounds ("udgifter":
    "personaleudgifter", "fællesudgifter"). Issue 32."""
    from search import expansion
    from search.query import parse

    snap = engine.snapshot
    exp = expansion.expand(parse("holde"), snap)
    assert exp.groups and not {"forhold", "indehold", "kontorhold"} & set(exp.groups[0])
    exp = expansion.expand(parse("udgifter"), snap)
    compounds = {t for t, kind in exp.groups[0].items() if kind == "compound"}
    assert {"personaleudgift", "fællesudgift"} <= compounds
    assert expansion._lexicalised("forhold") and not expansion._lexicalised("personaleudgift")


def test_three_short_scraps_are_no_compound() -> None:
    # "cyber|ang|rep": the word lists hold three-letter scraps, so a typo must not pass as words
    from search.spelling import is_compound_of_words

    assert is_compound_of_words("solcelleanlæg")
    assert not is_compound_of_words("cyberangrep")


@pytest.mark.parametrize("query", ["the the the", "hvad er det", "what is"])
@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_only_common_words_ask_for_search_words(engine, query: str, mode: str) -> None:
    # nothing to match, and too little to mean: no "related" passages picked by the model
    resp = engine.search(query, mode=mode)
    assert resp.results == [] and resp.message and "søgeord" in resp.message


def test_common_words_with_a_filter_list_its_passages(engine) -> None:
    resp = engine.search("hvad er det", filters=Filters(area="Jobcenter"))
    assert resp.results and {h.area for h in resp.results} == {"Jobcenter"}


@pytest.mark.parametrize("query", ["havnebad", "motorway tolls", "svømmehal", "letbane"])
def test_absent_topic_has_no_exact_results(engine, query: str) -> None:
    resp = engine.search(query)
    assert resp.total_exact == 0
    assert all(h.match == "related" for h in resp.results)
    assert resp.total == resp.total_related >= len(resp.results)


def test_a_topic_in_other_words_is_found_as_related(engine) -> None:
    # the documents say "dagtilbud", never "daginstitution": the query's words are real, the
    # meaning is there, so the reader gets the passage (labelled related), not "no results"
    resp = engine.search("daginstitutioner")
    assert resp.total_exact == 0 and resp.results
    assert resp.results[0].area == "Fagcenter Børn, Læring og Uddannelse"
    assert "dagtilbud" in resp.results[0].text


@pytest.mark.parametrize("query", ["purple monkey dishwasher", "kat hund"])
def test_several_words_the_documents_never_use_find_nothing_unrelated(engine, query) -> None:
    # real words, no meaning here: several of them, none the documents', meet the higher floor
    # (one such word is more often a topic in other words: "daginstitutioner", above)
    assert engine.search(query).results == []


def test_english_question_is_answered_by_related_passages(engine) -> None:
    resp = engine.search("IT security")
    assert resp.results and resp.results[0].area == "Digitalisering og IT"


# -- the users' own words ------------------------------------------------------------------


def test_common_words_of_a_question_do_not_outweigh_its_topic(engine) -> None:
    # "sker" and "nye" are in other passages too, but "brandhaner" is what it asks about
    resp = engine.search("hvad sker der med de nye brandhaner")
    assert resp.results[0].match == "exact"
    assert "brandhane" in resp.results[0].text.casefold()


def test_common_danish_words_weigh_less_than_rare_ones() -> None:
    from search.expansion import MIN_GENERAL, general_weight

    assert general_weight("brandhaner") == general_weight("xqzv") == 1.0
    assert MIN_GENERAL <= general_weight("nye") < general_weight("ældre") < 1.0
    # by its commonest inflection: "håndteres" is rare as written, "hånd…" is not
    assert general_weight("håndteres") < 0.6


@pytest.mark.parametrize("query, word", [("salaries for directors", "direktion"),
                                         ("interpreter costs", "tolk"),
                                         ("insurance premiums", "forsikring")])  # fmt: skip
def test_english_domain_words_are_searched_as_danish(engine, query: str, word: str) -> None:
    resp = engine.search(query, mode="keyword")
    assert resp.results and word in resp.results[0].text.casefold()


def test_english_phrases_and_danish_lookalikes(engine) -> None:
    from search.expansion import expand
    from search.query import parse

    snap = engine.snapshot
    # "fire service" is one English phrase: neither "fire" (four) nor "service" is searched
    groups = expand(parse("cost of the fire service"), snap).groups
    assert any("brandvæs" in g for g in groups)
    assert not any("fire" in g or "servic" in g for g in groups)
    # "rent" is Danish (clean) too: alone it stays Danish, not "leje"
    groups = expand(parse("rent vand"), snap).groups
    assert "rent" in groups[0] and not any("lej" in g for g in groups)


def test_synonyms_are_searched_but_make_no_exact_match(engine) -> None:
    from index.building.analysis import stem
    from search.expansion import STRONG_KINDS, expand
    from search.query import parse

    group = expand(parse("ventetid"), engine.snapshot).groups[0]
    assert group[stem("sagsbehandlingstid")] == "synonym" and "synonym" not in STRONG_KINDS
    # the documents say "løn", "aflønning" and "vederlag", never "lønninger": found, as related
    resp = engine.search("lønninger")
    assert resp.total_exact == 0 and resp.results
    assert all("løn" in h.text.casefold() or "vederlag" in h.text for h in resp.results[:3])


# -- did you mean ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Hvor mange penge bruges på IT?", "kat", "homelessness"])
def test_real_words_are_never_corrected(engine, query: str) -> None:
    assert engine.search(query).did_you_mean is None


def test_suggestion_keeps_the_users_punctuation(engine) -> None:
    resp = engine.search("Hvad med cyberangrep?", mode="keyword")
    assert resp.did_you_mean == "Hvad med cyberangreb?"


# -- answers from the amounts table ----------------------------------------------------------


def card(engine, query: str, **kw):
    resp = engine.search(query, mode="keyword", **kw)
    return resp.answer


@pytest.mark.parametrize("query", ["Hvad er det samlede budget?", "how much is the total budget?",
                                   "hvad koster kommunen", "i alt"])  # fmt: skip
def test_total(engine, query: str) -> None:
    a = card(engine, query)
    assert a is not None and a.kind == "total" and a.total_kr == SEED_TOTAL


def test_total_follows_the_amounts_table(engine) -> None:
    assert sum(a.amount_kr or 0 for a in engine.areas()) == card(engine, "i alt").total_kr


@pytest.mark.parametrize("query, first", [
    ("Hvilket område har det største budget?", "Økonomi"),
    ("most expensive area", "Økonomi"),
    ("hvilke områder får færrest penge", "Voksenspecialenheden"),
])  # fmt: skip
def test_ranking(engine, query: str, first: str) -> None:
    a = card(engine, query)
    assert a is not None and a.kind == "ranking" and a.rows[0].area == first
    amounts = [r.amount_kr for r in a.rows]
    assert amounts == sorted(amounts, reverse=first == "Økonomi")


def test_top_n(engine) -> None:
    a = card(engine, "de tre største områder")
    assert a is not None and [r.area for r in a.rows] == ["Økonomi", "Borgerservice", "Jobcenter"]


@pytest.mark.parametrize("query, low, high", [
    ("områder over 40 mio. kr.", 40_000_000, None),
    ("under 6 mio.", None, 6_000_000),
    ("mellem 10 og 20 mio.", 10_000_000, 20_000_000),
    ("areas between 10 and 20 million", 10_000_000, 20_000_000),
])  # fmt: skip
def test_threshold(engine, query: str, low: int | None, high: int | None) -> None:
    a = card(engine, query)
    assert a is not None and a.kind == "threshold"
    expected = {x.area for x in engine.areas() if x.amount_kr is not None
                and (low is None or x.amount_kr > low) and (high is None or x.amount_kr < high)}
    assert {r.area for r in a.rows} == expected and expected
    assert a.total_kr == sum(r.amount_kr for r in a.rows)


@pytest.mark.parametrize("query, said", [
    ("områder over 99999999999999999999999 mio.", "over 99.999.999.999.999.999.999.999,0 mio. kr."),
    ("areas above 99999999999999999999999 billion", "over 99.999.999.999.999.999.999.999.000,0"),
    ("områder over 900 mio.", "over 900,0 mio. kr."),
    ("områder under 0,04 mio.", "under 0,04 mio. kr."),
    ("områder over " + "9" * 400 + " mio.", "over 9.999.999.999"),
])  # fmt: skip
def test_a_bound_no_area_reaches_says_so(engine, query: str, said: str) -> None:
    """However large the bound, the question is a threshold that no area meets, not the total
    budget (a bound over 10^15 kr. had been dropped, leaving "mio." to ask for the total)."""
    a = card(engine, query)
    assert a is not None and a.kind == "threshold" and a.rows == ()
    assert a.title.startswith("Intet område har et nettobudget ") and said in a.title, a.title
    assert a.total_kr is None


@pytest.mark.parametrize("query", ["områder under 99999999999999999999999 mio.",
                                   "mellem 1 kr. og 99999999999999999999999 mio."])
def test_a_bound_every_area_meets_lists_them_all(engine, query: str) -> None:
    a = card(engine, query)
    assert a is not None and a.kind == "threshold" and len(a.rows) == 17
    assert a.total_kr == SEED_TOTAL and a.title.startswith("17 områder")


def test_group_sum(engine) -> None:
    a = card(engine, "samlet budget for demografipuljerne")
    assert a is not None and a.kind == "group"
    pools = {x.area for x in engine.areas() if "Demografipulje" in x.area}
    assert {r.area for r in a.rows} == pools
    assert a.total_kr == 24_000_000


@pytest.mark.parametrize("query, area", [
    ("how much does the fire service cost?", "Vestsjællands Brandvæsen"),
    ("Hvad koster brandvæsenet?", "Vestsjællands Brandvæsen"),
    ("Jobcentret", "Jobcenter"),
    ("job centre budget", "Jobcenter"),
    ("hvor meget koster HR", "HR og Personale"),
])  # fmt: skip
def test_one_areas_amount_by_any_name(engine, query: str, area: str) -> None:
    a = card(engine, query)
    amount = next(x.amount_kr for x in engine.areas() if x.area == area)
    assert a is not None and a.kind == "amount"
    assert a.rows[0].area == area and a.total_kr == amount


def test_share(engine) -> None:
    a = card(engine, "Borgerservices andel af budgettet")
    assert a is not None and a.kind == "share"
    assert a.rows[0].share == pytest.approx(81_205_800 / SEED_TOTAL, abs=1e-4)


@pytest.mark.parametrize("query", ["personale og uddannelse", "udgifter til løn", "MitID",
                                   "personale", "IT security", "ældre borgere over 80 år"])
def test_no_card_without_an_area_or_an_amount(engine, query: str) -> None:
    assert card(engine, query) is None


def test_filters_scope_the_answer(engine) -> None:
    a = card(engine, "i alt", filters=Filters(area="Jobcenter"))
    assert a is not None and a.total_kr == 50_190_100


@pytest.mark.parametrize("query", ["samlet budget for Økonomiudvalget",
                                   "Økonomiudvalgets samlede budget", "Kalundborg Kommunes budget"])
def test_naming_the_committee_or_municipality_scopes_the_total(engine, query: str) -> None:
    # "Økonomiudvalget" is the committee (all 17 areas), not the area Økonomi inside it
    a = card(engine, query)
    assert a is not None and a.kind == "total" and a.total_kr == SEED_TOTAL


def test_a_committee_the_index_lacks_gets_no_card(engine) -> None:
    a = card(engine, "største område i Økonomiudvalget")
    assert a is not None and a.kind == "ranking" and a.rows[0].area == "Økonomi"
    # another committee's budget is not in these documents: no card, not a lookalike area's
    assert card(engine, "samlet budget for Teknik- og Miljøudvalget") is None
    assert card(engine, "Hvad koster Børne- og Ungeudvalget?") is None


def test_answer_json_has_kind_and_rows(engine) -> None:
    data = engine.search("områder over 50 mio. kr.", mode="keyword").to_json()["answer"]
    assert data["kind"] == "threshold"
    assert {r["area"] for r in data["rows"]} == {"Økonomi", "Borgerservice", "Jobcenter"}
    assert all({"area", "amount_kr", "document", "share"} <= set(r) for r in data["rows"])


# -- hostile queries --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["brug " * 500, "brug" * 500, "tid" * 700, "brug-" * 300])
@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_huge_queries_answer_without_error(engine, query: str, mode: str) -> None:
    resp = engine.search(query, mode=mode)
    assert resp.results or resp.message
    assert len(resp.message or "") < 200


def test_batch_answers_every_line(seed_settings) -> None:
    from click.testing import CliRunner

    from webui.cli import cli

    lines = ["MitID", "brug " * 500, "area:Nope", "", "hjemløshed"]
    env = {"BUDGET_SEARCH_HOME": str(seed_settings.data_dir)}
    result = CliRunner().invoke(cli, ["search", "--batch", "--json", "--mode", "keyword",
                                      "--index-dir", str(seed_settings.index_dir)],
                                input="\n".join(lines) + "\n", env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(out) == len(lines)
    assert out[0]["results"][0]["area"] == "Borgerservice"
    assert out[-1]["results"]


def test_corrections_per_query_are_capped(engine) -> None:
    from search import expansion
    from search.query import parse
    from search.spelling import Speller

    typos = "brandvæsnx hjemløshd sygemelte kørekrot cyberangrep rekrutering digitalisring"
    exp = expansion.expand(parse(typos), engine.snapshot)
    assert 0 < len(exp.corrections) <= Speller.MAX_WORDS
