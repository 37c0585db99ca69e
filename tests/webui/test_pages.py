"""The web UI's HTML pages through Flask's test client, on the session's seed index (the JSON
API and CSV: test_api.py)."""

from __future__ import annotations

import csv
import io
import re
import time
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from webui import CSP, create_app
from webui.formatting import kr, slug

DOC = "kalundborg/2024/oekonomiudvalget"
BORGERSERVICE = f"/area/{DOC}/borgerservice"
HTML_PAGES = ["/", "/?q=MitID", "/?q=MitID&mode=keyword", f"{BORGERSERVICE}", "/areas",
              "/areas?sort=amount", "/?q=xyzzyqwerty&mode=keyword", "/nope",
              "/?q=omr%C3%A5der+over+50+mio.+kr."]  # fmt: skip


def html(resp) -> str:
    return resp.get_data(as_text=True)


def cards(page: str) -> list[str]:
    return re.findall(r'<li class="card"[^>]*>(.*?)</li>', page, re.S)


# -- formatting ---------------------------------------------------------------------------


def test_amounts_are_danish() -> None:
    assert kr(81205800) == "81.205.800 kr."
    assert kr(0) == "0 kr."
    assert kr(-1234567) == "-1.234.567 kr."
    assert kr(None) == "ikke oplyst"


def test_slugs() -> None:
    assert slug("Vestsjællands Brandvæsen") == "vestsjaellands-brandvaesen"
    assert slug("Digitalisering og IT") == "digitalisering-og-it"
    assert slug("Børn og Familie") == "boern-og-familie"
    assert slug("???") == "omraade"


# -- search page ---------------------------------------------------------------------------


def test_empty_search_page_helps_the_user_on(client) -> None:
    page = html(client.get("/"))
    assert '<html lang="da">' in page
    assert re.search(r'<label for="q"[^>]*>', page) and 'id="q"' in page
    assert "autofocus" in page
    assert 'role="search"' in page and "<main" in page
    assert "Hvad koster brandvæsenet?" in page  # example queries
    assert 'href="/areas"' in page


def test_mitid_finds_borgerservice_first_with_its_amount(client) -> None:
    page = html(client.get("/?q=MitID"))
    assert 'value="MitID"' in page  # the query stays in the box
    first = cards(page)[0]
    assert ">Borgerservice</a>" in first
    assert "81.205.800 kr." in first
    assert "<mark>MitID</mark>" in first
    link = re.search(r'href="(/area/[^"#]+#p-[0-9a-f]+)"', first)
    assert link and link.group(1).startswith(BORGERSERVICE + "#p-")
    assert re.search(r"\d+ afsnit med søgeordene", page) and " ms" in page  # hits and time
    assert 'data-match="exact"' in page and "Indeholder søgeordene" in first


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_mode_switch(client, mode: str) -> None:
    page = html(client.get(f"/?q=MitID&mode={mode}"))
    assert re.search(rf'value="{mode}" checked', page)
    assert ">Borgerservice</a>" in cards(page)[0]


@pytest.mark.parametrize(
    "query, area, amount",
    [
        ("Hvad koster brandvæsenet?", "Vestsjællands Brandvæsen", "13.725.000 kr."),
        ("budget Borgerservice", "Borgerservice", "81.205.800 kr."),
        ("IT budget", "Digitalisering og IT", None),
    ],
)
def test_answer_card(client, query: str, area: str, amount: str | None) -> None:
    page = html(client.get("/", query_string={"q": query}))
    answer = re.search(r'<section class="answer".*?</section>', page, re.S)
    assert answer, "no answer card"
    assert f">{area}</a>" in answer.group(0)
    assert re.search(r"\d{1,3}(\.\d{3})+ kr\.", answer.group(0))
    if amount:
        assert amount in answer.group(0)
    assert page.index('class="answer"') < page.index('class="card"')  # above the passages


def test_no_answer_card_for_a_topic_query(client) -> None:
    assert 'class="answer"' not in html(client.get("/?q=hjemløshed&mode=keyword"))


def test_facets_filter_on_click_and_toggle_off(client) -> None:
    data = client.get("/api/search?q=MitID&mode=keyword").json
    assert {"area", "section"} <= set(data["facets"])
    area = next(f for f in data["facets"]["area"] if f["value"] == "Borgerservice")
    assert area["count"] >= 1 and not area["selected"]
    page = html(client.get(area["toggle_url"]))
    assert all(">Borgerservice</a>" in c for c in cards(page))
    assert 'class="selected" aria-current="true"' in page
    assert 'name="area" value="Borgerservice"' in page  # a new query keeps the filter
    filtered = client.get("/api/search" + area["toggle_url"][1:]).json
    chosen = next(f for f in filtered["facets"]["area"] if f["selected"])
    assert "area=" not in chosen["toggle_url"]  # clicking again removes it
    assert {r["area"] for r in filtered["results"]} == {"Borgerservice"}


def test_did_you_mean(client) -> None:
    page = html(client.get("/?q=borgersevice&mode=keyword"))
    assert re.search(r'Mente du <a href="/\?q=borgerservice[^"]*">borgerservice</a>', page)


def test_no_hits_state_helps(client) -> None:
    page = html(client.get("/?q=xyzzyqwerty&mode=keyword"))
    assert "Ingen resultater" in page
    assert "mode=semantic" in page  # suggests semantic search
    assert 'href="/areas"' in page


def test_query_is_escaped(client) -> None:
    q = "<script>alert(1)</script>"
    page = html(client.get("/", query_string={"q": q}))
    assert q not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_paging_in_the_page_and_the_api(client) -> None:
    whole = client.get("/api/search?q=budget&mode=keyword&k=20").json
    assert whole["total"] > 20
    second = client.get("/api/search?q=budget&mode=keyword&k=10&offset=10").json
    assert second["offset"] == 10 and second["total"] == whole["total"]
    assert [r["id"] for r in second["results"]] == [r["id"] for r in whole["results"][10:20]]
    page = html(client.get("/?q=budget&mode=keyword&page=2"))
    assert "viser 11–20" in page and '<ol class="results" start="11">' in page
    ids = re.findall(r'id="cite-([0-9a-f]+)"', page)
    assert ids == [r["id"] for r in second["results"]]
    assert re.search(r'<a href="/\?q=budget&amp;mode=keyword" rel="prev">', page)  # page 1
    assert 'rel="next"' in page and "page=3" in page
    assert "page=" not in re.search(r'<input type="radio" name="mode" value="semantic"', page)[0]
    # a new filter or mode starts again on page 1
    assert "page=2" not in "".join(re.findall(r'href="([^"]*mode=semantic[^"]*)"', page))


@pytest.mark.parametrize("query", ["q=x&k=101", "q=x&offset=-1", "q=x&offset=lots", "q=x&page=0"])
def test_paging_limits(client, query: str) -> None:
    resp = client.get("/api/search?" + query)
    assert resp.status_code == 400 and resp.json["error"]["message"]


def test_too_long_query_on_the_page_is_a_friendly_400(client) -> None:
    resp = client.get("/?q=" + "a" * 2001)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "for lang" in html(resp)


# -- area and overview ---------------------------------------------------------------------


def test_area_page_has_whole_remarks_in_order(client, engine) -> None:
    page = html(client.get(BORGERSERVICE))
    assert "<h1>Borgerservice</h1>" in page and "81.205.800 kr." in page
    passages = engine.area_passages(DOC, "Borgerservice")
    positions = [page.index(f'id="p-{p.id}"') for p in passages]
    assert positions == sorted(positions)
    sections = list(dict.fromkeys(p.section for p in passages))
    heads = re.findall(r'<h2 id="s-[^"]+-h">(.*?)</h2>', page)
    assert heads == sections
    assert "Kalundborg Kommune, budget 2024, Økonomiudvalget, Borgerservice" in page
    assert re.search(r'<button type="button" class="copy" data-copy="cite-area" hidden>', page)


@pytest.mark.parametrize("url", [f"/area/{DOC}/nope", "/area/nope/borgerservice",
                                 "/area/../../etc/passwd/x", "/passage/nope"])  # fmt: skip
def test_unknown_area_is_a_danish_404_page(client, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert "findes ikke" in html(resp) and "Traceback" not in html(resp)


def test_passage_link_redirects_to_its_anchor(client, engine) -> None:
    pid = engine.area_passages(DOC, "Borgerservice")[0].id
    resp = client.get(f"/passage/{pid}")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"{BORGERSERVICE}#p-{pid}")


def test_every_area_page_renders(client, engine) -> None:
    for a in client.get("/api/areas").json["areas"]:
        resp = client.get(a["url"])
        assert resp.status_code == 200, a["url"]
        assert unescape(kr(a["amount_kr"])) in unescape(html(resp))


def test_overview_lists_every_area_with_total(client, engine) -> None:
    page = html(client.get("/areas"))
    areas = engine.areas()
    assert len(areas) == 17
    total = sum(a.amount_kr for a in areas if a.amount_kr is not None)
    assert kr(total) in page
    for a in areas:
        assert f">{a.area}</a>" in unescape(page)
    assert page.count("<rect ") == 17
    # the chart ranks: largest first, each with its share of the total
    chart = page[page.index('<figure class="chart"') :]
    labels = [unescape(x) for x in re.findall(r'class="bar-label">(.*?)</a>', chart)]
    by_amount = sorted(areas, key=lambda a: a.amount_kr or 0, reverse=True)
    assert labels == [a.area for a in by_amount]
    widths = [float(w) for w in re.findall(r'<rect x="0" y="0" width="([\d.]+)"', chart)]
    assert widths[0] == 100 and widths == sorted(widths, reverse=True)
    assert "17,6\u00a0%" in chart  # Borgerservice: 81.205.800 of 460.443.800
    assert "Søjlediagram" not in page
    asc = html(client.get("/areas?sort=amount&order=asc"))
    first = re.search(r'class="bar-label">(.*?)</a>', asc[asc.index('<figure class="chart"') :])
    assert unescape(first.group(1)) == by_amount[-1].area


def test_overview_sorts(client) -> None:
    data = client.get("/api/areas?sort=amount").json
    amounts = [a["amount_kr"] for a in data["areas"]]
    assert amounts == sorted(amounts, reverse=True) and data["order"] == "desc"
    asc = client.get("/api/areas?sort=area&order=asc").json["areas"]
    assert [a["area"] for a in asc][-1].startswith("Ø")  # Danish order: æ, ø, å after z
    page = html(client.get("/areas?sort=amount&order=desc"))
    assert 'aria-sort="descending"' in page
    rows = re.findall(r'<th scope="row"><a href="[^"]+">(.*?)</a>', page)
    assert unescape(rows[0]) == data["areas"][0]["area"]
    assert client.get("/areas?sort=bogus").status_code == 400


def test_permalink_anchor_repeats_the_area_and_its_amount(client, engine) -> None:
    p = engine.area_passages(DOC, "Borgerservice")[-1]
    page = html(client.get(BORGERSERVICE))
    block = re.search(rf'<div class="passage-block" id="p-{p.id}">(.*?)</div>', page, re.S)
    assert block, "no anchor for the passage"
    context = re.search(r'<p class="passage-context">(.*?)</p>', block.group(1), re.S).group(1)
    assert "Borgerservice" in context and "81.205.800 kr." in context
    assert f"linje {p.line_start}–{p.line_end}" in block.group(1)


def test_one_word_per_thing(client, engine) -> None:
    """område = area, overskrift = section, afsnit = passage: never afsnit for a section."""
    page = html(client.get(BORGERSERVICE))
    passages = engine.area_passages(DOC, "Borgerservice")
    sections = len({p.section for p in passages})
    assert f"{len(passages)} afsnit under {sections} overskrifter" in page
    assert 'aria-label="Overskrifter i Borgerservice"' in page
    search = html(client.get("/?q=budget&mode=keyword"))
    assert re.search(r'<h3 id="facet-section">Overskrift</h3>', search)
    assert "Afsnit om »budget«" in search
    assert client.get("/api/search?q=budget&mode=keyword").json["facets"]["section"]


def test_search_modes_are_explained(client) -> None:
    page = html(client.get("/"))
    for mode in ("hybrid", "keyword", "semantic"):
        assert re.search(rf'aria-describedby="mode-help-{mode}"', page)
        assert re.search(rf'<dd id="mode-help-{mode}">[^<]{{20,}}</dd>', page)


def test_acronyms_are_explained_from_the_glossary(client) -> None:
    page = html(client.get("/?q=DUT&mode=keyword"))
    glossary = re.search(r'<div class="glossary">.*?</dl>', page, re.S).group(0)
    assert "<dt><abbr" in glossary and "Det Udvidede Totalbalanceprincip" in glossary
    first = cards(page)[0]
    assert '<mark><abbr title="Det Udvidede Totalbalanceprincip">DUT</abbr></mark>' in first
    assert 'class="glossary"' not in html(client.get("/?q=hjemløshed&mode=keyword"))


def test_pdf_beside_the_document_is_served_and_cited_by_page(engine, tmp_path) -> None:
    import dataclasses

    from pdf_render import render_pdf
    from webui import data

    target = tmp_path / f"{DOC}.pdf"
    target.parent.mkdir(parents=True)
    render_pdf((Path(__file__).parents[2] / "corpus" / f"{DOC}.txt").read_text()[:3000], target)
    app = create_app({"ENGINE": engine, "CORPUS_DIR": str(tmp_path)})
    client = app.test_client()
    page = html(client.get(BORGERSERVICE))
    assert f'href="/document/{DOC}.pdf"' in page
    resp = client.get(f"/document/{DOC}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    for bad in ("/document/nope.pdf", "/document/kalundborg/2024/oekonomiudvalget.txt.pdf",
                "/document/..%2F..%2Fetc%2Fpasswd.pdf"):  # fmt: skip
        assert client.get(bad).status_code == 404
    with app.test_request_context("/"):
        p = dataclasses.replace(engine.area_passages(DOC, "Borgerservice")[0], page=4)
        cited = data.passage_json(p)
    assert cited["citation"].endswith("Borgerservice, Budgetgrundlag, s. 4")
    assert cited["pdf_url"] == f"/document/{DOC}.pdf#page=4"
    # without a PDF beside the text: no link
    assert "/document/" not in html(create_app({"ENGINE": engine}).test_client().get(BORGERSERVICE))


def test_pdf_route_sends_no_file_outside_the_corpus(engine, tmp_path) -> None:
    """A PDF beside an indexed document that is a link out of the corpus (to the password file,
    to a file beside the corpus, through a linked folder) is refused as `index` refuses it:
    404 and no link on the page. A link that stays inside the corpus is followed, as by `index`."""
    import os

    from pdf_render import render_pdf

    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    pdf = corpus / f"{DOC}.pdf"
    pdf.parent.mkdir(parents=True)
    (outside / "2024").mkdir(parents=True)
    secret = outside / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 not for the public")
    (outside / "2024" / "oekonomiudvalget.pdf").write_bytes(secret.read_bytes())
    client = create_app({"ENGINE": engine, "CORPUS_DIR": str(corpus)}).test_client()
    url = f"/document/{DOC}.pdf"

    def refused() -> None:
        resp = client.get(url)
        assert resp.status_code == 404 and b"not for the public" not in resp.data
        assert b"root:" not in resp.data
        assert "/document/" not in html(client.get(BORGERSERVICE))

    for target in ("/etc/passwd", secret, os.path.relpath(secret, pdf.parent)):
        pdf.symlink_to(target)
        refused()
        pdf.unlink()
    os.mkfifo(pdf)  # not a regular file: never opened (a pipe would hang the thread)
    refused()
    pdf.unlink()
    year = corpus / "kalundborg" / "2024"
    year.rmdir()
    year.symlink_to(outside / "2024", target_is_directory=True)  # the folder leads out
    refused()
    year.unlink()
    year.mkdir()
    inside = corpus / "pdfs" / "budget.pdf"  # a link that stays inside the corpus is followed
    inside.parent.mkdir()
    render_pdf("Borgerservice\n\nNettobudget 1.000 kr.", inside)
    pdf.symlink_to(os.path.relpath(inside, pdf.parent))
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == inside.read_bytes()
    assert resp.headers["Content-Disposition"] == "inline; filename=oekonomiudvalget.pdf"


def test_serve_takes_pdfs_from_the_corpus_the_index_was_built_from(
    seed_settings, seed_path, monkeypatch, tmp_path
) -> None:
    """`index --corpus X` run in one folder, `serve` started in another (which has a ./corpus of
    its own with a same-named PDF): the index records X (absolute) and `serve` sends X's PDF. A
    no-change `index` of the same documents in another folder records that folder."""
    import shutil
    import socket

    import webui
    import webui.server
    from index.building import store
    from pdf_render import render_pdf
    from traffic import add_seed_document
    from webui.cli import cli

    assert store.read_manifest(store.current_generation(seed_settings.index_dir)).corpus_dir == str(
        Path(__file__).resolve().parents[2] / "corpus"
    )  # a full build records its corpus
    work, elsewhere, index_dir = tmp_path / "work", tmp_path / "elsewhere", tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index_dir, symlinks=True)  # its vectors are reused
    add_seed_document(work / "plain", seed_path, 2024, edit=False)
    folder = add_seed_document(work / "budgets", seed_path, 2024, edit=False)
    wanted = render_pdf("Borgerservice\n\nNettobudget 1.000 kr.", folder / "oekonomiudvalget.pdf")
    decoy = add_seed_document(elsewhere / "corpus", seed_path, 2024, edit=False)
    (decoy / "oekonomiudvalget.pdf").write_bytes(b"%PDF-1.4 the wrong corpus")
    monkeypatch.setenv("BUDGET_SEARCH_HOME", str(seed_settings.data_dir))
    monkeypatch.setenv("BUDGET_SEARCH_MODEL", seed_settings.model)
    monkeypatch.delenv("BUDGET_SEARCH_CORPUS", raising=False)

    def recorded() -> str:
        return store.read_manifest(store.current_generation(index_dir)).corpus_dir

    monkeypatch.chdir(work)
    for corpus in ("plain", "budgets"):  # no change either time: the fast path, then the full
        result = CliRunner().invoke(cli, ["index", "--quiet", "--corpus", corpus,
                                          "--index-dir", str(index_dir)])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert recorded() == str(work / corpus)

    made: dict = {}
    real = webui.create_app
    monkeypatch.setattr(webui, "create_app", lambda config: real({**config, "WITH_MODEL": False}))
    monkeypatch.setattr(webui.server, "serve", lambda srv, app, **kw: made.update(app=app))
    monkeypatch.chdir(elsewhere)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--index-dir", str(index_dir)])
    assert result.exit_code == 0, result.output
    client = made["app"].test_client()
    assert f'href="/document/{DOC}.pdf"' in html(client.get(BORGERSERVICE))
    resp = client.get(f"/document/{DOC}.pdf")
    assert resp.status_code == 200 and resp.data == wanted.read_bytes()
    # an explicit CORPUS_DIR still wins
    app = real({"SETTINGS": made["app"].config["SETTINGS"], "WITH_MODEL": False,
                "CORPUS_DIR": str(elsewhere / "corpus")})  # fmt: skip
    assert app.test_client().get(f"/document/{DOC}.pdf").data == b"%PDF-1.4 the wrong corpus"


# -- hardening -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", HTML_PAGES + ["/api/search?q=MitID", "/api/areas", "/static/style.css", "/api/nope"]
)
def test_security_headers_everywhere(client, url: str) -> None:
    h = client.get(url).headers
    assert h["Content-Security-Policy"] == CSP
    assert "default-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert "base-uri 'none'" in CSP and "form-action 'self'" in CSP
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] in ("no-referrer", "same-origin")


@pytest.mark.parametrize("url", HTML_PAGES)
def test_pages_have_no_inline_script_or_style_and_no_cdn(client, url: str) -> None:
    page = html(client.get(url))
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert re.search(r'src="/static/[^"]+"', tag), tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", page)  # nothing between the tags
    assert not re.search(r"\sstyle\s*=", page) and "<style" not in page
    assert not re.search(r"\son[a-z]+\s*=", page)  # no inline event handlers
    assert not re.search(r'(src|href)="(https?:)?//', page)  # every asset local


def test_only_get_and_head(client) -> None:
    assert client.head("/").status_code == 200
    assert client.head("/api/search?q=MitID&mode=keyword").status_code == 200
    for method in ("post", "put", "delete", "patch", "options"):
        for url in ("/", "/api/search", "/areas"):
            resp = getattr(client, method)(url)
            assert resp.status_code == 405, (method, url)
            assert "Traceback" not in html(resp)
    assert client.post("/api/search").json["error"]["status"] == 405


def test_config_is_hardened(app) -> None:
    assert app.debug is False
    assert app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024


@pytest.mark.parametrize("url", ["/static/../webui/__init__.py", "/static/..%2f__init__.py",
                                 "/static/%2e%2e/pages.py", "/api/passages/..%2F..%2Fetc%2Fpasswd",
                                 "/area/..%2F..%2F..%2Fetc/passwd"])  # fmt: skip
def test_no_path_traversal(client, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 404
    assert b"def create_app" not in resp.data and b"root:" not in resp.data


def test_unexpected_errors_are_friendly(engine) -> None:
    class Broken:
        def __getattr__(self, name):
            return getattr(engine, name)

        def pinned(self):
            return self

        def search(self, *a, **k):
            raise RuntimeError("secret internals")

    client = create_app({"ENGINE": Broken()}).test_client()
    resp = client.get("/?q=MitID")
    assert resp.status_code == 500 and "secret" not in html(resp) and "fejl" in html(resp)
    resp = client.get("/api/search?q=MitID")
    assert resp.status_code == 500 and resp.json["error"]["status"] == 500
    assert "secret" not in resp.get_data(as_text=True)


def test_static_assets_are_local(client) -> None:
    for name in ("style.css", "app.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200
    js = html(client.get("/static/app.js"))
    assert "navigator.clipboard" in js and "fetch(" in js


# -- serve ----------------------------------------------------------------------------------


def test_serve_refuses_to_start_without_an_index(tmp_path: Path) -> None:
    from webui.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "budget-search index" in lines[0]


def test_serve_runs_waitress(monkeypatch, engine, seed_settings) -> None:
    import socket

    import webui
    import webui.server
    from webui.cli import cli

    calls: dict = {}
    made: dict = {}
    real_create_app = webui.create_app

    def fake_create_app(config):
        made.update(config)
        return real_create_app({"ENGINE": engine})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(webui, "create_app", fake_create_app)
    monkeypatch.setattr(webui.server, "serve",
                        lambda srv, app, **kw: calls.update(kw, app=app, srv=srv))  # fmt: skip
    result = CliRunner().invoke(
        cli, ["serve", "--port", str(port), "--index-dir", str(seed_settings.index_dir)]
    )
    assert result.exit_code == 0, result.output
    srv = calls["srv"]
    assert (srv.effective_host, int(srv.effective_port), srv.adj.threads) == ("127.0.0.1", port, 8)
    assert made["SETTINGS"].index_dir == seed_settings.index_dir


# -- relevance: labels, related heading, answer table ----------------------------------------


def test_absent_topic_shows_the_related_heading(client) -> None:
    page = html(client.get("/", query_string={"q": "motorway tolls"}))
    assert "Ingen afsnit nævner »motorway tolls«. Relaterede afsnit:" in page
    assert 'data-match="exact"' not in page
    assert all("Relateret" in c for c in cards(page))


def test_nonsense_shows_no_results(client) -> None:
    page = html(client.get("/?q=xyzzy"))
    assert not cards(page) and "Ingen resultater" in page


def test_answer_table_and_its_csv(client) -> None:
    page = html(client.get("/", query_string={"q": "områder over 50 mio. kr."}))
    table = re.search(r'<table class="answer-table">.*?</table>', page, re.S)
    assert table and all(a in table.group(0) for a in ("Økonomi", "Borgerservice", "Jobcenter"))
    assert "236.212.400 kr." in table.group(0)
    # the card links the Excel dialect first (tests/webui/test_trust.py), then the comma CSV
    link = re.search(r'href="(/api/answer\.csv\?(?:(?!format=excel)[^"])+)"', page)
    assert link
    rows = list(csv.reader(io.StringIO(client.get(unescape(link.group(1))).get_data(as_text=True)
                                       .lstrip("\ufeff"))))  # fmt: skip
    assert rows[0][:2] == ["area", "amount_kr"]
    assert sum(int(r[1]) for r in rows[1:]) == 236_212_400


def test_a_long_answer_card_shows_its_first_rows_and_sums_them_all(client, monkeypatch) -> None:
    # national questions list one area per municipality; the page, like the JSON, shows the
    # first rows, says how many there are, and the CSV and the total still cover every row
    import webui.search_data

    q = {"q": "områder over 10 mio. kr."}
    full = client.get("/api/search", query_string=q).json["answer"]
    assert full["rows_total"] == len(full["rows"]) > 3
    monkeypatch.setattr(webui.search_data, "ANSWER_ROWS", 3)
    data = client.get("/api/search", query_string=q).json["answer"]
    assert data["rows"] == full["rows"][:3] and data["rows_total"] == full["rows_total"]
    assert data["total_kr"] == full["total_kr"] == sum(r["amount_kr"] for r in full["rows"])
    page = html(client.get("/", query_string=q))
    table = re.search(r'<table class="answer-table">.*?</table>', page, re.S)
    assert table and table.group(0).count('<th scope="row">') == 3 + 1  # and the total's row
    assert f"Viser de første 3 af {full['rows_total']} rækker" in page
    assert f"Hent alle {full['rows_total']} rækker som CSV" in page
    rows = list(csv.reader(io.StringIO(client.get(unescape(data["csv_url"])).get_data(as_text=True)
                                       .lstrip("\ufeff"))))  # fmt: skip
    assert len(rows) == 1 + full["rows_total"]


def test_the_server_makes_the_answer_table_before_the_first_budget_question(engine) -> None:
    from search.engine import Engine

    fresh = Engine(engine.index_dir, engine.encoder)
    assert "answer_scope" not in fresh.snapshot._cache
    create_app({"ENGINE": fresh})
    deadline = time.monotonic() + 30
    while "answer_scope" not in fresh.snapshot._cache and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "answer_scope" in fresh.snapshot._cache


def test_danish_wording_on_the_pages(client) -> None:
    """Issue 30, smaller things: one language per surface, Danish words a reader understands."""
    answer = html(client.get("/?q=Hvad+koster+brandv%C3%A6senet%3F"))
    assert "Svar fra budgettallene" in answer and "beløbstabellen" not in answer
    assert "Intet område hedder »Nowhere«." in html(client.get("/?q=budget+area:Nowhere"))
    overview = html(client.get("/areas"))
    assert "andel af i alt" not in overview and "andel af det samlede nettobudget" in overview
    for url in ("/?q=MitID", "/?q=budget&mode=keyword", "/areas"):
        text = re.sub(r"<[^>]+>", " ", html(client.get(url)))
        for english in (" exact ", " related ", " hits ", " area ", "Showing"):
            assert english not in text, (url, english)


def test_no_zero_count_above_a_correct_answer_card(client, monkeypatch) -> None:
    """A budget question answered by the card may have no passage naming its words: the status
    line counts the related passages, never "0 afsnit med søgeordene"."""
    for q in ("Hvad koster brandvæsenet?", "områder over 50 mio. kr.", "pizza"):
        page = html(client.get("/", query_string={"q": q}))
        assert "0 afsnit med søgeordene" not in page, q
    page = html(client.get("/", query_string={"q": "områder over 50 mio. kr."}))
    assert 'class="answer"' in page and re.search(r"\d+ relaterede afsnit", page)


def test_mit_id_written_apart_counts_the_mitid_passages_as_exact(client) -> None:
    page = html(client.get("/?q=mit+id"))
    assert "Ingen afsnit nævner" not in page
    assert re.search(r"3 afsnit med søgeordene", page)
    assert "<mark>MitID</mark>" in cards(page)[0] and "Indeholder søgeordene" in cards(page)[0]
