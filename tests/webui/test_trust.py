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
    assert rows[0][:3] == ["Område", "Nettobudget (kr.)", "Andel af samlet nettobudget"]
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


# -- scope and sources ---------------------------------------------------------------------

SEED_SCOPE = "Kalundborg Kommune · Økonomiudvalget · budget 2024"


def test_the_home_page_and_areas_say_what_is_searched(client) -> None:
    assert f"Søger i: <strong>{SEED_SCOPE}</strong>" in html(client.get("/"))
    assert f"Viser: <strong>{SEED_SCOPE}</strong>" in html(client.get("/areas"))
    assert client.get("/api/areas").json["scope"] == SEED_SCOPE
    assert "Søger i:" not in html(client.get("/?q=MitID"))  # a search's answer says the rest


def test_the_scope_of_several_documents_is_counted(years_engine) -> None:
    from types import SimpleNamespace as Area

    from webui.data import scope_text

    client = create_app({"ENGINE": years_engine, "WARM_UP": False}).test_client()
    assert client.get("/api/areas").json["scope"] == \
        "Kalundborg Kommune, Økonomiudvalget, 2 dokumenter, 2024–2025"  # fmt: skip
    assert client.get("/api/areas?year=2025").json["scope"] == \
        "Kalundborg Kommune · Økonomiudvalget · budget 2025"  # fmt: skip
    areas = [Area(document=f"{m}/{y}/{c}", municipality=f"{m} Kommune", committee=c, year=y)
             for m in ("a", "b", "c") for y in (2023, 2025)
             for c in ("oekonomi", "teknik")]  # fmt: skip
    assert scope_text(areas) == "3 kommuner, 12 dokumenter, 2023–2025"
    assert scope_text([]) == ""


def test_a_total_says_what_it_covers(client) -> None:
    """Not a bare 'Samlet nettobudget 460.443.800 kr.': how many areas, of which budget."""
    areas = client.get("/api/areas").json
    known = sum(1 for a in areas["areas"] if a["amount_kr"] is not None)
    answer = client.get("/api/search", query_string={"q": "samlet budget"}).json["answer"]
    assert answer["kind"] == "total"
    covers = f"Summen af {known} områder med beløb · {SEED_SCOPE}"
    assert answer["covers"] == covers
    page = html(client.get("/", query_string={"q": "samlet budget"}))
    assert f'<p class="answer-meta answer-covers">{covers}</p>' in page
    group = client.get("/api/search", query_string={"q": THRESHOLD}).json["answer"]
    assert group["covers"] == f"Summen af 3 områder · {SEED_SCOPE}"
    one = client.get("/api/search", query_string={"q": "Hvad koster Borgerservice?"}).json
    assert one["answer"]["covers"] == SEED_SCOPE
    assert one["answer"]["sources"] == []  # the seed's sidecar names no address


def test_citations_give_a_page_or_else_lines() -> None:
    from webui.data import citation

    assert citation("K", 2024, "U", "A", "S", 6, (120, 130)) == "K, budget 2024, U, A, S, s. 6"
    assert citation("K", 2024, "U", "A", "S", None, (12, 15)).endswith("S, linje 12–15")
    assert citation("K", 2024, "U", "A", "", None, (7, 7)) == "K, budget 2024, U, A, linje 7"


SOURCE = "https://www.kalundborg.dk/media/budget-2024/bemaerkninger-oekonomi.pdf"


def test_a_sidecars_source_address_is_checked(tmp_path) -> None:
    from index.documents.document import DocumentError
    from index.documents.sidecar import read_meta

    doc = tmp_path / "k.txt"
    doc.write_text("x", encoding="utf-8")
    base = 'title = "T"\nmunicipality = "K"\ncommittee = "U"\nyear = 2024\n'

    def meta(line: str):
        (tmp_path / "k.toml").write_text(base + line, encoding="utf-8")
        return read_meta(doc, tmp_path)

    assert meta(f'source = "{SOURCE}"').source == SOURCE
    assert meta('source = "Kalundborg Kommune, Budget 2024, bemærkninger"').source == ""
    assert meta("").source == ""
    for bad in ("javascript:alert(1)", "ftp://kalundborg.dk/b.pdf", "https://", "https://a b.dk",
                "https://user@evil.example/", "file:///etc/passwd"):  # fmt: skip
        with pytest.raises(DocumentError, match="source is the http"):
            meta(f'source = "{bad}"')


def test_a_documents_fingerprint_without_a_source_is_unchanged() -> None:
    import dataclasses
    import hashlib
    import json

    from index.building.nochange import fingerprint
    from index.documents.document import DocumentMeta
    from index.documents.parse import PARSER_VERSION

    meta = DocumentMeta(id="k/2024/u", path="k/2024/u.txt", title="T", municipality="K",
                        committee="U", year=2024)  # fmt: skip
    before = {k: v for k, v in dataclasses.asdict(meta).items() if k != "source"}
    blob = json.dumps(["sha", before, PARSER_VERSION], sort_keys=True, ensure_ascii=False)
    assert fingerprint("sha", meta) == hashlib.sha256(blob.encode()).hexdigest()
    assert fingerprint("sha", dataclasses.replace(meta, source=SOURCE)) != fingerprint("sha", meta)


def test_the_source_is_linked_as_kilde_on_area_pages_and_answer_cards(workspace, encoder) -> None:
    from index.building.build import build_index
    from search.engine import Engine

    sidecar = workspace.corpus_dir / "kalundborg" / "2024" / "oekonomiudvalget.toml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8") + f'source = "{SOURCE}"\n',
                       encoding="utf-8")  # fmt: skip
    build_index(workspace, encoder_factory=lambda: encoder, progress=False, log=lambda m: None)
    engine = Engine(workspace.index_dir, lambda: encoder)
    client = create_app({"ENGINE": engine, "WARM_UP": False}).test_client()
    label = SOURCE.split("://", 1)[1]
    kilde = f'Kilde: <a href="{SOURCE}" rel="noopener" class="source-link">{label}</a>'
    area = client.get("/area/kalundborg/2024/oekonomiudvalget/borgerservice")
    assert kilde in html(area)
    assert client.get("/api/areas/kalundborg/2024/oekonomiudvalget/borgerservice"
                      ).json["source_url"] == SOURCE  # fmt: skip
    page = html(client.get("/", query_string={"q": "Hvad koster Borgerservice?"}))
    assert re.search(r'<section class="answer".*' + re.escape(kilde) + ".*</section>", page, re.S)
    answer = client.get("/api/search", query_string={"q": "samlet budget"}).json["answer"]
    assert answer["sources"] == [{"document": "kalundborg/2024/oekonomiudvalget", "url": SOURCE,
                                  "label": label}]  # fmt: skip


# -- in Chromium, at phone widths and in print ---------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 320])
def test_scope_covers_and_follow_link_in_chromium(base_url: str, width: int) -> None:
    from chromium import CHROMIUM, CHROMIUM_ARGS, assert_accessible, no_horizontal_scroll

    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)  # fmt: skip
        page = browser.new_page(viewport={"width": width, "height": 844}, locale="da-DK")
        page.goto(base_url + "/")
        assert page.locator("p.scope").inner_text() == f"Søger i: {SEED_SCOPE}"
        assert page.locator("p.scope").is_visible()
        no_horizontal_scroll(page)
        page.goto(base_url + "/?q=samlet+budget")
        covers = page.locator(".answer-covers")
        assert covers.is_visible() and covers.inner_text().startswith("Summen af ")
        follow = page.get_by_role("link", name="Følg søgningen")
        assert follow.get_attribute("href") == "/feed.atom?q=samlet+budget"
        no_horizontal_scroll(page)
        assert_accessible(page, f"answer card with its scope at {width} px")
        page.goto(base_url + "/areas")
        page.emulate_media(media="print")
        assert page.locator("p.scope").is_visible()  # the printed list says what it covers
        assert page.locator("p.scope").inner_text() == f"Viser: {SEED_SCOPE}"
        assert not page.locator(".follow").count()
        page.emulate_media(media="screen")
        assert_accessible(page, f"areas with their scope at {width} px")
        browser.close()
