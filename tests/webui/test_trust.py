"""Issue 30, trust at a glance: the answer card's CSV in the Excel dialect, a search's Atom
feed, what the pages say is searched and where a figure comes from, and the CLI run from
another folder."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from webui import create_app

THRESHOLD = "områder over 50 mio. kr."


@pytest.fixture(scope="module")
def app(engine):
    return create_app({"ENGINE": engine})


@pytest.fixture()
def client(app):
    return app.test_client()


def html(resp) -> str:
    return resp.get_data(as_text=True)


def link(page: str, text: str) -> str:
    """The href of the link whose text is `text`."""
    found = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(text) + "</a>", page)
    assert found, f"no link {text!r}"
    return unescape(found.group(1))


# -- the answer card's CSV -----------------------------------------------------------------


def test_the_answer_cards_csv_is_for_a_danish_excel(client) -> None:
    """'Hent tabellen som CSV' gives what the page's other Excel links give: a UTF-8 BOM,
    semicolons, Danish headers, decimal commas; the comma CSV for tools sits beside it."""
    page = html(client.get("/", query_string={"q": THRESHOLD}))
    excel = client.get(link(page, "Hent tabellen som CSV"))
    assert excel.status_code == 200 and excel.mimetype == "text/csv"
    body = excel.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Område", "Nettobudget (kr.)", "Andel af i alt"]
    assert len(rows) == 1 + 3 and "Økonomi" in rows[1][0]
    assert all(re.fullmatch(r"0,\d+", r[2]) for r in rows[1:])  # a share, written 0,4123
    assert 'filename="budget-search-svar-excel.csv"' in excel.headers["Content-Disposition"]
    plain = client.get(link(page, "CSV (komma)")).get_data(as_text=True)
    assert not plain.startswith("\ufeff") and plain.startswith("area,amount_kr,share")
    answer = client.get("/api/search", query_string={"q": THRESHOLD}).json["answer"]
    assert answer["excel_url"].endswith("format=excel") and "format" not in answer["csv_url"]


# -- following a search: its Atom feed ---------------------------------------------------


def read_feed(client, url: str, **base):
    """The feed as a feed reader reads it (feedparser), resolved against its own address."""
    import feedparser

    resp = client.get(url, **base)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(resp.get_data(), response_headers={
        "content-location": "https://reader.example" + url, "content-type": "application/atom+xml"})
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_a_search_page_links_its_feed(client) -> None:
    page = html(client.get("/", query_string={"q": "MitID", "year": "2024"}))
    alternate = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*'
                          r'href="([^"]+)">', page)  # fmt: skip
    assert alternate and unescape(alternate.group(1)) == "/feed.atom?q=MitID&year=2024"
    assert link(page, "Følg søgningen") == "/feed.atom?q=MitID&year=2024"
    assert "Følg søgningen" not in html(client.get("/"))  # nothing searched, nothing to follow


def test_the_feed_lists_the_passages_that_match_with_their_permalinks(client) -> None:
    feed = read_feed(client, "/feed.atom?q=MitID")
    assert feed.version == "atom10" and feed.feed.title == "Budgetsøgning: »MitID«"
    assert feed.feed.language == "da"
    assert any(lk.rel == "self" and lk.href.endswith("/feed.atom?q=MitID")
               for lk in feed.feed.links)  # fmt: skip
    exact = client.get("/api/search", query_string={"q": "MitID", "k": 100}).json
    ids = {r["id"] for r in exact["results"] if r["match"] == "exact"}
    assert ids and {e.id.rsplit(":", 1)[1] for e in feed.entries} == ids  # no related noise
    first = feed.entries[0]
    passage = client.get(f"/api/passages/{first.id.rsplit(':', 1)[1]}").json
    # the permalink helper's path, resolved against the feed's address
    assert first.link == "https://reader.example" + passage["permalink"]
    assert first.content[0].value == passage["text"]
    assert passage["area"] in first.title and "budget 2024" in first.title
    assert first.updated_parsed  # dated by when its document was indexed


def test_the_feed_keeps_the_searchs_filters_and_may_be_empty(client) -> None:
    assert read_feed(client, "/feed.atom?q=MitID&year=2019").entries == []
    feed = read_feed(client, "/feed.atom?q=MitID&area=Borgerservice")
    assert feed.entries and all("Borgerservice" in e.title for e in feed.entries)
    assert feed.feed.title == "Budgetsøgning: »MitID« (Område: Borgerservice)"
    assert read_feed(client, "/feed.atom?q=xyzzyqwerty&mode=keyword").entries == []


def test_feed_links_start_with_the_base_url_never_the_host(engine) -> None:
    app = create_app({"ENGINE": engine, "BASE_URL": "https://kommune.example/budget",
                      "WARM_UP": False})  # fmt: skip
    body = app.test_client().get("/feed.atom?q=MitID",
                                 headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in body
    assert 'href="https://kommune.example/budget/passage/' in body


def test_the_feed_puts_the_newest_documents_first(years_engine) -> None:
    """Two years of one committee: 2025's passages come before 2024's; within a year, the
    document indexed last comes first (the manifest's indexed_at)."""
    app = create_app({"ENGINE": years_engine, "WARM_UP": False})
    client = app.test_client()
    feed = read_feed(client, "/feed.atom?q=borgerservice")
    years = [int(e.tags[0].term) for e in feed.entries]
    assert 2025 in years and 2024 in years and years == sorted(years, reverse=True)
    dates = [e.updated for e in feed.entries]
    assert feed.feed.updated == max(dates)


def test_indexed_at_keeps_an_unchanged_documents_time(years_settings) -> None:
    from index.building import build, store

    manifest = store.read_manifest(store.current_generation(years_settings.index_dir))
    assert set(manifest.indexed_at) == set(manifest.documents)
    before = (manifest, None)
    later = build._indexed_at({**manifest.documents, "new/doc": "x"}, before, "2099")
    assert later["new/doc"] == "2099"
    assert all(later[d] == manifest.indexed_at[d] for d in manifest.documents)
    changed = build._indexed_at({d: "changed" for d in manifest.documents}, before, "2099")
    assert set(changed.values()) == {"2099"}
