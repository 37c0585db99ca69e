"""Denmark's 98 municipalities by name (index/data/kommuner.toml), to tell a question that
names one the index does not hold: "Hvad koster Jobcenter i Holbæk?" over Kalundborg's budget
is not answered with Kalundborg's job centre (issue 30). A name is read as a municipality where
it is typed capitalised ("Jobcenter i Holbæk"), after "i", "for" or "fra" ("i holbæk"), or in
the genitive ("holbæks budget"); a name that is an ordinary word too ("vejen", "odder") only
where typed capitalised inside the question, so that "Vejen til job" and "hvad koster vejen"
name none. ("Holbæk Kommune" is read by its form: search.named_scope.)"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

#: The words after which a name is a place: "i Holbæk", "budgettet for Holbæk", "fra Holbæk".
PLACE_WORDS = frozenset({"i", "for", "fra", "in"})
WORD = re.compile(r"[^\W\d_][\w-]*")


def fold(name: str) -> str:
    """A name as compared: case folded, "aa" read as "å" ("Aarhus" and "Århus" are one)."""
    return name.casefold().replace("aa", "å")


@functools.cache
def _data() -> dict:
    raw = resources.files("index").joinpath("data/kommuner.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@functools.cache
def _table() -> tuple[dict[str, str], frozenset[str]]:
    data = _data()
    return ({fold(n): n for n in data["names"]},
            frozenset(fold(n) for n in data.get("ordinary", ())))  # fmt: skip


def official(name: str) -> str:
    """The municipality's official name: "Holbæk Kommune", but "Københavns Kommune" and
    "Bornholms Regionskommune"."""
    return _data().get("official", {}).get(name, f"{name} Kommune")


def names() -> list[str]:
    """The 98 municipalities' names, as the data file spells them."""
    return list(_table()[0].values())


def _key(word: str, table: dict[str, str]) -> tuple[str | None, bool]:
    """The table's key for a typed word, and whether it was typed in the genitive: the name
    itself, the name less its genitive "s" ("Holbæks"), or a name whose official form ends in
    one ("Nordfyns", "Vesthimmerlands") typed without it."""
    key = fold(word)
    if key in table:
        return key, False
    if key.endswith("s") and key[:-1] in table:
        return key[:-1], True
    if key + "s" in table:
        return key + "s", False
    return None, False


def named_in(text: str) -> list[str]:
    """The municipalities `text` names without "Kommune" ("Holbæk" of "Jobcenter i Holbæk",
    "Holbæks budget"), as the data file spells them, in the order named. A hyphenated name
    may be typed with a space ("Høje Taastrup")."""
    table, ordinary = _table()
    found: list[str] = []
    words = list(WORD.finditer(text))
    joined: set[int] = set()  # words read as the second half of a name typed with a space
    for i, m in enumerate(words):
        if i in joined:
            continue
        word = m.group()
        key, genitive = None, False
        if i + 1 < len(words) and text[m.end() : words[i + 1].start()].isspace():
            key, genitive = _key(f"{word}-{words[i + 1].group()}", table)
            if key is not None:
                joined.add(i + 1)
        if key is None:
            key, genitive = _key(word, table)
        if key is None or table[key] in found:
            continue
        capital = word[0].isupper()
        after = i > 0 and words[i - 1].group().casefold() in PLACE_WORDS
        if key in ordinary:
            named = capital and i > 0
        else:
            named = capital or after or genitive
        if named:
            found.append(table[key])
    return found
