"""Questions that had no card (issue 30): two areas in one question ("brandvæsen og IT"), a
place in the ranking ("næststørste område"); a one-area card says its share of what, and a
ranking card links to the whole ranking. On the session's seed index (Kalundborg Kommune,
Økonomiudvalget 2024: 17 areas, 460.443.800 kr.), and on area tables written here where a
case needs two documents or tied amounts."""

from __future__ import annotations

import re
from html import unescape

import pytest

from search import answer as answers
from search.cli_text import format_response
from search.intent import Intent, read_intent
from search.snapshot import AreaSummary

SEED_TOTAL = 460_443_800
IT, BRAND = 44_166_100, 13_725_000  # Digitalisering og IT, Vestsjællands Brandvæsen


def card(page: str) -> str:
    return page.split('class="answer"', 1)[1].split("</section>", 1)[0]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def area(document: str, title: str, kr: int | None, town: str = "Testby Kommune",
         year: int = 2024) -> AreaSummary:  # fmt: skip
    return AreaSummary(document, town, "Økonomiudvalget", year, title, kr, 1, ())


def test_two_areas_of_one_budget_and_their_labelled_sum(engine) -> None:
    resp = engine.search("Hvor meget bruger kommunen på brandvæsen og IT?", mode="keyword")
    a = resp.answer
    assert a is not None and a.kind == "amount"
    assert sorted((r.area, r.amount_kr) for r in a.rows) == [
        ("Digitalisering og IT", IT), ("Vestsjællands Brandvæsen", BRAND)]  # fmt: skip
    assert a.total_kr == IT + BRAND and a.sum_label == "I alt for de 2 områder"
    assert "amount_kr" not in a.to_json()  # neither area's amount stands for the answer
    printed = format_response(resp)
    assert "I alt for de 2 områder: 57.891.100 kr." in printed
    # either order, and the definite forms
    again = engine.search("hvad koster brandvæsenet og jobcentret", mode="keyword").answer
    assert {r.area for r in again.rows} == {"Vestsjællands Brandvæsen", "Jobcenter"}


@pytest.mark.parametrize(("english", "danish", "areas"), [
    ("how much for the fire service and IT", "hvor meget til brandvæsen og IT",
     {"Vestsjællands Brandvæsen", "Digitalisering og IT"}),
    ("what does the job centre cost", "hvad koster jobcentret", {"Jobcenter"}),
    ("how much does citizen service get", "hvor meget får borgerservice", {"Borgerservice"}),
    ("what goes to the job center", "hvad går til jobcentret", {"Jobcenter"}),
    ("fire service", "brandvæsen", {"Vestsjællands Brandvæsen"}),
])  # fmt: skip
def test_an_english_question_gets_the_card_of_its_danish_counterpart(engine, english, danish,
                                                                     areas) -> None:  # fmt: skip
    """Without a budget word too: the English name stands for the Danish one (glossary.toml's
    [english]), so its words are not a topic left over beside the area."""
    got, want = (engine.search(q, mode="keyword").answer for q in (english, danish))
    assert want is not None and {r.area for r in want.rows} == areas, danish
    assert got is not None, english
    assert (got.kind, got.rows, got.total_kr) == (want.kind, want.rows, want.total_kr)
    # the asking verb ("get", "goes") is the question's: the passages still hold its words
    assert engine.search(english, mode="keyword").total_exact > 0


@pytest.mark.parametrize("q", ["fire service staff training", "job centre unemployed youth",
                               "how much for the fire service trucks"])  # fmt: skip
def test_an_english_topic_beside_an_area_gets_no_card(engine, q) -> None:
    """More than the area asked about, as "brandvæsen personale uddannelse": no card."""
    assert engine.search(q, mode="keyword").answer is None


def test_another_municipality_is_not_answered_with_this_ones_amount(engine) -> None:
    """The seed is Kalundborg Kommune's: Holbæk Kommune's job centre gets no card (it had
    Kalundborg's 50.190.100 kr.); Kalundborg named, or "kommunen", keeps the card."""
    assert engine.search("Hvad koster Jobcenter i Holbæk Kommune?", mode="keyword").answer \
        is None  # fmt: skip
    for q in ("Hvad koster Jobcenter i Kalundborg Kommune?", "Hvad koster jobcentret i kommunen",
              "Hvad koster Kalundborg Kommunes jobcenter?"):
        a = engine.search(q, mode="keyword").answer
        assert a is not None and [r.amount_kr for r in a.rows] == [50_190_100], q


def test_one_title_with_og_in_it_is_one_area(engine) -> None:
    for q, title in [("Hvad koster Demografipulje – Børn- og Familieområdet?",
                      "Demografipulje – Børn- og Familieområdet"),
                     ("Hvad koster Børn og Familie?", "Børn og Familie"),
                     ("Hvad koster Fagcenter Børn, Læring og Uddannelse?",
                      "Fagcenter Børn, Læring og Uddannelse")]:  # fmt: skip
        a = engine.search(q, mode="keyword").answer
        assert [r.area for r in a.rows] == [title], q


def test_two_areas_of_two_budgets_are_not_added() -> None:
    """Each area stated in another municipality's document: both rows, no sum."""
    scope = [area("a/2024", "Jobcenter", 10_000_000, "A Kommune"),
             area("a/2024", "Borgerservice", 5_000_000, "A Kommune"),
             area("b/2024", "Jobcenter", 20_000_000, "B Kommune")]  # fmt: skip
    a = answers.build(Intent("amount", ("Jobcenter", "Borgerservice")),
                      [scope[1], scope[2]])  # fmt: skip
    assert a.total_kr is None and a.sum_label is None and len(a.rows) == 2
    # and one of one budget's two without an amount: no sum of the one that has it
    b = answers.build(Intent("amount", ("Jobcenter", "Borgerservice")),
                      [area("a/2024", "Jobcenter", 10_000_000),
                       area("a/2024", "Borgerservice", None)])  # fmt: skip
    assert b.total_kr is None and [r.amount_kr for r in b.rows] == [10_000_000, None]


def test_a_place_in_the_ranking(engine) -> None:
    for q, title, want in [
        ("hvad er det næststørste område", "Næststørste område efter nettobudget",
         ("Borgerservice", 81_205_800)),
        ("tredjemindste område", "Tredjemindste område efter nettobudget",
         ("Vej, Ejendom og Affald", 5_131_600)),
        ("den 3. største område", "Tredjestørste område efter nettobudget",
         ("Jobcenter", 50_190_100)),
        ("second largest area", "Næststørste område efter nettobudget",
         ("Borgerservice", 81_205_800)),
    ]:  # fmt: skip
        a = engine.search(q, mode="keyword").answer
        assert a is not None and a.kind == "ranking", q
        assert a.title == title and [(r.area, r.amount_kr) for r in a.rows] == [want], q
        assert a.total_kr is None
    # "største område" is still the top five
    top = engine.search("største område", mode="keyword").answer
    assert top.position is None and len(top.rows) == 5


def test_tied_amounts_share_the_place() -> None:
    scope = [area("t/2024", "Økonomi", 30), area("t/2024", "Jobcenter", 20),
             area("t/2024", "Borgerservice", 20), area("t/2024", "IT", 10)]  # fmt: skip
    a = answers.build(Intent("ranking", position=2), scope)
    assert {r.area for r in a.rows} == {"Jobcenter", "Borgerservice"}
    assert "delt plads" in a.title
    assert answers.build(Intent("ranking", position=5), scope) is None  # no fifth area


def test_ordinals_are_read_only_as_a_ranking_of_areas() -> None:
    titles = ["Jobcenter", "Borgerservice", "Økonomi"]
    assert read_intent("næstmindste område", set(), titles) == Intent(
        "ranking", descending=False, position=2)  # fmt: skip
    assert read_intent("anden største område", set(), titles).position == 2
    assert read_intent("den næste udfordring", set(), titles) is None


def test_one_area_card_says_its_share_of_what(client) -> None:
    page = client.get("/", query_string={"q": "Hvad koster brandvæsenet?"}).get_data(as_text=True)
    said = text(card(page))
    assert ("3,0 % af det samlede nettobudget for Økonomiudvalget, 460.443.800 kr. (summen af "
            "17 områder med beløb)") in said  # fmt: skip
    assert "Kalundborg Kommune · Økonomiudvalget · budget 2024" in said
    api = client.get("/api/search", query_string={"q": "Hvad koster brandvæsenet?"}).get_json()
    assert api["answer"]["share"] == round(BRAND / SEED_TOTAL, 4)
    assert api["answer"]["corpus_total_kr"] == SEED_TOTAL


def test_two_area_card_and_its_sum(client) -> None:
    q = "Hvor meget bruger kommunen på brandvæsen og IT?"
    answer = card(client.get("/", query_string={"q": q}).get_data(as_text=True))
    foot = text(answer.split("<tfoot>", 1)[1])
    assert foot.startswith("I alt for de 2 områder 57.891.100 kr.")
    assert "/area/kalundborg/2024/oekonomiudvalget/digitalisering-og-it" in answer
    assert "/area/kalundborg/2024/oekonomiudvalget/vestsjaellands-brandvaesen" in answer


def test_a_ranking_card_links_to_the_whole_ranking(client) -> None:
    for q, order in [("de 5 største områder", "desc"), ("næstmindste område", "asc")]:
        page = client.get("/", query_string={"q": q}).get_data(as_text=True)
        link = re.search(r"answer-ranking\"><a href=\"([^\"]+)\">Se hele rangordenen", page)
        assert link, q
        url = unescape(link.group(1))
        assert f"sort=amount&order={order}" in url and "municipality=Kalundborg" in url
        ranking = client.get(url.replace("/areas", "/api/areas", 1)).get_json()
        amounts = [a["amount_kr"] for a in ranking["areas"]]
        assert len(amounts) == 17 and amounts == sorted(amounts, reverse=order == "desc")
        assert client.get(url).status_code == 200
    plain = client.get("/", query_string={"q": "Hvad koster brandvæsenet?"}).get_data(as_text=True)
    assert "Se hele rangordenen" not in plain


def test_the_command_line_says_a_one_area_share_of_what(engine) -> None:
    printed = format_response(engine.search("Hvad koster brandvæsenet?", mode="keyword"))
    assert ("3,0 % af det samlede nettobudget for Økonomiudvalget, 460.443.800 kr. "
            "(Kalundborg Kommune, 2024)") in printed  # fmt: skip


def test_a_named_year_scopes_card_and_passages(years_engine) -> None:
    """The seed (2024) and its 2025: "i 2025" keeps the passages to 2025, as the card."""
    q = "Hvad koster Jobcenter i 2025?"
    resp = years_engine.search(q, mode="keyword", k=50)
    assert resp.named == {"year": 2025} and resp.filters["year"] == 2025
    assert [r.year for r in resp.answer.rows] == [2025]
    assert resp.results and {h.year for h in resp.results} == {2025}
    wide = years_engine.search(q, mode="keyword", k=50, named_scope=False)
    assert wide.named == {} and {h.year for h in wide.results} == {2024, 2025}


def test_two_named_years_scope_the_card_to_those_years(years_engine) -> None:
    """"2024 og 2025" names both years: each year's total, their sum labelled as across two
    budget years; "fra 2022 til 2024" spans years and names none of them."""
    resp = years_engine.search("Hvad er det samlede budget for 2024 og 2025?", mode="keyword")
    a = resp.answer
    assert resp.named == {"year": (2024, 2025)} and a.kind == "total"
    assert sorted(r.year for r in a.rows) == [2024, 2025]
    assert a.sum_label == "Sum på tværs af 2 budgetår (ikke ét budget)"
    assert {h.year for h in resp.results} <= {2024, 2025}
    missing = years_engine.search("samlet budget 2023 og 2024", mode="keyword")
    assert missing.answer is None
    assert missing.message == "Indekset har intet budget for 2023; det rummer 2024 og 2025."
    spanned = years_engine.search("samlet budget fra 2022 til 2024", mode="keyword")
    assert spanned.named == {}


def test_a_ranking_over_two_named_years_ranks_each_year_alone(years_engine) -> None:
    """The 2024 and 2025 budgets of one committee: each year's own three largest areas, not
    one list where 2024's Jobcenter competes with 2025's; without years, the latest alone."""
    a = years_engine.search("de 3 største områder i 2024 og 2025", mode="keyword").answer
    assert a.title == "Største områder efter nettobudget i hver af 2 budgetår"
    assert [r.year for r in a.rows] in ([2024] * 3 + [2025] * 3, [2025] * 3 + [2024] * 3)
    latest = years_engine.search("de 3 største områder", mode="keyword").answer
    assert [r.year for r in latest.rows] == [2025] * 3
    assert latest.title == "Største områder efter nettobudget"


@pytest.mark.parametrize(("question", "low", "high"), [
    ("hvilke områder har budget over 2,5 mio. kr.", 2_500_000, None),
    ("områder med budget under 50,000 kr", None, 50_000),  # thousands, as typed in English
    ("budget mellem 10 og 20,5 mio.", 10_000_000, 20_500_000),
    ("areas with a budget over 1.5 million", 1_500_000, None),
    ("budget over 99999999999999999999999 mio.", 99999999999999999999999 * 10**6, None),
])  # fmt: skip
def test_a_questions_amounts_are_read_as_the_documents_amounts_are(question, low, high) -> None:
    """Bounds in a question go through the amount reader the documents go through
    (index.documents.amounts.kroner): exact, whatever the size; Danish decimals."""
    from search.intent import typed_terms

    intent = read_intent(question, typed_terms(question), ["Jobcenter", "Borgerservice"])
    assert intent is not None and intent.kind == "threshold"
    assert (intent.low, intent.high) == (low, high)


JOB, BORGER = 50_190_100, 81_205_800  # Jobcenter, Borgerservice


@pytest.mark.parametrize("q", [
    "sammenlign Jobcenter og Borgerservice", "Jobcenter vs Borgerservice",
    "forskel på jobcentret og borgerservice", "compare the job centre and citizen service",
    "hvem får mest, Jobcenter eller Borgerservice?",
    "hvor meget mere får Borgerservice end Jobcenter",
    "forskellen mellem jobcentret og borgerservice",
    "how much more does citizen service get than the job centre",
])  # fmt: skip
def test_two_areas_compared_get_their_difference_not_their_sum(engine, q) -> None:
    """A comparison asks how far apart two areas are: the rows largest first and the
    difference; their sum would answer another question."""
    resp = engine.search(q, mode="keyword")
    a = resp.answer
    assert a is not None, q
    assert [(r.area, r.amount_kr) for r in a.rows] == [("Borgerservice", BORGER),
                                                        ("Jobcenter", JOB)], q  # fmt: skip
    assert a.total_kr is None and a.difference_kr == BORGER - JOB
    assert a.to_json()["difference_kr"] == 31_015_700
    assert "Forskel: Borgerservice har 31.015.700 kr. mere end Jobcenter" in format_response(resp)
    # the comparing words ask; the passages hold the areas' names and are exact matches
    assert resp.total_exact > 0, q


def test_two_areas_named_without_comparing_keep_their_sum(engine) -> None:
    a = engine.search("Jobcenter og Borgerservice", mode="keyword").answer
    assert a.total_kr == JOB + BORGER and a.difference_kr is None
    assert "difference_kr" not in a.to_json()


def test_no_difference_across_budgets_or_without_both_amounts() -> None:
    versus = Intent("amount", ("Jobcenter", "Borgerservice"), versus=True)
    two = answers.build(versus, [area("a/2024", "Jobcenter", 10_000_000, "A Kommune"),
                                 area("b/2024", "Borgerservice", 4_000_000, "B Kommune")])
    assert two.difference_kr is None and two.total_kr is None
    one = answers.build(versus, [area("a/2024", "Jobcenter", 10_000_000),
                                 area("a/2024", "Borgerservice", None)])  # fmt: skip
    assert one.difference_kr is None and one.total_kr is None
    # an income area (a negative net budget) keeps its sign: 3 mio. more than -2 mio.
    signed = answers.build(versus, [area("a/2024", "Jobcenter", -2_000_000),
                                    area("a/2024", "Borgerservice", 1_000_000)])  # fmt: skip
    assert [r.area for r in signed.rows] == ["Borgerservice", "Jobcenter"]
    assert signed.difference_kr == 3_000_000


def test_comparing_words_are_read_only_beside_two_areas() -> None:
    titles = ["Jobcenter", "Borgerservice", "Økonomi"]
    assert read_intent("sammenlign Jobcenter og Økonomi", set(), titles).versus
    assert not read_intent("Jobcenter og Økonomi", set(), titles).versus
    assert read_intent("forskel", set(), titles) is None


def test_the_comparison_card_on_the_page(client) -> None:
    page = client.get("/", query_string={"q": "sammenlign jobcenter og borgerservice"})
    answer = card(page.get_data(as_text=True))
    assert "Borgerservice har 31.015.700 kr. mere end Jobcenter." in text(answer)
    foot = text(answer.split("<tfoot>", 1)[1])
    assert foot.startswith("Forskel 31.015.700 kr.") and "I alt" not in text(answer)
    api = client.get("/api/search", query_string={"q": "Jobcenter vs Borgerservice"}).get_json()
    assert api["answer"]["difference_kr"] == 31_015_700 and api["answer"]["total_kr"] is None


@pytest.mark.parametrize("q", [
    "hvor går pengene hen?", "Hvad bruges pengene på?", "hvad bruger kommunen pengene på",
    "fordelingen af budgettet", "hvordan er budgettet fordelt", "where does the money go?",
    "what is the money spent on", "how is the budget broken down",
])  # fmt: skip
def test_where_the_money_goes_is_every_area_largest_first(engine, q) -> None:
    """A sum alone ("Samlet nettobudget 460 mio.") says nothing of where it goes."""
    a = engine.search(q, mode="keyword").answer
    assert a is not None and a.kind == "ranking", q
    assert a.title == "Nettobudgettet fordelt på områder"
    assert len(a.rows) == 17 and a.rows[0].area == "Økonomi", q
    amounts = [r.amount_kr for r in a.rows]
    assert amounts == sorted(amounts, reverse=True) and sum(amounts) == SEED_TOTAL


@pytest.mark.parametrize(("q", "kind"), [
    ("fordelingen af midler til hjemløse", None),  # a topic: its passages, no card
    ("fordele ved digitalisering", None),  # "fordele": advantages
    ("fordeling", None),  # of what: no budget word
    ("hvad bruges pengene på i jobcentret", "amount"),  # one area's budget
])  # fmt: skip
def test_a_breakdown_of_a_topic_or_an_area_is_no_breakdown_of_the_budget(engine, q,
                                                                       kind) -> None:  # fmt: skip
    a = engine.search(q, mode="keyword").answer
    assert (a.kind if a else None) == kind, q


def test_a_year_the_index_lacks_gets_no_card_and_says_so(engine) -> None:
    """The seed is 2024's budget: "Jobcenter i 2025" is not its 50.190.100 kr., and the
    reader is told why there is no card; the passages are still shown."""
    resp = engine.search("Hvad koster Jobcenter i 2025?", mode="keyword")
    assert resp.answer is None
    assert resp.message == "Indekset har intet budget for 2025; det rummer 2024."
    assert resp.total_exact > 0
    # a search that names a year but asks no amount is a search
    assert engine.search("MitID 2025", mode="keyword").message is None
    assert engine.search("Hvad koster Jobcenter i 2024?", mode="keyword").answer is not None


@pytest.mark.parametrize("q", ["hvor stor en andel går til IT", "IT's share of the budget"])
def test_a_share_question_finds_the_areas_passages_not_the_word_andel(engine, q) -> None:
    """"andel" asks for the share; the passage that happens to say "andel" (Jobcenter's
    seniors) is no answer to it. Typed alone, it is a search for the word."""
    resp = engine.search(q)
    assert resp.answer.kind == "share"
    assert [h.area for h in resp.results[:4]] == ["Digitalisering og IT"] * 4
    seniors = [h for h in resp.results if "Tilbagetrækningsreformen" in h.text]
    assert not seniors or seniors[0].match == "related"
    alone = engine.search("andel")
    assert alone.results[0].match == "exact" and "andel" in alone.results[0].text


def test_a_card_without_passages_is_not_called_no_results(client, engine) -> None:
    """"hvor går pengene hen?" is answered by its card; no passage says it, and the status
    line says that ("Ingen afsnit"), not that nothing was found."""
    page = client.get("/", query_string={"q": "hvor går pengene hen?"}).get_data(as_text=True)
    status = text(page.split('id="result-status">', 1)[1].split("</p>", 1)[0])
    assert status.startswith("Ingen afsnit ·"), status
    assert "Nettobudgettet fordelt på områder" in card(page)
    printed = format_response(engine.search("hvor går pengene hen?"))
    assert "Ingen afsnit · søgningen tog" in printed and "Ingen resultater" not in printed


def test_three_areas_named_in_one_question(engine) -> None:
    """Each area joined by a comma or "og" is read, not the first two alone; their sum, as
    for two, since one budget states all three; compared, largest first and no sum."""
    a = engine.search("hvad koster Jobcenter, Borgerservice og IT", mode="keyword").answer
    assert {r.area for r in a.rows} == {"Jobcenter", "Borgerservice", "Digitalisering og IT"}
    assert a.total_kr == JOB + BORGER + IT and a.difference_kr is None
    b = engine.search("sammenlign Jobcenter, Borgerservice og IT", mode="keyword").answer
    assert [r.amount_kr for r in b.rows] == [BORGER, JOB, IT]
    assert b.total_kr is None and b.difference_kr is None


@pytest.mark.parametrize(("q", "areas"), [
    ("hvad koster Jobcenter, Borgerservice og IT",
     {"Jobcenter", "Borgerservice", "Digitalisering og IT"}),
    ("sammenlign Jobcenter og Borgerservice", {"Jobcenter", "Borgerservice"}),
])  # fmt: skip
def test_each_named_areas_passages_hold_the_question(engine, q, areas) -> None:
    """A passage naming one of the areas a question lists holds what it is about (it held a
    third or half of the typed words' weight, and the commoner name lost: "Jobcenter" beside
    "Borgerservice", every name beside two others)."""
    resp = engine.search(q, k=50)
    exact = {h.area for h in resp.results if h.match == "exact"}
    assert areas <= exact, exact


def test_two_areas_written_with_a_slash(engine) -> None:
    """"Jobcenter/Borgerservice", "IT/HR": two areas, as with "og"."""
    a = engine.search("Jobcenter/Borgerservice", mode="keyword").answer
    assert a is not None and {r.area for r in a.rows} == {"Jobcenter", "Borgerservice"}
    b = engine.search("IT/HR", mode="keyword").answer
    assert b is not None and {r.area for r in b.rows} == {"Digitalisering og IT",
                                                          "HR og Personale"}  # fmt: skip


@pytest.mark.parametrize(("q", "said"), [
    ("Hvad koster brandvæsenet pr. indbygger?", "pr. indbygger: indekset har ingen indbyggertal"),
    ("how much does the fire service cost per citizen", "pr. indbygger"),
    ("hvad koster IT pr. medarbejder", "pr. medarbejder: indekset har ingen medarbejdertal"),
])  # fmt: skip
def test_a_figure_per_head_is_not_answered_by_the_total(engine, q, said) -> None:
    """The card still shows the area's net budget, and says that it is not the figure per
    inhabitant (or employee) asked for: the budgets hold no head counts."""
    resp = engine.search(q, mode="keyword")
    assert resp.answer is not None and resp.answer.kind == "amount"
    assert resp.message.startswith("Kortet viser nettobudgettet, ikke et beløb")
    assert said in resp.message
    # "pr. indbygger" is the question's unit, not its topic: the area's passages hold it
    area = resp.answer.rows[0].area
    assert resp.results[0].match == "exact" and resp.results[0].area == area
    assert engine.search("hvad koster brandvæsenet", mode="keyword").message is None
    assert engine.search("pris pr. time", mode="keyword").message is None  # no card: nothing said


@pytest.mark.parametrize(("q", "first"), [
    ("hvem får mest?", "Økonomi"), ("who gets the most", "Økonomi"),
    ("hvem får færrest penge", "Voksenspecialenheden"),
])  # fmt: skip
def test_who_gets_the_most_is_a_ranking(engine, q, first) -> None:
    a = engine.search(q, mode="keyword").answer
    assert a is not None and a.kind == "ranking" and a.rows[0].area == first
    assert engine.search("hvem er borgmester", mode="keyword").answer is None
