"""Issue 30's smaller things, seen in headless Chromium (Debian's, never a downloaded one):
the keyboard skips the filter column, print leaves out what paper cannot use, and search as
you type leaves one history entry per search."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def _focused(p) -> dict:
    return p.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName, id: e.id, cls: e.className, text: (e.innerText || '').trim(),"
        " inFacets: !!e.closest('#facets'), inForm: !!e.closest('#search-form'),"
        " inCard: !!e.closest('li.card')}; }"
    )


@pytest.mark.parametrize("query", ["MitID", "budget&mode=keyword"])
def test_tab_reaches_the_skip_link_before_any_filter_link(browser, base_url, query) -> None:
    """At 1280 px the filter column precedes the results in the page: Tab reaches "Gå til
    resultater" first after the search form (after an answer card's links where there is one),
    never after a filter link, and from there the next Tab is in the first result."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    p = context.new_page()
    try:
        p.goto(f"{base_url}/?q={query}")
        assert p.locator("#facets a").count() >= 3  # the filter column is there
        card = p.locator("section.answer").count() > 0
        skip = p.get_by_role("link", name="Gå til resultater")
        assert not skip.is_visible() or skip.bounding_box()["width"] <= 1  # hidden until focus
        p.locator("#q").focus()
        seen = []
        for _ in range(12):
            p.keyboard.press("Tab")
            now = _focused(p)
            if now["text"] == "Gå til resultater":
                break
            seen.append(now)
        else:
            pytest.fail(f"Tab never reached the skip link: {seen}")
        # the first thing past the search form, before any filter link or result
        assert not any(s["inFacets"] or s["inCard"] for s in seen), seen
        if not card:
            assert all(s["inForm"] for s in seen), seen
        box = skip.bounding_box()
        assert skip.is_visible() and box["width"] > 50 and box["height"] > 20  # seen on focus
        p.keyboard.press("Enter")
        p.wait_for_url(re.compile(r"#results-heading$"))
        assert _focused(p)["id"] == "results-heading"
        p.keyboard.press("Tab")
        now = _focused(p)
        assert now["inCard"] and not now["inFacets"], now  # the next Tab is in the first result
    finally:
        context.close()


def test_typing_then_enter_leaves_one_history_entry(page, base_url: str) -> None:
    """Search as you type replaces the entry while typing; Enter commits the search: typing
    "brandv", then "brandvæsen" and Enter leaves one new entry, and Back returns to the start."""
    page.goto(base_url + "/")
    before = page.evaluate("history.length")
    box = page.get_by_label("Søgeord eller spørgsmål")
    box.press_sequentially("brandv", delay=30)
    page.wait_for_url(re.compile(r"q=brandv$"))  # the partial search is shown ...
    box.press_sequentially("æsen", delay=30)
    box.press("Enter")  # ... and committed before or after the last one is fetched
    page.wait_for_url(re.compile(r"q=brandv%C3%A6sen$"))
    page.locator("li.card", has_text="Brandvæsen").first.wait_for()
    page.wait_for_timeout(600)  # nothing more arrives
    assert page.evaluate("history.length") == before + 1
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    page.locator(".empty-state").wait_for()
    assert box.input_value() == ""
    # a second search, typed and committed, is one more entry: Back returns to the first
    box.press_sequentially("MitID", delay=30)
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=MitID$"))
    page.locator("li.card h3", has_text="Borgerservice").first.wait_for()
    box.fill("")
    box.press_sequentially("brandvæsen", delay=30)
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=brandv%C3%A6sen$"))
    page.locator("li.card", has_text="Brandvæsen").first.wait_for()
    page.wait_for_timeout(600)
    assert page.evaluate("history.length") == before + 2  # the forward entry was replaced
    page.go_back()
    page.wait_for_url(re.compile(r"q=MitID$"))
    page.locator("li.card h3", has_text="Borgerservice").first.wait_for()
    assert box.input_value() == "MitID"
    assert page.problems == []  # type: ignore[attr-defined]


def test_print_leaves_out_the_time_csv_feed_and_related_noise(page, base_url: str) -> None:
    """On paper: the query, the answer and the passages naming it; not how long the search
    took, no CSV or feed links, no related passages beside the exact ones."""
    page.goto(base_url + "/?q=Hvad+koster+brandv%C3%A6senet%3F&related=1")
    assert page.locator("ol.results-related li.card").count() > 0  # on screen: asked for
    assert "søgningen tog" in page.locator("#result-status").inner_text()
    page.emulate_media(media="print")
    assert "søgningen tog" not in page.locator("#result-status").inner_text()
    assert page.locator("section.answer").is_visible()
    assert page.locator("li.card[data-match=exact]").first.is_visible()
    for hidden in ("ol.results-related", "h3.related-heading", ".answer-csv", ".downloads",
                   ".skip-results"):  # fmt: skip
        for i in range(page.locator(hidden).count()):
            assert not page.locator(hidden).nth(i).is_visible(), hidden
    links = page.locator("a:visible").evaluate_all("els => els.map(e => e.href)")
    assert not [u for u in links if ".csv" in u or "feed" in u or "/api/" in u], links
    text = page.locator("main").inner_text()
    assert "Relateret" not in text and "CSV" not in text and "Følg søgningen" not in text
    # where there are only related passages, they are the results: printed
    page.goto(base_url + "/?q=pizza")
    assert page.locator("li.card").first.is_visible()
