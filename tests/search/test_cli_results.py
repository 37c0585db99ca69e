"""`budget-search search` as text (issue 30): the page's exact/related split and notice, in
Danish: related passages only with --related when some passages hold the words."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from webui.cli import cli

BRAND = "Hvad koster brandvæsenet?"


@pytest.fixture(scope="module")
def run(seed_settings):
    def invoke(*args: str) -> str:
        env = {"BUDGET_SEARCH_INDEX": str(seed_settings.index_dir),
               "BUDGET_SEARCH_HOME": str(seed_settings.data_dir)}  # fmt: skip
        got = CliRunner().invoke(cli, ["search", *args], env=env, catch_exceptions=False)
        assert got.exit_code == 0, got.output
        return got.stdout

    return invoke


def numbered(out: str) -> list[str]:
    """Each listed passage's head line."""
    return re.findall(r"(?m)^\d+\. .*$", out)


def test_exact_matches_alone_with_the_page_notice(run, engine) -> None:
    resp = engine.search(BRAND)
    out = run(BRAND)
    assert (f"3 afsnit nævner »{BRAND}«; {resp.total_related} relaterede vises med --related"
            in out)  # fmt: skip
    heads = numbered(out)
    assert len(heads) == 3 and all("Vestsjællands Brandvæsen" in h for h in heads)
    assert "relateret" not in "\n".join(heads) and "Relaterede afsnit" not in out
    assert "hits" not in out and re.search(r"søgningen tog [\d.]+ ms", out)
    assert "linje 377–382" in out  # an en dash, as the page
    assert "(3,0 %)" in out  # the card's share in Danish


def test_related_listed_after_the_exact_ones_with_the_flag(run, engine) -> None:
    resp = engine.search(BRAND)
    out = run("--related", "-k", "100", BRAND)
    assert f"3 afsnit nævner »{BRAND}«, {resp.total_related} relaterede" in out
    heads = numbered(out)
    assert len(heads) == 3 + resp.total_related
    assert [h.endswith("(relateret)") for h in heads] == [False] * 3 + [True] * resp.total_related
    assert out.index("Relaterede afsnit:") > out.index(heads[2])
    assert "Viser " not in out  # every one listed


def test_a_page_of_them_says_how_many_and_how_to_see_the_rest(run, engine) -> None:
    resp = engine.search(BRAND, k=100)
    assert resp.total > 4
    out = run("--related", "-k", "4", BRAND)
    assert len(numbered(out)) == 4
    assert f"Viser 1–4 af {resp.total}: -k {resp.total} viser dem alle." in out


def test_only_related_under_the_notice(run) -> None:
    out = run("pizza")
    assert re.search(r"Ingen afsnit nævner »pizza«\. \d+ relaterede afsnit", out)
    assert "Relaterede afsnit:" in out
    assert numbered(out) and all(h.endswith("(relateret)") for h in numbered(out))


def test_a_word_no_dictionary_knows_finds_nothing(run) -> None:
    out = run("xyzzy qwerty")
    assert "ingen ordbog eller afsnit kender »xyzzy«" in out and not numbered(out)


def test_json_keeps_every_result(run, engine) -> None:
    import json

    body = json.loads(run("--json", "-k", "100", BRAND))
    assert body["total_exact"] == 3 and len(body["results"]) == body["total"]


def test_a_passage_is_shown_where_its_words_are(run) -> None:
    """A long passage prints from where the query's words are when they lie beyond its start:
    Plan, Byg og Miljø holds "udgifter til konsulentbistand" (konsulentudgifter written apart)
    some 400 characters in."""
    out = run("konsulentudgifter", "-k", "1")
    shown = out.split("\n1. ", 1)[1].splitlines()[1]
    assert "Plan, Byg og Miljø" in out and "udgifter til konsulentbistand" in shown
    assert shown.strip().startswith("… ") and shown.endswith(" …")


def test_snippet() -> None:
    from search.cli_text import snippet

    text = "Indledning " * 40 + "her står MitID & NemID." + " Slut" * 40
    mark = text.replace("MitID", "<mark>MitID</mark>").replace("&", "&amp;")
    got = snippet(text, mark)
    assert "MitID & NemID" in got and got.startswith("… ") and len(got) <= 300 + 4
    assert got[2:].split()[0] == "Indledning"  # cut at a word's start
    # the words within the first 300 characters: from the start, as always
    early = "MitID først. " + "fyld " * 100
    assert snippet(early, early.replace("MitID", "<mark>MitID</mark>")).startswith("MitID først")
    assert snippet("kort tekst", "kort <mark>tekst</mark>") == "kort tekst"
