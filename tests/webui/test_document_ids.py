"""Any file name is a document id the web app's links and routes carry both ways: a newline
(its area page had been a 404: werkzeug's path converter stops at one), a carriage return, a
tab, '%0A' spelled out, '?' and '#', a space, a backslash, letters outside ASCII."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from index.building.build import build_index
from index.config import Settings
from search.engine import Engine
from webui import create_app

NAMES = ["a\nb", "c\r\nd", "tab\there", "x%0Ay", "q?r#s", "two words", "back\\slash", "æøå\u2028"]
META = """title = "Bemærkninger - Økonomiudvalget"
municipality = "{name} Kommune"
committee = "Økonomiudvalget"
year = 2024
"""
PDF = b"%PDF-1.4\n%stub: served as it is, never parsed here\n"


@pytest.fixture
def app(workspace: Settings, seed_path: Path, encoder) -> Any:
    folder = workspace.corpus_dir / "odd"
    folder.mkdir()
    text = seed_path.read_text(encoding="utf-8")  # the seed's text: its vectors are reused
    for i, name in enumerate(NAMES):
        try:
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        except OSError:  # a file system that refuses the name
            pytest.skip(f"the file system refuses the name {name!r}")
        (folder / f"{name}.toml").write_text(META.format(name=f"By{i}"), encoding="utf-8")
    (folder / f"{NAMES[0]}.pdf").write_bytes(PDF)
    build_index(workspace, encoder_factory=lambda: encoder, progress=False, log=lambda m: None)
    engine = Engine(workspace.index_dir, lambda: encoder)
    return create_app({"ENGINE": engine, "WITH_MODEL": False, "WARM_UP": False,
                       "CORPUS_DIR": str(workspace.corpus_dir)})  # fmt: skip


def test_every_document_id_round_trips_through_its_area_links(app: Any) -> None:
    client = app.test_client()
    areas = client.get("/api/areas").json["areas"]
    documents = {a["document"] for a in areas}
    assert {f"odd/{n}" for n in NAMES} <= documents, documents
    for a in areas:
        page = client.get(a["url"])
        assert page.status_code == 200, (a["document"], a["url"])
        data = client.get(a["url"].replace("/area/", "/api/areas/", 1)).json
        assert data["area"]["document"] == a["document"] and data["area"]["area"] == a["area"]
    # the links in the overview's HTML, as a browser follows them
    html = client.get("/areas").get_data(as_text=True)
    links = set(re.findall(r'href="(/area/odd/[^"#]+)"', html))
    assert len(links) == len([a for a in areas if a["document"].startswith("odd/")])
    assert all(client.get(u.replace("&amp;", "&")).status_code == 200 for u in links)


def test_a_passage_link_and_the_pdf_of_a_document_with_a_newline(app: Any) -> None:
    client = app.test_client()
    document = f"odd/{NAMES[0]}"
    hits = client.get("/api/search", query_string={"q": "MitID", "mode": "keyword",
                                                   "municipality": "By0 Kommune"}).json  # fmt: skip
    hit = hits["results"][0]
    assert hit["document"] == document
    moved = client.get(f"/passage/{hit['id']}")
    assert moved.status_code == 302 and "%0A" in moved.headers["Location"]
    target = moved.headers["Location"].split("#")[0]
    page = client.get(target).get_data(as_text=True)
    assert f'id="p-{hit["id"]}"' in page
    area = client.get(target.replace("/area/", "/api/areas/", 1)).json
    pdf = client.get(area["pdf_url"])
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Disposition"] == 'inline; filename=a_b.pdf'
