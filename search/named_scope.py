"""The scope a question names: the committees, municipalities (and, in search.question, the
years) it is about ("samlet budget for Økonomiudvalget", "Hvad koster Jobcenter i Kommune 3 og
Kommune 4?"), read from its words against the index's own names, so that the card and the
passages are kept to them (issue 30)."""

from __future__ import annotations

import re

from index.building.analysis import analyze
from search import municipalities as kommuner
from search.intent import title_words

#: The fields a question can scope itself by naming them: "samlet budget for Økonomiudvalget",
#: "Kalundborg Kommunes budget". Area titles are not among them: naming an area asks for it.
NAMED_SCOPES = ("committee", "municipality")


def scope_words(name: str) -> frozenset[str]:
    """The words a question must use to name a municipality or committee: its distinctive
    ones, or all of them where those are only numbers ("Kommune 3" is named by "Kommune 3",
    not by the 3 of "de 3 største områder")."""
    words = title_words(name)
    if words and all(w.isdigit() for w in words):
        return frozenset(t.text for t in analyze(name) if t.kind == "word")
    return words


#: A word naming a committee: "Teknik- og Miljøudvalget", "Økonomiudvalgets".
COMMITTEE_WORD = re.compile(r"\w+udvalg\w*", re.IGNORECASE)
#: A municipality named by its form, known or not: "Holbæk Kommune", "Lyngby-Taarbæk
#: Kommunes", "Kommune 5", "Kommune 3 og 5" (not "kommunen", nor "Kommune 2025", a year).
NAMED_MUNICIPALITY = re.compile(r"\b([A-ZÆØÅ][\w-]*)\s+Kommunes?\b(?!\s*\d)")
NUMBERED_MUNICIPALITY = re.compile(
    r"\bKommuner?\s+(\d{1,3}(?:\s*(?:,|og|and|samt|&)\s*\d{1,3})*)\b(?!\d)")
#: Capitalised words before "Kommune" that name none: "Hvilken Kommune", "Hver Kommune".
NOT_NAMES = frozenset("hvilken hvilke hvad hver hvor en den din min vores jeres which what "
                      "each every the a our i".split())  # fmt: skip


def named_scope(text: str, values: dict[str, list[str]]
                ) -> tuple[dict[str, str | tuple[str, ...]], str, set[str]] | None:  # fmt: skip
    """The committees and municipalities `text` names (each one's distinctive words, in any
    inflection), `text` without those words, and their terms: so that the committee
    "Økonomiudvalget" is read as a scope and not as the area Økonomi. Several of a field named
    ("Kommune 3 og Kommune 4", "Kommune 3 og 4") are a tuple, in the order the question names
    them. None when it names a committee the index does not hold: its amounts are not ours to
    give (a municipality it does not hold: `unknown_municipality`, which search.question asks
    first)."""
    tokens = re.findall(r"\S+", text)
    stems = [frozenset(t.text for t in analyze(w) if t.kind == "word") for w in tokens]
    typed = set().union(*stems)
    scope: dict[str, str | tuple[str, ...]] = {}
    named: set[str] = set()
    used: set[int] = set()  # the tokens that name a scope
    for field in NAMED_SCOPES:
        found: dict[str, list[int]] = {}  # name -> its tokens, the first where it is named
        for v in values.get(field, []):
            words = scope_words(v)
            if words and any(w.isdigit() for w in words):
                at = _numbered(words, tokens, stems)
            else:
                at = [i for i, s in enumerate(stems) if s & words] if words <= typed else []
            if words and at:
                found[v] = at
        # a name inside a longer one the question names is that one's ("Lyngby" of
        # "Lyngby-Taarbæk"), not a second scope
        hits = [v for v in found if not any(scope_words(v) < scope_words(o) for o in found)]
        hits.sort(key=lambda v: found[v][0])
        if hits:
            scope[field] = hits[0] if len(hits) == 1 else tuple(hits)
            named |= set().union(*(scope_words(v) for v in hits))
            used |= {i for v in hits for i in found[v]}
    known = {t for v in values.get("committee", []) for t in title_words(v)}
    for word in COMMITTEE_WORD.findall(text):
        if "committee" in values and not {t.text for t in analyze(word)} & known:
            return None
    if not named:
        return scope, text, named
    return scope, " ".join(w for i, w in enumerate(tokens) if i not in used), named


#: Words that go on naming numbered scopes: the "og" of "Kommune 3 og 4".
_JOINED = frozenset({"og", "and", "samt", "&", "+", ",", ""})


def _numbered(words: frozenset[str], tokens: list[str], stems: list[frozenset[str]]
              ) -> list[int]:  # fmt: skip
    """Where a numbered name ("Kommune 3") is named: its number right after its other words,
    or after another number that follows them ("Kommune 2 og 3"); its tokens, the number
    first. The 3 of "de 3 største områder i Kommune 4" names no Kommune 3."""
    digits = {w for w in words if w.isdigit()}
    lead = words - digits
    run: set[str] = set()
    at: list[int] = []
    for i, s in enumerate(stems):
        if s and s & lead:
            run |= s & lead
            at.append(i)
        elif s and all(w.isdigit() for w in s) and run:
            if run == lead and digits <= s:
                return [i, *at]
        elif tokens[i].strip(",.?!:;").casefold() not in _JOINED:
            run, at = set(), []
    return []


def unknown_municipality(text: str, municipalities: list[str],
                         areas: list[str] = ()) -> str | None:  # fmt: skip
    """The municipality `text` names that the index does not hold, named by its form
    ("Holbæk Kommune", "Kommune 5") or by a Danish municipality's name ("i Holbæk", "Holbæks
    budget": search.municipalities), or None. Its amounts are not ours to give, least of all
    another's in its place. A name that is a word of one of the index's `areas` is the area's."""
    known = {m.casefold() for m in municipalities}
    names = {_bare(m) for m in municipalities}  # "Kalundborg Kommune" or "Kalundborg" alike
    for m in NAMED_MUNICIPALITY.finditer(text):
        name = m.group(1).casefold()
        if name not in NOT_NAMES and _bare(name) not in names:
            return f"{m.group(1)} Kommune"
    for m in NUMBERED_MUNICIPALITY.finditer(text):
        for n in re.findall(r"\d+", m.group(1)):
            if f"kommune {n}" not in known:
                return f"Kommune {n}"
    titled = None
    for name in kommuner.named_in(text):
        if _bare(name) in names:
            continue
        if titled is None:
            titled = {kommuner.fold(w) for a in areas for w in kommuner.WORD.findall(a)}
        if kommuner.fold(name) not in titled:
            return kommuner.official(name)
    return None


def without_municipality(text: str, name: str) -> str:
    """`text` without the words that name the municipality `name` ("Holbæk Kommune"): "Hvad er
    det samlede budget for Holbæk?" asks what "Hvad er det samlede budget for ?" asks."""
    bare = _bare(name)
    return kommuner.WORD.sub(lambda m: "" if _bare(m.group()) in (bare, "kommune")
                             else m.group(), text)  # fmt: skip


def _bare(name: str) -> str:
    """A municipality's name without "Kommune" and a genitive s: "Københavns Kommune" and
    "København" are one, as are "Bornholms Regionskommune" and "Bornholm", and "Aarhus" and
    "Århus"."""
    name = kommuner.fold(name)
    return name.removesuffix(" kommune").removesuffix(" regionskommune").removesuffix("s")
