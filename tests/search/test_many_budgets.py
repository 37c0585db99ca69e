"""Many municipalities (issue 30): the seed's text under four municipalities, each with its own
job centre budget (the sidecar's [amounts]; one of them the seed's own). A question over all of
them is answered per municipality, compared (lowest, median, highest) and never summed as one
area's budget; a municipality named in the question scopes the passages as it scopes the card,
shown as a removable chip. Searched through the engine, the command line's text, the JSON API
and the page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path

import pytest

from chromium import no_horizontal_scroll
from search.cli_text import format_response
from webui import create_app

#: Kommune 1 keeps the seed's stated amount; the others' sidecars state their own.
JOBCENTER = {1: 50_190_100, 2: 31_000_000, 3: 42_500_000, 4: 68_250_000}
SIDECAR = """title = "Bemærkninger - Økonomiudvalget"
municipality = "Kommune {n}"
committee = "Økonomiudvalget"
year = 2024
"""


@pytest.fixture(scope="module")
def many(seed_settings, seed_path: Path, tmp_path_factory, encoder):
    from conftest import _index_beside_seed
    from search.engine import Engine

    corpus = tmp_path_factory.mktemp("many-corpus")
    for n, kr in JOBCENTER.items():
        folder = corpus / f"kommune{n}" / "2024"
        folder.mkdir(parents=True)
        shutil.copy(seed_path, folder / "oekonomiudvalget.txt")
        sidecar = SIDECAR.format(n=n)
        if n != 1:
            sidecar += f'\n[amounts]\n"Jobcenter" = {kr}\n'
        (folder / "oekonomiudvalget.toml").write_text(sidecar, encoding="utf-8")
    settings = _index_beside_seed(seed_settings, tmp_path_factory, corpus, encoder, "many-ix")
    return Engine(settings.index_dir, lambda: encoder)


@pytest.fixture(scope="module")
def app(many):
    """The web app on this index (conftest's `client` and `base_url` serve it)."""
    return create_app({"ENGINE": many})


def card(page: str) -> str:
    return page.split('class="answer"', 1)[1].split("</section>", 1)[0]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_one_area_over_many_municipalities_is_compared_not_summed(many) -> None:
    resp = many.search("Hvad koster Jobcenter?", mode="keyword")
    a = resp.answer
    assert a is not None and a.kind == "amount"
    assert a.title == "Nettobudget for Jobcenter i 4 kommuner"
    assert a.total_kr is None and a.corpus_total_kr is None  # never 191.940.100 kr.
    assert sorted((r.municipality, r.amount_kr) for r in a.rows) == [
        (f"Kommune {n}", kr) for n, kr in sorted(JOBCENTER.items())]  # fmt: skip
    c = a.comparison
    assert (c.over, c.budgets, c.with_amount) == ("municipality", 4, 4)
    assert (c.lowest.municipality, c.lowest.amount_kr) == ("Kommune 2", 31_000_000)
    assert (c.highest.municipality, c.highest.amount_kr) == ("Kommune 4", 68_250_000)
    assert c.median_kr == (42_500_000 + 50_190_100) // 2  # the two middle ones' mean
    out = a.to_json()
    assert "amount_kr" not in out  # no first row passed off as the answer
    assert out["comparison"]["lowest"]["document"] == "kommune2/2024/oekonomiudvalget"
    assert str(sum(JOBCENTER.values())) not in str(out)
    printed = format_response(resp)
    assert "191.940.100" not in printed
    assert ("Lavest 31.000.000 kr. (Kommune 2) · median 46.345.050 kr. · højest "
            "68.250.000 kr. (Kommune 4), 4 med beløb") in printed  # fmt: skip


def test_a_share_over_municipalities_compares_the_shares(many) -> None:
    resp = many.search("Jobcenters andel af budgettet", mode="keyword")
    a = resp.answer
    assert a.kind == "share" and a.total_kr is None and a.corpus_total_kr is None
    shares = {r.municipality: r.share for r in a.rows}
    # each its own budget's: Kommune 2's 31 mio. of 441 mio., Kommune 4's 68 mio. of 479 mio.
    assert shares["Kommune 2"] == round(31_000_000 / 441_253_700, 4)
    c = a.comparison
    assert c.by == "share"
    assert (c.lowest.municipality, c.highest.municipality) == ("Kommune 2", "Kommune 4")
    assert c.median_share == round((shares["Kommune 3"] + shares["Kommune 1"]) / 2, 4)
    assert "Lavest 7,0 % (Kommune 2) · median 10,1 % · højest 14,3 % (Kommune 4)" in (
        format_response(resp))  # fmt: skip


def test_a_total_over_municipalities_is_labelled_as_a_sum(many) -> None:
    a = many.search("Hvad er budgettet i alt?", mode="keyword").answer
    assert a.kind == "total" and len(a.rows) == 4
    assert a.total_kr == sum(r.amount_kr for r in a.rows)
    assert a.sum_label == "Sum på tværs af 4 kommuner (ikke ét budget)"
    assert a.comparison is not None and a.comparison.budgets == 4
    printed = format_response(many.search("Hvad er budgettet i alt?", mode="keyword"))
    assert f"Sum på tværs af 4 kommuner (ikke ét budget): {a.total_kr:,} kr.".replace(",", ".") \
        in printed  # fmt: skip


def test_a_named_municipality_scopes_card_and_passages(many) -> None:
    q = "Hvad koster Jobcenter i Kommune 3?"
    resp = many.search(q, mode="keyword", k=50)
    a = resp.answer
    assert a.kind == "amount" and [(r.municipality, r.amount_kr) for r in a.rows] == [
        ("Kommune 3", 42_500_000)]  # fmt: skip
    assert resp.named == {"municipality": "Kommune 3"}
    assert resp.filters["municipality"] == "Kommune 3"
    assert resp.total_exact > 0 and {h.municipality for h in resp.results} == {"Kommune 3"}
    assert resp.to_json()["named_filters"] == {"municipality": "Kommune 3"}
    assert "Afgrænset til Kommune: Kommune 3 (fra spørgsmålet)" in format_response(resp)
    # read over every municipality (the chip removed): compared, passages from all of them
    every = many.search(q, mode="keyword", k=50, named_scope=False)
    assert every.named == {} and every.answer.comparison is not None
    assert len({h.municipality for h in every.results}) > 1


@pytest.mark.parametrize("q", ["Hvad koster Jobcenter i Kommune 3 og Kommune 4?",
                               "Hvad koster Jobcenter i Kommune 3 og 4?",
                               "Jobcenter i Kommune 4 og 3",
                               "Jobcenter, Kommune 4 og Kommune 3: hvad koster det?"])
def test_two_named_municipalities_scope_card_and_passages_to_them(many, q: str) -> None:
    """Two municipalities named: a comparison of those two only, never of every municipality
    and never their sum; the passages are theirs; the scope is said in the JSON and the CLI."""
    resp = many.search(q, mode="keyword", k=50)
    a = resp.answer
    assert a.kind == "amount" and a.total_kr is None and a.corpus_total_kr is None
    assert sorted((r.municipality, r.amount_kr) for r in a.rows) == [
        ("Kommune 3", 42_500_000), ("Kommune 4", 68_250_000)]  # fmt: skip
    assert a.title == "Nettobudget for Jobcenter i 2 kommuner"
    c = a.comparison
    assert (c.budgets, c.with_amount, c.lowest.municipality, c.highest.municipality) == (
        2, 2, "Kommune 3", "Kommune 4")  # fmt: skip
    assert c.median_kr == (42_500_000 + 68_250_000) // 2
    assert set(resp.named) == {"municipality"}
    assert set(resp.named["municipality"]) == {"Kommune 3", "Kommune 4"}
    assert resp.total_exact > 0
    assert {h.municipality for h in resp.results} == {"Kommune 3", "Kommune 4"}
    out = resp.to_json()
    assert sorted(out["named_filters"]["municipality"]) == ["Kommune 3", "Kommune 4"]
    assert str(42_500_000 + 68_250_000) not in str(out)
    printed = format_response(resp)
    assert "Afgrænset til Kommune: Kommune " in printed and "110.750.000" not in printed
    # read over every municipality: all four compared
    assert many.search(q, mode="keyword", named_scope=False).answer.comparison.budgets == 4


@pytest.mark.parametrize("q", ["Hvad koster Jobcenter i Kommune 5?",
                               "Hvad koster Jobcenter i Kommune 3 og Kommune 5?",
                               "Hvad koster Jobcenter i Kommune 3 og 5?",
                               "Hvad koster Jobcenter i Holbæk Kommune?"])  # fmt: skip
def test_a_municipality_the_index_lacks_gets_no_card(many, q: str) -> None:
    """Another municipality's job centre is not answered with these four's (nor with Kommune 3
    alone, where Kommune 3 and 5 are asked): no card, the passages not scoped."""
    resp = many.search(q, mode="keyword")
    assert resp.answer is None and resp.named == {}


def test_two_named_municipalities_rank_each_its_own(many) -> None:
    a = many.search("Hvad er de 2 største områder i Kommune 2 og Kommune 4?",
                    mode="keyword").answer  # fmt: skip
    assert a.kind == "ranking" and a.total_kr is None
    assert {r.municipality for r in a.rows} == {"Kommune 2", "Kommune 4"}
    assert len(a.rows) == 4  # two of each, never one list across both


def test_the_named_municipalities_are_one_chip(client) -> None:
    q = "Hvad koster Jobcenter i Kommune 3 og Kommune 4?"
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    chips = page.split('class="active-filters"', 1)[1].split("</div>", 1)[0]
    assert "Kommune: Kommune 3 og Kommune 4 (fra spørgsmålet)" in text(chips)
    assert "i 2 kommuner" in text(card(page))
    cards = re.findall(r'<li class="card"[\s\S]*?</li>', page)
    towns = {t for c in cards for t in re.findall(r"(Kommune \d) · Økonomiudvalget", c)}
    assert cards and towns == {"Kommune 3", "Kommune 4"}
    remove = unescape(re.search(r'class="chip" href="([^"]+)"', chips).group(1))
    assert "named=0" in remove
    assert "i 4 kommuner" in text(card(client.get(remove).get_data(as_text=True)))
    api = client.get("/api/search", query_string={"q": q}).get_json()
    assert api["named_filters"] == {"municipality": ["Kommune 3", "Kommune 4"]}
    assert {r["municipality"] for r in api["results"]} == {"Kommune 3", "Kommune 4"}


def test_a_chip_among_several_removes_its_scope_alone(client) -> None:
    """Municipalities and a year named: removing the year's chip keeps the two municipalities
    (the question still names them: `named=-year`)."""
    q = "Hvad koster Jobcenter i Kommune 3 og Kommune 4 i 2024?"
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    chips = page.split('class="active-filters"', 1)[1].split("</div>", 1)[0]
    links = dict(re.findall(r'class="chip" href="([^"]+)">([^<:]+):', chips))
    year = unescape(next(u for u, label in links.items() if label == "Budgetår"))
    assert "named=-year" in year
    api = client.get(year.replace("/?", "/api/search?", 1)).get_json()
    assert api["named_filters"] == {"municipality": ["Kommune 3", "Kommune 4"]}
    assert "i 2 kommuner" in api["answer"]["title"]


def test_a_number_in_the_question_names_no_municipality(many) -> None:
    """"Kommune 3" is named by both its words: the 3 of "de 3 største" is a count (of each
    municipality's own areas)."""
    resp = many.search("de 3 største områder", mode="keyword")
    assert resp.named == {} and len(resp.answer.rows) == 12
    assert {r.municipality for r in resp.answer.rows} == {f"Kommune {n}" for n in JOBCENTER}


def own_ranking(many, town: str, descending: bool = True) -> list[tuple[str, int]]:
    """A municipality's areas with an amount, ranked on their own."""
    areas = [(a.area, a.amount_kr) for a in many.areas()
             if a.municipality == town and a.amount_kr is not None]  # fmt: skip
    return sorted(areas, key=lambda x: x[1], reverse=descending)


@pytest.mark.parametrize(("q", "n", "descending"), [
    ("top 5 områder", 5, True), ("de 5 største områder", 5, True),
    ("de tre mindste områder", 3, False),
    ("hvilke områder får flest penge", 5, True), ("the 2 smallest areas", 2, False),
])  # fmt: skip
def test_a_ranking_over_many_municipalities_ranks_each_its_own(many, q, n, descending) -> None:
    """A journalist asking for the largest areas across municipalities wants each one's own
    largest, side by side: one list across them all would rank Kommune 4's job centre against
    Kommune 2's Økonomi. Grouped by municipality, each its own top n, never a sum."""
    a = many.search(q, mode="keyword").answer
    assert a.kind == "ranking" and a.total_kr is None and a.sum_label is None
    assert a.title.endswith("i hver af 4 kommuner")
    assert len(a.rows) == 4 * n
    towns = [r.municipality for r in a.rows]
    assert towns == sorted(towns) and len(set(towns)) == 4  # grouped: one block each
    for town in set(towns):
        got = [(r.area, r.amount_kr) for r in a.rows if r.municipality == town]
        assert got == own_ranking(many, town, descending)[:n], (q, town)
    assert str(sum(r.amount_kr for r in a.rows)) not in str(a.to_json())


@pytest.mark.parametrize(("q", "descending"), [
    ("hvad er det største område", True), ("hvilket område får færrest penge", False),
    ("most expensive area", True),
])  # fmt: skip
def test_the_largest_area_over_many_municipalities_is_each_ones_largest(
        many, q: str, descending: bool) -> None:  # fmt: skip
    a = many.search(q, mode="keyword").answer
    word = "Største" if descending else "Mindste"
    assert a.title == f"{word} område efter nettobudget i hver af 4 kommuner"
    assert [(r.municipality, r.area, r.amount_kr) for r in a.rows] == [
        (f"Kommune {n}", *own_ranking(many, f"Kommune {n}", descending)[0]) for n in JOBCENTER]


def test_a_ranking_card_links_each_municipalitys_ranking(client) -> None:
    answer = card(client.get("/", query_string={"q": "top 5 områder"}).get_data(as_text=True))
    said = text(answer)
    assert "Største områder efter nettobudget i hver af 4 kommuner" in said
    assert "Hvert budget har sin egen rangorden" in said
    links = [unescape(u) for u in re.findall(r'href="(/areas\?[^"]+)"', answer)]
    assert len(links) == 4 and all("sort=amount" in u and "municipality=Kommune" in u
                                   for u in links)  # fmt: skip
    # each municipality's rows under its own heading, their bars scaled to its own largest
    groups = re.findall(r'<tr class="answer-group"><th scope="rowgroup" colspan="4">([^<]+)<',
                        answer)  # fmt: skip
    assert groups == [f"Kommune {n}" for n in JOBCENTER]
    for part in answer.split('class="answer-group"')[1:]:
        widths = [float(w) for w in re.findall(r'<rect x="0" y="0" width="([\d.]+)"', part)]
        assert len(widths) == 5 and widths[0] == 100.0 and widths == sorted(widths, reverse=True)
    overview = client.get(links[1].replace("/areas", "/api/areas", 1)).get_json()
    assert {a["municipality"] for a in overview["areas"]} == {"Kommune 2"}
    assert "<tfoot>" not in answer


def test_a_question_without_a_card_is_not_scoped(many) -> None:
    """Words that happen to name a municipality scope nothing unless the question has a card."""
    resp = many.search("ledige borgere Kommune 3", mode="keyword", k=50)
    assert resp.answer is None and resp.named == {}
    assert len({h.municipality for h in resp.results}) > 1


def test_each_municipality_has_its_own_second_largest(many) -> None:
    a = many.search("hvad er det næststørste område", mode="keyword").answer
    assert a.kind == "ranking" and a.position == 2 and a.total_kr is None
    by_town = {r.municipality: (r.area, r.amount_kr) for r in a.rows}
    assert by_town == {f"Kommune {n}": ("Borgerservice", 81_205_800) for n in JOBCENTER}
    assert len(a.rows) == 4


def test_two_areas_over_many_municipalities_have_no_sum(many) -> None:
    a = many.search("Hvor meget bruger kommunen på brandvæsen og IT?", mode="keyword").answer
    assert a.kind == "amount" and a.total_kr is None and a.comparison is None
    assert len(a.rows) == 8 and a.title.endswith("i 4 kommuner")


def test_english_questions_over_many_municipalities_are_compared(many) -> None:
    """"what does the job centre cost" without a municipality: compared over the four, as
    "Hvad koster Jobcenter?"; "how much for the fire service and IT": each area of each
    municipality, no sum; naming two municipalities scopes it to them."""
    a = many.search("what does the job centre cost", mode="keyword").answer
    assert a.title == "Nettobudget for Jobcenter i 4 kommuner" and a.total_kr is None
    assert a.comparison.median_kr == (42_500_000 + 50_190_100) // 2
    two = many.search("how much for the fire service and IT", mode="keyword").answer
    assert two.kind == "amount" and two.total_kr is None and len(two.rows) == 8
    scoped = many.search("how much does the job centre get in Kommune 2 and Kommune 4",
                         mode="keyword")  # fmt: skip
    assert sorted(r.amount_kr for r in scoped.answer.rows) == [31_000_000, 68_250_000]
    assert {h.municipality for h in scoped.results} == {"Kommune 2", "Kommune 4"}


def test_the_card_compares_and_links_each_municipality(client) -> None:
    page = client.get("/", query_string={"q": "Hvad koster Jobcenter?"}).get_data(as_text=True)
    answer = card(page)
    said = text(answer)
    assert "Nettobudget for Jobcenter i 4 kommuner" in said
    assert "Lavest 31.000.000 kr. Kommune 2" in said and "Højest 68.250.000 kr. Kommune 4" in said
    assert "Median 46.345.050 kr." in said and "lægges ikke sammen" in said
    assert "<tfoot>" not in answer and "191.940.100" not in answer
    links = re.findall(r'href="(/area/[^"]+)"', answer)
    assert {f"/area/kommune{n}/2024/oekonomiudvalget/jobcenter" for n in JOBCENTER} <= set(links)


def test_the_total_card_links_each_municipalitys_budget(client) -> None:
    q = "Hvad er budgettet i alt?"
    answer = card(client.get("/", query_string={"q": q}).get_data(as_text=True))
    foot = text(answer.split("<tfoot>", 1)[1])
    assert foot.startswith("Sum på tværs af 4 kommuner (ikke ét budget)")
    links = [unescape(u) for u in re.findall(r'href="(/areas\?[^"]+)"', answer)]
    assert {f"/areas?municipality=Kommune+{n}&committee=%C3%98konomiudvalget&year=2024"
            for n in JOBCENTER} <= set(links)  # fmt: skip
    lowest = re.search(r"<dt>Lavest</dt><dd>.*?href=\"([^\"]+)\"", answer).group(1)
    overview = client.get(unescape(lowest).replace("/areas", "/api/areas", 1)).get_json()
    assert {a["municipality"] for a in overview["areas"]} == {"Kommune 2"}


def test_the_named_scope_is_a_chip_that_removes_it(client) -> None:
    q = "Hvad koster Jobcenter i Kommune 3?"
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    chips = page.split('class="active-filters"', 1)[1].split("</div>", 1)[0]
    assert "Kommune: Kommune 3" in text(chips) and "(fra spørgsmålet)" in chips
    remove = unescape(re.search(r'class="chip" href="([^"]+)"', chips).group(1))
    assert "named=0" in remove and "municipality=" not in remove
    # a new question from the form is not kept to the named municipality
    form = page.split('id="search-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="municipality"' not in form
    cards = re.findall(r'<li class="card"[\s\S]*?</li>', page)
    assert cards and all("Kommune 3 · Økonomiudvalget" in c for c in cards)
    # the chip's link, followed without JavaScript: every municipality, compared
    wide = client.get(remove).get_data(as_text=True)
    assert "i 4 kommuner" in text(card(wide)) and "fra spørgsmålet" not in wide
    towns = set(re.findall(r"(Kommune \d) · Økonomiudvalget · budget", wide))
    assert len(towns) > 1
    api = client.get("/api/search", query_string={"q": q}).get_json()
    assert api["named_filters"] == {"municipality": "Kommune 3"}
    assert {r["municipality"] for r in api["results"]} == {"Kommune 3"}
    assert client.get("/api/search", query_string={"q": q, "named": "0"}).get_json()[
        "named_filters"] == {}  # fmt: skip


@contextmanager
def phone(browser, javascript: bool) -> Iterator:
    """A page 390 px wide, as a phone shows it, with or without JavaScript."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  locale="da-DK", java_script_enabled=javascript)  # fmt: skip
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_comparison_and_chip_on_a_phone(browser, base_url: str, javascript: bool) -> None:
    """At 390 px: the named municipality's chip and its card on the first screen, no sideways
    scroll; tapping the chip (with or without JavaScript) compares every municipality."""
    with phone(browser, javascript) as p:
        p.goto(f"{base_url}/?q=Hvad+koster+Jobcenter+i+Kommune+3%3F")
        chip = p.locator(".active-filters a.chip")
        assert "Kommune 3" in chip.inner_text() and "fra spørgsmålet" in chip.inner_text()
        amount = p.locator("section.answer .answer-amount")
        assert amount.inner_text() == "42.500.000 kr."
        assert amount.bounding_box()["y"] + amount.bounding_box()["height"] <= 844
        no_horizontal_scroll(p)
        chip.click()
        p.wait_for_url(re.compile(r"named=0"))
        p.locator("section.answer .answer-compare").wait_for()
        compare = p.locator("section.answer .answer-compare").inner_text()
        assert "Kommune 2" in compare and "Kommune 4" in compare and "46.345.050" in compare
        no_horizontal_scroll(p)
        assert p.locator(".active-filters").count() == 0


@pytest.mark.browser
def test_two_named_municipalities_and_a_ranking_on_a_phone(browser, base_url: str) -> None:
    """At 390 px without JavaScript: one chip for the two municipalities named, their
    comparison on the first screen; a ranking over every municipality lists each one's own,
    with a link to each one's whole ranking; no sideways scroll."""
    with phone(browser, javascript=False) as p:
        p.goto(f"{base_url}/?q=Hvad+koster+Jobcenter+i+Kommune+3+og+Kommune+4%3F")
        chip = p.locator(".active-filters a.chip")
        assert chip.count() == 1 and "Kommune 3 og Kommune 4" in chip.inner_text()
        compare = p.locator("section.answer .answer-compare")
        assert "Kommune 3" in compare.inner_text() and "Kommune 4" in compare.inner_text()
        assert "Kommune 2" not in p.locator("section.answer").inner_text()
        assert compare.bounding_box()["y"] + compare.bounding_box()["height"] <= 844
        no_horizontal_scroll(p)
        chip.click()
        p.wait_for_url(re.compile(r"named=0"))
        assert "i 4 kommuner" in p.locator("section.answer h2").inner_text()
        p.goto(f"{base_url}/?q=de+3+st%C3%B8rste+omr%C3%A5der")
        answer = p.locator("section.answer")
        assert "i hver af 4 kommuner" in answer.locator("h2").inner_text()
        assert answer.locator("tbody tr:not(.answer-group)").count() == 12
        heads = answer.locator("tbody tr.answer-group")
        assert heads.count() == 4 and heads.first.is_visible()  # each budget headed, on a phone
        assert [heads.nth(i).inner_text() for i in range(4)] == [f"Kommune {n}"
                                                                 for n in JOBCENTER]  # fmt: skip
        assert answer.locator(".answer-ranking a").count() == 4
        no_horizontal_scroll(p)


@pytest.fixture(scope="module")
def committees(seed_settings, seed_path: Path, tmp_path_factory, encoder):
    """The seed's text under three committees of one municipality, each job centre its own."""
    from conftest import _index_beside_seed
    from search.engine import Engine

    corpus = tmp_path_factory.mktemp("committees-corpus")
    for slug, name, kr in (("oek", "Økonomiudvalget", None),
                           ("tek", "Teknik- og Miljøudvalget", 12_000_000),
                           ("kul", "Kultur- og Fritidsudvalget", 7_500_000)):  # fmt: skip
        folder = corpus / slug / "2024"
        folder.mkdir(parents=True)
        shutil.copy(seed_path, folder / "remarks.txt")
        sidecar = SIDECAR.format(n=1).replace("Økonomiudvalget", name)
        if kr is not None:
            sidecar += f'\n[amounts]\n"Jobcenter" = {kr}\n'
        (folder / "remarks.toml").write_text(sidecar, encoding="utf-8")
    settings = _index_beside_seed(seed_settings, tmp_path_factory, corpus, encoder, "com-ix")
    return Engine(settings.index_dir, lambda: encoder)


def test_two_named_committees_are_compared_alone(committees) -> None:
    q = "Hvad koster Jobcenter i Økonomiudvalget og Teknik- og Miljøudvalget?"
    resp = committees.search(q, mode="keyword", k=50)
    a = resp.answer
    assert a.title == "Nettobudget for Jobcenter i 2 udvalg" and a.total_kr is None
    assert sorted(r.amount_kr for r in a.rows) == [12_000_000, 50_190_100]
    assert set(resp.named["committee"]) == {"Økonomiudvalget", "Teknik- og Miljøudvalget"}
    assert {h.committee for h in resp.results} == set(resp.named["committee"])
    ranked = committees.search("største område i hvert udvalg", mode="keyword").answer
    assert ranked.title == "Største område efter nettobudget i hver af 3 udvalg"
    assert len(ranked.rows) == 3 and len({r.committee for r in ranked.rows}) == 3
