"""The lenient query syntax: whatever a person types parses, never raises."""

from __future__ import annotations

import pytest

from search.query import MAX_QUERY_CHARS, parse


@pytest.mark.parametrize(
    "raw, words, phrases, filters, excluded",
    [
        ("MitID", ("MitID",), (), {}, ()),
        ('"pas og kørekort"', (), (("pas", "og", "kørekort"),), {}, ()),
        ('"pas og kørekort', ("pas", "og", "kørekort"), (), {}, ()),
        ("area:Jobcenter sygemeldte", ("sygemeldte",), (), {"area": "Jobcenter"}, ()),
        ('område:"Plan, Byg og Miljø" klima', ("klima",), (), {"area": "Plan, Byg og Miljø"}, ()),
        ("DUT -MitID", ("DUT",), (), {}, ("MitID",)),
        ("DUT NOT MitID", ("DUT",), (), {}, ("MitID",)),
        ("DUT AND OR", ("DUT",), (), {}, ()),
        ("foo: :bar", ("foo", "bar"), (), {}, ()),
        ("((()))", (), (), {}, ()),
        ("unknown:field", ("unknown", "field"), (), {}, ()),
    ],
)
def test_parse_table(raw, words, phrases, filters, excluded) -> None:
    q = parse(raw)
    assert q.words == words
    assert q.phrases == phrases
    assert q.filters == filters
    assert q.excluded == excluded


def test_wildcard_becomes_prefix() -> None:
    q = parse("cyber* a*")
    assert q.prefixes == ("cyber",)  # one letter is too short to expand


def test_control_characters_and_huge_input() -> None:
    q = parse("DUT\x00\x1b[31m" + "x" * 20_000)
    assert q.words[0] == "DUT"
    assert len(q.text) <= MAX_QUERY_CHARS


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", '"', "*", "-", "AND", "NOT", ":"])
def test_nothing_to_search_is_empty(raw: str) -> None:
    assert parse(raw).empty
