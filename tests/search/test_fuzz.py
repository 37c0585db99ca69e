"""Property-based tests of the query path: whatever a person (or a bot) types, the answer is
results or a clear message, never an exception, a wrong amount or unescaped HTML.

The same holds through the HTTP API and the HTML page: never a 500, JSON errors carry a message.
Bounded and derandomised, so the file runs in seconds and the same way on every machine.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import webui
from search.results import MODES, SearchResponse
from webui import create_app

#: Whoosh/Lucene syntax, field names (ours and unknown ones) and query-language debris.
SYNTAX = [
    "AND", "OR", "NOT", "and", "or", "not", "&&", "||", "!", "field:", "area:", "område:",
    "section:", "afsnit:", "year:", "år:", "udvalg:", "kommune:", "bogus:", ":", "::", "(", ")",
    '"', "'", "*", "?", "~", "~2", "^2", "^", "[a TO b]", "[2020 TO 2030]", "{", "}", "{a TO}",
    "\\", "-", "+", "/", "//", "<", ">", "</mark>", "<mark>", "&amp;", "&", "<script>", "%",
    "%00", "\x00", "\t", "\n", "\r", "\u200b", "\u202e", "\ufeff", "…", "–", "—", "’", "*:*",
    "area:*", 'area:"', 'area:"Børn', "year:2024", "year:abc", "-MitID", "NOT DUT", "MitID*",
    "Mit*ID", "?itID", "brand~", "budget^3",
]  # fmt: skip
#: Words from the seed, so a fair share of the fuzzed queries actually match something.
WORDS = [
    "MitID", "NemID", "DUT", "brandvæsen", "Brandvæsen", "Børn- og Familieområdet", "Borgerservice",
    "budget", "Jobcenter", "IT", "KL", "hjemløshed", "kørekort", "Vestsjællands", "Digitalisering",
    "kr.", "81.205.800", "2024", "Økonomiudvalget", "Hvad koster brandvæsenet?", "mit id",
]  # fmt: skip

#: All of unicode Python strings may hold: control characters included, surrogates not.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
FRAGMENT = st.one_of(ANY_TEXT, st.sampled_from(SYNTAX), st.sampled_from(WORDS))
JOINER = st.sampled_from([" ", "", "  ", ":", "\t", "-", '"'])
MIXED = st.builds(lambda parts, sep: sep.join(parts), st.lists(FRAGMENT, max_size=12), JOINER)
#: 10 KB and more: pasted documents, repeated words, one endless token.
HUGE = st.builds(
    lambda unit, sep: (unit + sep) * (10_240 // max(1, len(unit) + len(sep)) + 1),
    st.one_of(st.sampled_from(WORDS + SYNTAX), ANY_TEXT.filter(bool)),
    st.sampled_from(["", " ", "\n"]),
)
BLANK = st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u2003\u3000\u200b"), max_size=20)
QUERIES = st.one_of(
    MIXED,
    MIXED,
    MIXED,
    ANY_TEXT,
    BLANK,
    st.sampled_from(WORDS + SYNTAX),
    HUGE,
)

#: Bounded and repeatable: the same examples on every run, no example database.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_HTTP = settings(FUZZ, max_examples=100)

MARK = re.compile(r"</?mark>")


def check_response(resp: SearchResponse, engine: Any) -> None:
    """The invariants every answer keeps, whatever the query."""
    assert isinstance(resp, SearchResponse)
    assert resp.results or resp.message, "neither results nor a message"
    assert resp.total >= len(resp.results) >= 0
    amounts = {(a.document, a.area): a.amount_kr for a in engine.areas()}
    for hit in resp.results:
        # the amount shown beside a passage is the net amount of the area it belongs to
        assert (hit.document, hit.area) in amounts
        assert hit.amount_kr == amounts[(hit.document, hit.area)], hit.id
        # the highlight is the text, escaped, with nothing but <mark> tags added
        plain = MARK.sub("", hit.highlight)
        assert "<" not in plain and ">" not in plain, hit.highlight[:200]
        assert unescape(plain) == hit.text
        assert hit.highlight.count("<mark>") == hit.highlight.count("</mark>")


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_engine_answers_any_query(engine, mode: str) -> None:
    @FUZZ
    @given(q=QUERIES)
    def run(q: str) -> None:
        check_response(engine.search(q, mode=mode), engine)

    run()


@FUZZ
@given(q=QUERIES, k=st.integers(min_value=-5, max_value=500))
def test_engine_clamps_k(engine, q: str, k: int) -> None:
    resp = engine.search(q, mode="keyword", k=k)
    check_response(resp, engine)
    assert len(resp.results) <= max(1, min(k, 100))


# -- through HTTP ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(engine):
    return create_app({"ENGINE": engine}).test_client()


def check_api(resp: Any) -> dict[str, Any]:
    assert resp.status_code in (200, 400), (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == "application/json"
    data = resp.json
    if resp.status_code == 400:
        err = data["error"]
        assert err["status"] == 400 and err["message"].strip()
        assert "Traceback" not in err["message"]
    else:
        assert data["results"] or data["message"]
    return data


@pytest.mark.parametrize("mode", MODES)
def test_api_answers_any_query(client, engine, mode: str) -> None:
    @FUZZ_HTTP
    @given(q=QUERIES)
    def run(q: str) -> None:
        data = check_api(client.get("/api/search", query_string={"q": q, "mode": mode}))
        for hit in data.get("results", []):
            area = next(a for a in engine.areas() if (a.document, a.area) ==
                        (hit["document"], hit["area"]))  # fmt: skip
            assert hit["amount_kr"] == area.amount_kr
            assert "<" not in MARK.sub("", hit["highlight"])

    run()


@pytest.mark.parametrize("mode", MODES)
def test_search_page_answers_any_query(client, mode: str) -> None:
    @FUZZ_HTTP
    @given(q=QUERIES)
    def run(q: str) -> None:
        resp = client.get("/", query_string={"q": q, "mode": mode})
        assert resp.status_code in (200, 400), resp.status_code
        assert resp.mimetype == "text/html"
        page = resp.get_data(as_text=True)
        assert "Traceback" not in page
        # nothing the user typed comes back as markup
        for tag in re.findall(r"<\s*(\w+)", page):
            assert tag.lower() in ALLOWED_TAGS, tag
        if resp.status_code == 400:
            assert 'role="alert"' in page

    run()


TEMPLATES = Path(webui.__file__).parent / "templates"
#: Every tag the templates write, and <mark> from highlights: anything else came from a query.
ALLOWED_TAGS = {"mark"} | {
    tag.lower()
    for f in TEMPLATES.glob("*.html")
    for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", f.read_text(encoding="utf-8"))
}

#: Filter values: anything at all, plus the plausible and the nearly plausible.
FILTER_VALUE = st.one_of(
    ANY_TEXT,
    st.sampled_from(["2024", "2025", "0", "-1", "1e9", "81.205.800", "1 000", "NaN", "inf",
                     "99999999999999999999999999", "-99999999999999999999", "٣", "²", "0x10",
                     "Borgerservice", "borgerservice", "Børn og Familie", "Budgetgrundlag",
                     "../../etc/passwd", "%2e%2e%2f", "<script>", "", " "]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=400),
)  # fmt: skip
FILTERS = st.dictionaries(
    st.sampled_from(["year", "min_amount", "max_amount", "area", "section", "committee",
                     "municipality", "k", "mode"]),
    FILTER_VALUE,
    max_size=5,
)  # fmt: skip


@FUZZ_HTTP
@given(q=st.one_of(st.sampled_from(["", "budget", "MitID", "DUT"]), MIXED), params=FILTERS)
def test_api_filters_answer_200_or_400(client, q: str, params: dict[str, str]) -> None:
    params.setdefault("mode", "keyword")
    for url in ("/api/search", "/api/search.csv"):
        resp = client.get(url, query_string={"q": q, **params})
        assert resp.status_code in (200, 400), (url, params, resp.status_code)
        if resp.status_code == 400:
            assert resp.json["error"]["message"].strip()
    page = client.get("/", query_string={"q": q, **params})
    assert page.status_code in (200, 400), (params, page.status_code)


@FUZZ_HTTP
@given(
    path=st.one_of(
        ANY_TEXT,
        st.sampled_from(["..", "../..", "%2e%2e", "..%2f..%2f", "%252e%252e", "etc/passwd",
                         "kalundborg/2024/oekonomiudvalget", "\\..\\"]),
    ),
    sort=st.one_of(ANY_TEXT, st.sampled_from(["order", "area", "amount", "passages"])),
    order=st.one_of(ANY_TEXT, st.sampled_from(["asc", "desc", ""])),
)  # fmt: skip
def test_other_endpoints_never_fail(client, path: str, sort: str, order: str) -> None:
    for url, query in (
        (f"/area/{path}/x", None),
        (f"/api/areas/{path}/x", None),
        (f"/api/passages/{path}", None),
        (f"/passage/{path}", None),
        ("/areas", {"sort": sort, "order": order}),
        ("/api/areas", {"sort": sort, "order": order}),
    ):
        resp = client.get(url, query_string=query)
        assert resp.status_code in (200, 302, 308, 400, 404), (url, resp.status_code)
        assert b"Traceback" not in resp.data and b"root:" not in resp.data
