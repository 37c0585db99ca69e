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
