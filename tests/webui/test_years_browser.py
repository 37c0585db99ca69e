"""The area page's years table in headless Chromium: on the seed plus the hand-written 2025,
read, followed year to year, drawn to scale, under the CSP, on a phone, and checked by axe."""

from __future__ import annotations

import pytest

from chromium import (
    assert_accessible,
    no_horizontal_scroll,
    screenshot,
)

pytestmark = pytest.mark.browser

D24 = "kalundborg/2024/oekonomiudvalget"
D25 = "kalundborg/2025/oekonomiudvalget"


@pytest.fixture(scope="module")
def app(years_engine):
    """The app on the seed and its 2025 (conftest's `base_url` serves it)."""
    from webui import create_app

    return create_app({"ENGINE": years_engine})


def test_years_table_reads_links_and_draws_to_scale(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base_url}/area/{D25}/it-digitalisering-og-cybersikkerhed")
    table = page.get_by_role("table", name="IT, Digitalisering og Cybersikkerhed: nettobudget år for år, med ændringen fra året før")  # noqa: E501
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    first, last = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "2024" in first and "Digitalisering og IT" in first and "44.166.100 kr." in first
    assert "47.920.000 kr." in last and "+3.753.900 kr." in last and "+8,5 %" in last
    # bars to scale: the larger year fills the track, the other in proportion
    widths = [r.locator("rect").bounding_box()["width"] for r in rows.all()]
    assert widths[1] > 0 and abs(widths[0] / widths[1] - 44_166_100 / 47_920_000) < 0.02
    assert_accessible(page, "the years table")
    screenshot(page, "area-years")
    # each year links to that year's page, whose table marks its own year
    rows.nth(0).get_by_role("link", name="2024").click()
    page.wait_for_url(f"{base_url}/area/{D24}/digitalisering-og-it")
    assert page.locator("h1").inner_text() == "Digitalisering og IT"
    current = page.locator(".years-table a[aria-current='page']")
    assert current.inner_text() == "2024"
    assert problems == []
    context.close()


def test_years_table_fits_a_phone(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, locale="da-DK")
    page = context.new_page()
    page.goto(f"{base_url}/area/{D25}/jobcenter")
    page.locator(".years-table").wait_for()
    no_horizontal_scroll(page)
    assert_accessible(page, "the years table at 320 px")
    page.goto(base_url + "/?q=Hvor+meget+er+Jobcenter+steget+siden+2023%3F")
    assert "+3.222.600 kr." in page.locator("section.answer").inner_text()
    no_horizontal_scroll(page)
    assert_accessible(page, "a change answer at 320 px")
    context.close()
