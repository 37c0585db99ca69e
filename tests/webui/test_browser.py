"""The web UI in headless Chromium (Debian's, never a downloaded one) through Playwright.

axe-core (node_modules/axe-core/axe.min.js, from `npm install`) is injected into each page
and must report 0 violations. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chromium import (
    assert_accessible,
    no_horizontal_scroll,
    screenshot,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DOC = "kalundborg/2024/oekonomiudvalget"
PHONES = [(390, 844), (320, 640)]
PHONE_PAGES = [
    ("home", "/"),
    ("search", "/?q=MitID"),
    ("search-filtered", "/?q=budget&area=Jobcenter"),
    ("answer-table", "/?q=omr%C3%A5der+over+50+mio.+kr."),
    ("overview", "/areas"),
    ("area", f"/area/{DOC}/borgerservice"),
]


def test_type_mitid_see_borgerservice_first_and_open_its_area(page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_label("Søgeord eller spørgsmål")
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus
    box.press_sequentially("MitID", delay=30)  # search as you type: no submit
    first = page.locator("li.card").first
    first.locator("h3", has_text="Borgerservice").wait_for()
    assert "81.205.800 kr." in first.inner_text()
    assert "q=MitID" in page.url  # the URL follows the query
    assert box.input_value() == "MitID"
    screenshot(page, "search-mitid")
    first.get_by_role("link", name=re.compile("Læs i sammenhæng")).click()
    page.wait_for_url(re.compile(rf"/area/{DOC}/borgerservice#p-[0-9a-f]+$"))
    assert page.locator("h1").inner_text() == "Borgerservice"
    assert "81.205.800 kr." in page.locator(".area-amount").inner_text()
    anchor = page.url.split("#", 1)[1]
    assert page.locator(f"#{anchor}").is_visible()
    screenshot(page, "area-borgerservice")
    assert page.problems == []  # type: ignore[attr-defined]


def test_works_without_javascript(browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    p = context.new_page()
    try:
        p.goto(base_url + "/")
        p.get_by_label("Søgeord eller spørgsmål").fill("MitID")
        p.get_by_role("button", name="Søg").click()
        p.wait_for_url(re.compile(r"q=MitID"))
        assert "Borgerservice" in p.locator("li.card").first.inner_text()
        p.get_by_role("radio", name="Nøgleord").check()
        p.get_by_role("button", name="Søg").click()
        p.wait_for_url(re.compile(r"mode=keyword"))
        facet = p.locator("#facets a", has_text="Borgerservice")
        facet.click()
        p.wait_for_url(re.compile(r"area=Borgerservice"))
        cards = p.locator("li.card h3").all_inner_texts()
        assert cards and set(cards) == {"Borgerservice"}
    finally:
        context.close()


def test_script_in_query_shows_as_text(page, base_url: str) -> None:
    q = "<script>alert(1)</script>"
    page.goto(base_url + "/?q=" + q.replace("<", "%3C").replace(">", "%3E"))
    assert page.get_by_label("Søgeord eller spørgsmål").input_value() == q
    assert q in page.locator("#results-heading").inner_text()
    assert page.evaluate("document.querySelectorAll('main script').length") == 0
    assert page.problems == []  # type: ignore[attr-defined]


def test_copy_citation_button(page, base_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"{base_url}/area/{DOC}/borgerservice")
    button = page.get_by_role("button", name="Kopiér kildehenvisning").first
    assert button.is_visible()  # JavaScript unhides it
    button.click()
    page.get_by_role("button", name="Kopieret").first.wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (
        "Kalundborg Kommune, budget 2024, Økonomiudvalget, Borgerservice. "
        f"{base_url}/area/{DOC}/borgerservice"
    )


def test_copy_without_the_clipboard_api_selects_and_says_ctrl_c(page, base_url: str) -> None:
    """Plain HTTP on a LAN (HOST=0.0.0.0) has no Clipboard API: never a silent button."""
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.goto(f"{base_url}/?q=MitID&mode=keyword")
    card = page.locator("li.card").first
    card.get_by_role("button", name=re.compile("Kopiér henvisning")).click()
    card.get_by_role("status").filter(has_text="Ctrl+C").wait_for()
    selected = page.evaluate("window.getSelection().toString()")
    assert selected.startswith("Kalundborg Kommune, budget 2024, Økonomiudvalget, Borgerservice")
    assert re.search(rf"{re.escape(base_url)}/passage/[0-9a-f]+$", selected.strip())
    assert card.locator(".card-cite").is_visible()  # the selected text is on screen


@pytest.mark.parametrize(
    "name, path",
    [
        ("search", "/"),
        ("results", "/?q=MitID"),
        ("answer", "/?q=Hvad+koster+brandv%C3%A6senet%3F"),
        ("filtered", "/?q=budget&mode=keyword&area=Jobcenter"),
        ("no-hits", "/?q=xyzzyqwerty&mode=keyword"),
        ("area", f"/area/{DOC}/borgerservice"),
        ("overview", "/areas?sort=amount"),
        ("not-found", "/area/nope/nope"),
    ],
)
def test_axe_finds_no_violations(page, base_url: str, name: str, path: str) -> None:
    page.goto(base_url + path)
    page.wait_for_load_state("load")
    assert_accessible(page, path)
    screenshot(page, f"page-{name}")
    assert [m for m in page.problems if "Content Security Policy" in m] == []  # type: ignore[attr-defined]


def test_axe_after_search_as_you_type_and_on_a_tablet(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    p = context.new_page()
    try:
        p.goto(base_url + "/")
        p.get_by_label("Søgeord eller spørgsmål").press_sequentially("IT budget", delay=20)
        p.locator("section.answer", has_text="Digitalisering og IT").wait_for()
        assert_accessible(p, "results swapped in by JavaScript, tablet viewport")
        screenshot(p, "tablet-it-budget")
    finally:
        context.close()


def test_answer_table_and_related_heading(page, base_url: str) -> None:
    page.goto(base_url + "/?q=" + "omr%C3%A5der+over+50+mio.+kr.")
    table = page.locator("table.answer-table")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 3 and "Økonomi" in rows.first.inner_text()
    widths = [float(w) for w in table.locator("rect.bar").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)")]  # fmt: skip
    assert len(widths) == 3 and widths[0] > widths[1] > widths[2] > 0  # drawn to scale
    assert page.get_by_role("link", name="Hent tabellen som CSV").is_visible()
    assert_accessible(page, "answer table")
    screenshot(page, "answer-table")
    page.goto(base_url + "/?q=havnebad")
    heading = page.locator(".related-heading")
    assert "Ingen afsnit nævner »havnebad«" in heading.inner_text()
    labels = page.locator("li.card .match")
    assert labels.count() >= 1 and all(t == "Relateret" for t in labels.all_inner_texts())
    assert_accessible(page, "related results")
    screenshot(page, "related-heading")


@pytest.mark.parametrize("width, height", PHONES)
def test_phones_no_sideways_scroll_and_no_axe_violations(browser, base_url, width, height) -> None:
    viewport = {"width": width, "height": height}
    context = browser.new_context(
        viewport=viewport, has_touch=True, is_mobile=True, device_scale_factor=2, locale="da-DK"
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for name, path in PHONE_PAGES:
            p.goto(base_url + path)
            p.wait_for_load_state("load")
            no_horizontal_scroll(p)
            assert_accessible(p, f"{path} at {width}x{height}")
            screenshot(p, f"phone-{width}-{name}")
            if name == "search-filtered":
                # the compact filter control comes before the first card, closed
                summary = p.locator("details.facets-details > summary")
                assert summary.is_visible()
                assert summary.bounding_box()["y"] < p.locator("li.card").first.bounding_box()["y"]
                assert not p.locator("details.facets-details").evaluate("d => d.open")
                assert "1 valgt" in summary.inner_text()
                summary.click()
                p.locator("#facets a.selected", has_text="Jobcenter").first.wait_for()
                no_horizontal_scroll(p)
            # amounts never wrap: "kr." stays on the line of its number
            for amount in p.locator(".kr:visible").all()[:20]:
                assert amount.evaluate("e => e.getClientRects().length") == 1
            if name == "overview":
                bars = p.locator(".bar-label").all_inner_texts()
                assert bars[0] == "Børn og Familie" or len(bars) == 17
                label_px = p.locator(".bar-label").first.evaluate(
                    "e => parseFloat(getComputedStyle(e).fontSize)"
                )
                assert label_px >= 14  # readable, not a shrunken SVG
                amount = p.locator("table.areas tbody td.num").first
                assert amount.evaluate("e => e.getBoundingClientRect().right") <= width
        assert errors == []
    finally:
        context.close()


def test_wide_screen_keeps_the_filter_column_open(page, base_url: str) -> None:
    page.goto(base_url + "/?q=budget&mode=keyword")
    facet = page.locator("#facets a", has_text="Jobcenter").first
    assert facet.is_visible()
    results = page.locator(".results-col").bounding_box()
    assert page.locator("#facets").bounding_box()["x"] > results["x"] + results["width"] - 1


def test_back_after_two_searches_returns_to_the_first(page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_label("Søgeord eller spørgsmål")
    box.press_sequentially("MitID", delay=30)
    page.locator("li.card h3", has_text="Borgerservice").first.wait_for()
    page.wait_for_url(re.compile(r"q=MitID"))
    page.wait_for_timeout(1500)  # the search settles: the next one is a new history entry
    box.fill("")
    box.press_sequentially("brandvæsen", delay=30)
    page.wait_for_url(re.compile(r"q=brandv%C3%A6sen"))
    page.locator("li.card", has_text="Brandvæsen").first.wait_for()
    page.go_back()
    page.wait_for_url(re.compile(r"q=MitID$"))
    page.locator("#result-status").filter(has_text="afsnit").wait_for()
    page.locator("li.card h3", has_text="Borgerservice").first.wait_for()
    assert box.input_value() == "MitID"
    assert "<mark>MitID</mark>" in page.locator("li.card").first.inner_html()
    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    page.locator(".empty-state").wait_for()
    assert page.problems == []  # type: ignore[attr-defined]


def test_slash_focuses_the_field_and_escape_clears_it(page, base_url: str) -> None:
    page.goto(base_url + "/?q=MitID")
    page.locator("h1").click()
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    box = page.get_by_label("Søgeord eller spørgsmål")
    assert box.input_value() == "MitID"  # the slash was not typed into it
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    page.locator(".empty-state").wait_for()


def test_passage_permalink_on_a_phone_shows_area_and_amount(browser, base_url, engine) -> None:
    passage = engine.area_passages(DOC, "Borgerservice")[-1]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    p = context.new_page()
    try:
        p.goto(f"{base_url}/passage/{passage.id}")
        p.wait_for_url(re.compile(rf"#p-{passage.id}$"))
        context_line = p.locator(f"#p-{passage.id} .passage-context")
        assert context_line.is_visible() and context_line.is_visible()
        assert "Borgerservice" in context_line.inner_text()
        assert "81.205.800 kr." in context_line.inner_text()
        box = context_line.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 844  # on screen
        screenshot(p, "phone-390-passage")
    finally:
        context.close()


def test_print_shows_query_date_and_permalinks_and_hides_controls(page, base_url: str) -> None:
    page.goto(base_url + "/?q=MitID&mode=keyword")
    page.emulate_media(media="print")
    meta = page.locator(".print-meta")
    assert meta.is_visible() and "»MitID«" in meta.inner_text()
    assert re.search(r"\d{1,2}\. \w+ \d{4}", meta.inner_text())  # the date
    assert f"{base_url}/?q=MitID&mode=keyword" in meta.inner_text()
    cite = page.locator("li.card .card-cite").first
    assert cite.is_visible() and f"{base_url}/passage/" in cite.inner_text()
    for hidden in ("#search-form", "#facets", ".site-header", "button.copy", ".downloads"):
        assert not page.locator(hidden).first.is_visible(), hidden
    card = page.locator("li.card").first.bounding_box()
    assert card["width"] > 0.9 * page.evaluate("document.querySelector('main').clientWidth")
    screenshot(page, "print-mitid")
