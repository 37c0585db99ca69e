"""Quiet results (issue 30): with exact matches, the related passages wait behind a link that
works without JavaScript (`related=1`) and with it (shown in place); without exact matches only
the related passages near the best one, under "Ingen afsnit nævner »…«"; a word no dictionary
knows finds nothing. On the session's seed index."""

from __future__ import annotations

import re
from html import unescape

import pytest

BRAND = "Hvad koster brandvæsenet?"


def html(resp) -> str:
    return resp.get_data(as_text=True)


def matches(page: str) -> list[str]:
    return re.findall(r'<li class="card" data-match="(\w+)"', page)


def status(page: str) -> str:
    m = re.search(r'id="result-status">(.*?)</p>', page, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", m.group(1)))) if m else ""


def related_link(page: str) -> tuple[str, str] | None:
    m = re.search(r'<p class="show-related"><a href="([^"]+)" data-related>([^<]+)</a>', page)
    return (unescape(m.group(1)), m.group(2)) if m else None


def test_exact_matches_hide_the_related_behind_a_link(client, engine) -> None:
    resp = engine.search(BRAND)
    assert resp.total_exact == 3 and resp.total_related > 0
    page = html(client.get("/", query_string={"q": BRAND}))
    assert matches(page) == ["exact"] * 3
    listed = page.split('id="results-heading"')[1]
    assert "Relateret" not in re.sub(r"Vis \d+ relaterede", "", listed)
    assert status(page).startswith("3 afsnit med søgeordene ·")  # no related count, no "viser"
    url, label = related_link(page)
    assert label == f"Vis {resp.total_related} relaterede afsnit"
    assert "related=1" in url and url.endswith("#related-heading")
    # the link, followed without JavaScript: the same exact matches, then the related ones
    shown = html(client.get(url.split("#")[0]))
    on_page = min(resp.total_related, 10 - 3)  # a page holds 10
    assert matches(shown) == ["exact"] * 3 + ["related"] * on_page
    assert ("Næste side" in shown) == (resp.total_related > on_page)
    assert 'id="related-heading"' in shown and related_link(shown) is None
    assert f"{resp.total_related} relaterede" in status(shown)


def test_hidden_related_leave_the_pager_and_facets(client, engine) -> None:
    resp = engine.search("a-kasse", k=10)
    assert resp.total_exact == 2 and resp.total_related > 10  # 49 related over 6 pages before
    page = html(client.get("/?q=a-kasse"))
    assert matches(page) == ["exact", "exact"]
    assert 'class="pager"' not in page and "Næste side" not in page
    assert related_link(page)[1] == f"Vis {resp.total_related} relaterede afsnit"
    # the facets count the exact matches only
    counts = [int(n) for n in re.findall(r'class="facet-count"[^>]*>(\d+)<', page)]
    assert resp.facets_of == "exact"
    area = {f["value"]: f["count"] for f in resp.facets["area"]}
    assert sum(area.values()) == 2 and (not counts or max(counts) <= 2)
    # a page past the exact matches, asked for without related=1, says so
    beyond = html(client.get("/?q=a-kasse&page=2"))
    assert "Side 2 findes ikke" in beyond and matches(beyond) == []
    # with related=1 the pager counts them all
    more = html(client.get("/?q=a-kasse&related=1"))
    assert matches(more) == ["exact"] * 2 + ["related"] * 8 and "Næste side" in more
    nxt = html(client.get("/?q=a-kasse&related=1&page=2"))
    assert set(matches(nxt)) == {"related"}


def test_related_link_starts_where_the_related_begin(client) -> None:
    page = html(client.get("/", query_string={"q": BRAND, "k": "3"}))
    url, _ = related_link(page)
    assert "page=2" in url  # 3 exact matches fill page 1 of 3
    assert matches(html(client.get(url.split("#")[0])))[0] == "related"


def test_no_exact_match_shows_the_nearest_related_under_the_notice(client, engine) -> None:
    page = html(client.get("/?q=pizza"))
    assert "Ingen afsnit nævner »pizza«" in page
    assert set(matches(page)) == {"related"} and related_link(page) is None
    resp = engine.search("pizza", k=100)
    assert resp.total_exact == 0 and 0 < resp.total_related <= resp.total
    assert all(h.match == "related" for h in resp.results)


def test_a_word_no_dictionary_knows_finds_nothing(client, engine) -> None:
    resp = engine.search("xyzzy qwerty")
    assert resp.total == 0 and resp.results == []
    assert "xyzzy" in resp.message
    page = html(client.get("/?q=xyzzy+qwerty"))
    assert matches(page) == [] and "ingen ordbog eller afsnit kender »xyzzy«" in page
    # a known word beside it still finds the passages that hold it, first
    beside = engine.search("xyzzy MitID", k=100)
    assert beside.results and "mitid" in beside.results[0].text.lower()


def test_the_api_keeps_every_result(client) -> None:
    body = client.get("/api/search", query_string={"q": BRAND, "k": 100}).get_json()
    assert body["total_exact"] == 3 and body["total_related"] > 0
    assert len(body["results"]) == body["total"]


def test_the_related_link_in_chromium_shows_them_in_place(page, base_url) -> None:
    from urllib.parse import quote

    page.goto(f"{base_url}/?q={quote(BRAND)}")
    assert page.locator('li.card[data-match="related"]').count() == 0
    link = page.locator("a[data-related]")
    label = link.inner_text()
    assert re.fullmatch(r"Vis \d+ relaterede afsnit", label)
    n = int(label.split()[1])
    page.evaluate("window.__stayed = true")  # gone if the link reloads the page
    link.click()
    page.wait_for_selector('li.card[data-match="related"]')
    assert page.evaluate("window.__stayed === true")
    assert page.locator('li.card[data-match="related"]').count() == min(n, 10 - 3)  # one page
    assert "related=1" in page.url
    assert page.evaluate("document.activeElement.id") == "related-heading"
    page.go_back()
    page.wait_for_function("!location.search.includes('related=1')")
    assert not page.problems


def test_the_related_link_without_javascript(browser, base_url) -> None:
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    p = context.new_page()
    try:
        p.goto(f"{base_url}/?q=a-kasse")
        assert p.locator('li.card[data-match="related"]').count() == 0
        p.locator("a[data-related]").click()
        p.wait_for_url("**related=1**")
        assert p.locator('li.card[data-match="related"]').count() > 0
    finally:
        context.close()


# -- the first screen on a phone (issue 30) ---------------------------------------------------


@pytest.mark.parametrize("size", [(390, 844), (320, 568)])
@pytest.mark.parametrize("q, first", [(BRAND, "section.answer"), ("pizza", "li.card"),
                                      ("MitID", "li.card")])  # fmt: skip
def test_the_answer_or_first_result_is_on_the_first_screen(browser, base_url, size, q,
                                                           first) -> None:  # fmt: skip
    from urllib.parse import quote

    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h}, locale="da-DK")
    p = context.new_page()
    try:
        p.goto(f"{base_url}/?q={quote(q)}")
        box = p.locator(first).first.bounding_box()
        assert box is not None and 0 <= box["y"] < h - 24, (q, size, box)  # its top line shows
        # the hint and the modes are folded away, one tap from the field, and still work
        options = p.locator("details.search-options")
        assert not options.evaluate("d => d.open")
        assert not p.locator("#q-hint").is_visible()
        options.locator(":scope > summary").click()
        assert p.locator("#q-hint").is_visible()
        p.locator("label.mode", has_text="Nøgleord").click()
        p.wait_for_url("**mode=keyword**")
        assert p.evaluate("document.documentElement.scrollWidth") <= w  # no sideways scroll
    finally:
        context.close()


def test_the_home_page_and_a_wide_screen_keep_the_hint_and_modes(browser, base_url) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK")
    try:
        p = phone.new_page()
        p.goto(f"{base_url}/")
        assert p.locator("#q-hint").is_visible() and p.locator("label.mode").first.is_visible()
    finally:
        phone.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    try:
        p = wide.new_page()
        p.goto(f"{base_url}/?q=MitID")
        assert p.locator("#q-hint").is_visible() and p.locator("label.mode").first.is_visible()
        assert not p.locator("details.search-options > summary").is_visible()
        assert p.locator("h1").is_visible()
    finally:
        wide.close()
