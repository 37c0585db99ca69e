"""Search on the real seed index with the real model: modes, fusion, filters, contract."""

from __future__ import annotations

import json

import pytest

from search.fusion import convex, diversify
from search.results import Filters, SearchError

FIELDS = {"id", "document", "municipality", "committee", "year", "area", "section", "amount_kr",
          "text", "highlight", "score"}  # fmt: skip


def areas(resp) -> list[str]:
    return [h.area for h in resp.results]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize(
    "query, area",
    [
        ("MitID", "Borgerservice"),
        ("brandhaner", "Vestsjællands Brandvæsen"),
        ("hjemløshed", "Voksenspecialenheden"),
        ("Barnets Lov", "Børn og Familie"),
    ],
)
def test_topic_queries_find_their_area_first(engine, mode: str, query: str, area: str) -> None:
    assert areas(engine.search(query, mode=mode))[0] == area


@pytest.mark.parametrize(
    "query, area",
    [
        ("landdistrikter", "Kultur og Fritid"),  # -> landdistriktsudvikling
        ("refusion til arbejdsgivere", "Jobcenter"),  # -> arbejdsgiverrefusion
        ("sommerhus", "Borgerservice"),  # -> sommerhusbeboelse
        ("sikkerhed", "Digitalisering og IT"),  # -> sikkerhedskravene, IT-sikkerhed
        ("robotter", None),  # -> robotløsninger (Borgerservice and Økonomi)
    ],
)
def test_keyword_finds_compounds(engine, query: str, area: str | None) -> None:
    got = areas(engine.search(query, mode="keyword"))
    if area is None:
        assert {"Borgerservice", "Økonomi"} <= set(got[:2])
    else:
        assert area in got[:3], got


def test_mit_id_written_apart_finds_mitid(engine) -> None:
    assert areas(engine.search("mit id", mode="keyword"))[0] == "Borgerservice"


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_mit_id_is_an_exact_match_where_the_passage_holds_mitid(engine, mode: str) -> None:
    """Issue 30: "mit id" showed "0 afsnit med søgeordene, 8 relaterede" though the top three
    hold "MitID": the joined word holds both typed words, so those passages are exact."""
    resp = engine.search("mit id", mode=mode, k=20)
    exact = [r for r in resp.results if r.match == "exact"]
    holds = [r for r in resp.results if "mitid" in r.text.casefold()]
    assert exact and resp.total_exact == len(exact) == 3
    assert {r.id for r in exact} == {r.id for r in holds}  # the ones holding MitID, no others


def test_glossary_expands_abbreviation(engine) -> None:
    resp = engine.search("Kommunernes Landsforening", mode="keyword", k=100)
    assert "Kommunernes Landsforening" in resp.results[0].text  # the words as written first
    assert any("KL's vejledning" in h.text for h in resp.results)  # found only through KL


def test_cross_lingual_fire_department(engine) -> None:
    assert areas(engine.search("fire department", mode="semantic"))[0] == "Vestsjællands Brandvæsen"


def test_one_list_item_is_found_through_its_own_vector(engine) -> None:
    # "pas, kørekort, …" is one bullet of a long Borgerservice list: diluted in the passage's
    # vector, found through the item's own
    assert areas(engine.search("passports and driving licences", mode="semantic"))[0] == (
        "Borgerservice"
    )


@pytest.mark.parametrize(
    "typo, fixed", [("brandvæsnet", "brandvæsenet"), ("cyberangrep", "cyberangreb")]
)
def test_typos_still_find_the_topic(engine, typo: str, fixed: str) -> None:
    # a typo close to a corpus word's form finds it directly; otherwise it is corrected
    resp = engine.search(typo, mode="keyword")
    assert resp.did_you_mean in (None, fixed)
    assert resp.results and resp.results[0].match == "exact"
    assert fixed[:6].casefold() in resp.results[0].text.casefold()


def test_unknown_typo_gets_did_you_mean(engine) -> None:
    assert engine.search("cyberangrep", mode="keyword").did_you_mean == "cyberangreb"


def test_known_words_get_no_did_you_mean(engine) -> None:
    assert engine.search("MitID", mode="keyword").did_you_mean is None


def test_one_per_area_option_puts_each_area_once_before_repeats(engine) -> None:
    resp = engine.search("sikkerhed og risikostyring", k=10, one_per_area=True)
    for match in ("exact", "related"):
        got = [h.area for h in resp.results if h.match == match]
        first_repeat = next((i for i, a in enumerate(got) if a in got[:i]), len(got))
        assert len(set(got)) == first_repeat  # nothing new after the first repeat
    # the default ranks passages, not areas: the same query repeats an area early
    default = areas(engine.search("sikkerhed og risikostyring", k=10))
    assert len(set(default[:3])) < 3


def test_answer_passage_in_top_three(engine) -> None:
    resp = engine.search("Hvor mange DUT-midler får Børn og Familie i 2025?")
    assert any("2,3 mio. kr. i 2025" in h.text for h in resp.results[:3])


@pytest.mark.parametrize(
    "query, area",
    [
        ("Hvad koster brandvæsenet?", "Vestsjællands Brandvæsen"),
        ("budget Borgerservice", "Borgerservice"),
        ("IT budget", "Digitalisering og IT"),
        ("how much is spent on IT?", "Digitalisering og IT"),
    ],
)
def test_answer_card_names_area_and_amount(engine, query: str, area: str) -> None:
    resp = engine.search(query)
    assert resp.answer is not None and resp.answer.rows[0].area == area
    summary = next(a for a in engine.areas() if a.area == area)
    assert resp.answer.total_kr == summary.amount_kr


def test_topic_query_gets_no_answer_card(engine) -> None:
    assert engine.search("hjemløshed").answer is None


def test_filters_restrict_every_mode(engine) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        resp = engine.search("DUT", mode=mode, filters=Filters(area="Jobcenter"))
        assert resp.results and set(areas(resp)) == {"Jobcenter"}


def test_typed_filter_is_case_and_dash_blind(engine) -> None:
    resp = engine.search("area:jobcenter sygemeldte", mode="keyword")
    assert set(areas(resp)) == {"Jobcenter"}
    resp = engine.search('område:"demografipulje - børn- og familieområdet" udvikling')
    assert set(areas(resp)) == {"Demografipulje – Børn- og Familieområdet"}


def test_section_and_amount_filters(engine) -> None:
    resp = engine.search("budget", filters=Filters(section="Budgetgrundlag"), k=50)
    assert resp.results and {h.section for h in resp.results} == {"Budgetgrundlag"}
    resp = engine.search("udvikling", filters=Filters(min_amount=40_000_000), k=50)
    assert resp.results and all(h.amount_kr >= 40_000_000 for h in resp.results)
    resp = engine.search("udvikling", filters=Filters(max_amount=6_000_000), k=50, mode="keyword")
    assert resp.results and all(h.amount_kr <= 6_000_000 for h in resp.results)


def test_facets_count_areas_and_sections(engine) -> None:
    resp = engine.search("DUT", mode="keyword")
    facet = {f["value"]: f["count"] for f in resp.facets["area"]}
    assert {"Borgerservice", "Børn og Familie", "Jobcenter", "Voksenspecialenheden"} <= set(facet)
    assert "section" in resp.facets and "year" not in resp.facets  # one year in the corpus


def test_phrase_and_exclusion(engine) -> None:
    resp = engine.search('"pas og kørekort"', mode="keyword")
    assert areas(resp)[0] == "Borgerservice"
    resp = engine.search("DUT -Barnets", mode="keyword")
    assert all("Barnets" not in h.text for h in resp.results)


def test_highlight_marks_matches_and_escapes(engine) -> None:
    hit = engine.search("MitID", mode="keyword").results[0]
    assert "<mark>MitID</mark>" in hit.highlight
    assert "<" not in hit.highlight.replace("<mark>", "").replace("</mark>", "")


def test_json_contract(engine) -> None:
    data = json.loads(json.dumps(engine.search("DUT").to_json()))
    assert {"query", "mode", "total", "took_ms", "did_you_mean", "facets", "results"} <= set(data)
    assert data["results"] and FIELDS <= set(data["results"][0])
    assert isinstance(data["results"][0]["amount_kr"], int)


@pytest.mark.parametrize(
    "query", ["", "   ", '"', "AND OR NOT", "((", "*", "x" * 10_000, "<script>alert(1)</script>",
              "area:", "år:abc", "\x00\x01", "🙂", "field:value:more"],
)  # fmt: skip
@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_any_query_answers_without_raising(engine, query: str, mode: str) -> None:
    resp = engine.search(query, mode=mode)
    assert resp.results or resp.message


def test_bad_mode_and_numbers_are_search_errors(engine) -> None:
    with pytest.raises(SearchError):
        engine.search("DUT", mode="fuzzy")
    with pytest.raises(SearchError):
        engine.search("DUT", filters=Filters(min_amount="lots"))  # type: ignore[arg-type]


def test_convex_fusion_keeps_a_clear_keyword_lead() -> None:
    # keyword: row 1 far ahead; semantic: row 2 slightly ahead. The clear lead wins, and a row
    # both rankings found beats one only the closer of the two found.
    fused = convex([(1, 9.0), (2, 1.0)], [(2, 0.86), (1, 0.85), (3, 0.84)], 0.5, 0.1)
    assert [r for r, _ in fused] == [1, 2, 3]


def test_diversify_leads_with_distinct_areas() -> None:
    ranking = [(0, 3.0), (1, 2.0), (2, 1.0)]
    assert [r for r, _ in diversify(ranking, ["A", "A", "B"])] == [0, 2, 1]


def test_query_naming_an_area_leads_with_its_answering_passages(engine) -> None:
    # the area's title matches all its passages alike; the other words pick the ones that answer
    resp = engine.search("Hvor stor er puljen til risikostyring i Ledelse, Jura og Kommunikation?")
    assert [h.area for h in resp.results[:2]] == ["Ledelse, Jura og Kommunikation"] * 2
    assert any("0,3 mio. kr." in h.text for h in resp.results[:2])


def test_the_answer_scope_is_made_once_whoever_asks_first(engine, monkeypatch) -> None:
    # the server warms it on a thread while the first budget question may already need it
    import threading
    import time

    from search import answer as answers
    from search.engine import Engine

    fresh = Engine(engine.index_dir)
    real, made = answers.Scope.of, []

    def slow_of(areas):
        made.append(len(areas))
        time.sleep(0.2)
        return real(areas)

    monkeypatch.setattr(answers.Scope, "of", staticmethod(slow_of))
    scopes: list = []
    warmers = [threading.Thread(target=lambda: scopes.append(fresh.answer_scope()))
               for _ in range(3)]  # fmt: skip
    for t in warmers:
        t.start()
    answer = fresh.search("Hvad koster brandvæsenet?", mode="keyword").answer
    for t in warmers:
        t.join()
    assert answer is not None and answer.total_kr == 13_725_000
    assert len(made) == 1 and all(s is fresh.answer_scope() for s in scopes)
