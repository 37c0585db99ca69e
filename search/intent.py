"""Reading a budget question: which kind it is (`Intent`) and which areas it names (the
committees and municipalities it names: search.named_scope). `search.answer` then answers it
from the amounts table.

"Hvad er det samlede budget?", "største område", "områder over 50 mio. kr.", "samlet budget for
demografipuljerne", "Hvad koster brandvæsenet?", "how much does the fire service cost?",
"Borgerservices andel": each is read as one kind of question (`Intent`) and answered from the
amounts of the areas in scope, never from the passage that happens to rank first. A query that
names no area and asks no amount gets no answer.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from index.building.analysis import analyze, stem
from index.documents.amounts import kroner

#: Words that ask for an amount, Danish and English (stemmed when matched).
BUDGET_WORDS = frozenset(
    stem(w) for w in (
        "koster koste kostede budget budgettet budgetter nettobudget beløb beløbet kr kroner "
        "penge mio mia million millioner udgift udgifter bevilling bevilget afsat afsætter midler "
        "cost costs spent spend spending budgeted money amount expenditure allocated"
    ).split()
)  # fmt: skip
#: English verbs that ask how much an area gets ("how much does the job centre get", "what
#: goes to IT"): the question's, not its topic (a passage need not hold them to match).
ASKING = frozenset(stem(w) for w in "get gets got receive receives go goes going".split())
#: Words that name areas in general, not one area.
GENERIC = frozenset(
    stem(w) for w in "område området områder fagcenter kommune kommunen area areas".split()
)
TOTAL_WORDS = frozenset(stem(w) for w in "samlet samlede total totale sum overall".split())
TOTAL = re.compile(r"\b(i alt|samlet|samlede|total\w*|hele budget\w*|in all|altogether|sum)\b",
                   re.I)  # fmt: skip
LARGEST = re.compile(
    r"\b(størst\w*|højest\w*|flest|mest|dyrest\w*|largest|biggest|highest|most|top)\b", re.I
)
SMALLEST = re.compile(
    r"\b(mindst\w*|lavest\w*|færrest|billigst\w*|smallest|lowest|least|cheapest)\b", re.I
)
#: The words of SHARE, stemmed: what a share question asks, not its topic.
SHARE_WORDS = frozenset(
    stem(w) for w in "andel andelen andele procent procentdel share percentage percent".split()
)
SHARE = re.compile(r"\b(andel\w*|procent\w*|share|percentage|percent|hvor stor en del)\b", re.I)
#: Words that ask to set two areas side by side ("sammenlign Jobcenter og Borgerservice",
#: "forskel på IT og HR", "Jobcenter vs Borgerservice"): the question's, not its topic.
COMPARE_WORDS = frozenset(
    stem(w) for w in (
        "sammenlign sammenligne sammenlignet sammenligning sammenlignes forskel forskellen "
        "mellem versus vs compare compared comparing comparison difference between "
        "mere større mindre højere lavere more less bigger larger smaller higher lower than"
    ).split()
)  # fmt: skip
#: Superlatives, which ask for an order ("hvem får mest, Jobcenter eller Borgerservice?"),
#: not for passages that say "mest".
RANK_WORDS = frozenset(
    stem(w) for w in "størst største mest flest højest højeste dyrest dyreste mindst mindste "
    "færrest lavest laveste billigst billigste".split()
)  # fmt: skip
COMPARE = re.compile(
    r"\b(sammenlign\w*|forskel(?:len)?|versus|vs\b|compar\w*|difference)"
    r"|\b(?:mere|større|mindre|højere|lavere|more|less|bigger|larger|smaller|higher|lower)\b"
    r".*\b(?:end|than)\b", re.I,
)  # fmt: skip
QUESTION_WORDS = frozenset(
    stem(w) for w in (
        "hvad hvem hvilk hvilke hvilket hvor meget mange får bruger bruges bruge går gives "
        "which what much many does get gets got receive receives go goes going spend largest "
        "smallest biggest top"
    ).split()
) | COMPARE_WORDS | RANK_WORDS  # fmt: skip
NUMBER_WORDS = {"en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
                "otte": 8, "ni": 9, "ti": 10, "one": 1, "two": 2, "three": 3, "four": 4,
                "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}  # fmt: skip

_UNIT = (r"(?P<unit{n}>mia\.?|milliard\w*|billion\w*|mio\.?|million\w*|mill\.?|mn\b|m\b"
         r"|t\.\s?kr\.?|tkr\.?|tusind\w*|thousand\w*|kr\.?|kroner|dkk)")  # fmt: skip
_NUM = r"(?P<num{n}>\d+(?:[.,\s]\d{{3}})*(?:[.,]\d+)?)"
_AMOUNT = _NUM + r"\s*" + _UNIT + "?"
_RANGE = re.compile(
    r"\b(?:mellem|between|fra|from)\s+" + _AMOUNT.format(n=1) + r"\s*(?:og|and|til|to|-|–)\s*"
    + _AMOUNT.format(n=2), re.I,
)  # fmt: skip
_ABOVE = re.compile(
    r"\b(?:over|mere end|flere end|større end|højere end|above|more than|greater than|"
    r"exceeding|at least|mindst)\s+" + _AMOUNT.format(n=1), re.I,
)  # fmt: skip
_BELOW = re.compile(
    r"\b(?:under|mindre end|færre end|lavere end|below|less than|at most|højst)\s+"
    + _AMOUNT.format(n=1), re.I,
)  # fmt: skip
#: A unit's scale by how its word starts ("millioner", "mio.", "t. kr."); "m" alone last.
_SCALE = (("mia", 10**9), ("milliard", 10**9), ("billion", 10**9), ("mio", 10**6),
          ("mill", 10**6), ("mn", 10**6), ("tusind", 1000), ("thousand", 1000), ("tkr", 1000),
          ("t", 1000), ("kr", 1), ("dkk", 1), ("m", 10**6))  # fmt: skip
#: "næststørste", "tredjemindste", "den 3. største", "second largest": one place in a ranking.
ORDINALS = {"næst": 2, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4, "femte": 5,
            "sjette": 6, "syvende": 7, "ottende": 8, "niende": 9, "tiende": 10, "second": 2,
            "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10}  # fmt: skip
_ORDINAL = re.compile(
    r"\b(?:(" + "|".join(ORDINALS) + r")|(\d{1,2})(?:\.|st|nd|rd|th))\s*-?\s*"
    r"(?:(størst|højest|dyrest|largest|biggest|highest|most expensive)"
    r"|mindst|lavest|billigst|smallest|lowest|cheapest)", re.I,
)  # fmt: skip
#: A ranking of one area ("det største område", "hvilket område", "the largest area") or of
#: several ("de største områder", "top 5"): over several budgets, each one's own largest.
ONE_AREA = re.compile(r"\b(område|området|area|hvilket)\b", re.I)
MANY_AREAS = re.compile(r"\b(områder|områderne|areas|hvilke|top|de|the \d+)\b", re.I)
#: Questions for the whole budget's breakdown by area ("hvor går pengene hen?", "hvad bruges
#: pengene på?", "fordelingen af budgettet", "where does the money go?"): every area, largest
#: first, where a sum alone would tell nothing of where it goes.
_MONEY = r"(?:alle\s+)?(?:penge\w*|midler\w*|budget\w*|kroner\w*)"
BREAKDOWN = re.compile(
    rf"\bhvor\s+(?:går|bruges|ender)\s+{_MONEY}(?:\s+hen\b)?"
    rf"|\bhvad\s+(?:bruges|går|anvendes)\s+{_MONEY}\s+(?:på|til)\b"
    rf"|\bhvad\s+bruger\s+\w+\s+(?:sine\s+|deres\s+)?{_MONEY}\s+på\b"
    r"|\b(?:fordeling\w*|fordeles\b|fordelt\b)"
    r"|\bbreakdown\b|\bbroken\s+down\b"
    r"|\bwhere\s+(?:does|do|is|are)\s+(?:all\s+)?(?:the\s+)?(?:money|budget|funds?)\b"
    r"|\bwhat\s+(?:is|are|does)\s+(?:all\s+)?(?:the\s+)?(?:money|budget|funds?)\s+"
    r"(?:spent|used|going)\b",
    re.I,
)  # fmt: skip
#: "hvem får mest?", "who gets the most": a ranking of the areas without naming them.
WHO_GETS = re.compile(r"\bhvem\s+(?:får|bruger|koster)\b|\bwho\s+(?:gets|spends|costs)\b", re.I)
HOW = frozenset({stem("hvordan")})  # "hvordan er budgettet fordelt" ("how" is a stopword)
#: "pr. indbygger", "per citizen", "pr. medarbejder": a figure per head, which the budgets
#: do not give (they hold no head counts): the card's total is said not to be it.
PER_UNIT = re.compile(
    r"\b(?:pr\.?|per)\s+(indbygger|borger|citizen|inhabitant|resident|capita|person|"
    r"medarbejder|ansat|ansatte|employee|elev|pupil|barn|child)\w*", re.I,
)  # fmt: skip
_PER_UNITS = (("medarbejder ansat employee", "medarbejder", "medarbejdertal"),
              ("elev pupil", "elev", "elevtal"), ("barn child", "barn", "børnetal"))  # fmt: skip


def per_terms(text: str) -> frozenset[str]:
    """The stems of "pr. indbygger" and of what it is per: the question's unit, not its topic."""
    units = {stem(m.group(1).casefold()) for m in PER_UNIT.finditer(text)}
    return frozenset(units | {"pr", "per"}) if units else frozenset()


def per_unit(word: str) -> tuple[str, str]:
    """The unit a "pr. …" asks for, in Danish, and the counts it would need."""
    low = word.casefold()
    for words, unit, counts in _PER_UNITS:
        if any(low.startswith(w) for w in words.split()):
            return unit, counts
    return "indbygger", "indbyggertal"


#: Words that join two things asked about: "brandvæsen og IT", "fire service and IT",
#: "Jobcenter eller Borgerservice", "IT vs HR", "mere til Økonomi end Borgerservice", "IT/HR".
AND = re.compile(r"\b(?:og|samt|and|eller|or|versus|vs|end|than)\b|[,&+/]", re.I)
_TOP_N = re.compile(
    r"\b(?:top|de|the)\s+(\d{1,2}|\w+)\b|\b(\d{1,2})\s+(?:størst|mindst|larg|small|big)", re.I
)


@dataclass(frozen=True)
class Intent:
    """What a question asks of the amounts table."""

    kind: str  # total | ranking | threshold | group | amount | share
    areas: tuple[str, ...] = ()  # titles it names (amount, share) or the group's titles
    descending: bool = True
    limit: int | None = None
    low: int | None = None
    high: int | None = None
    position: int | None = None  # a ranking's one place asked for: 2 for "næststørste"
    one: bool = False  # a ranking asks for one area ("største område", "largest area")
    versus: bool = False  # areas set side by side ("sammenlign X og Y"): no sum, 2: difference
    breakdown: bool = False  # the whole budget by area ("hvor går pengene hen?"): every area


@functools.cache
def english_names() -> dict[str, tuple[str, ...]]:
    """English words and phrases for Danish title words (index/data/glossary.toml)."""
    raw = resources.files("index").joinpath("data/glossary.toml").read_text(encoding="utf-8")
    table = tomllib.loads(raw).get("english", {})
    return {k.casefold(): tuple(stem(w) for w in v.split()) for k, v in table.items()}


@functools.lru_cache(maxsize=4096)
def title_words(title: str) -> frozenset[str]:
    """An area title's distinctive terms (generic words like "område" left out)."""
    terms = {t.text for t in analyze(title) if t.kind == "word"}
    return frozenset(terms - GENERIC) or frozenset(terms)


@functools.cache
def _english_patterns() -> tuple[tuple[str, re.Pattern[str], tuple[str, ...], frozenset[str]],
                                 ...]:  # fmt: skip
    return tuple((phrase, re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)"), words,
                  frozenset(t.text for t in analyze(phrase)))
                 for phrase, words in english_names().items())  # fmt: skip


def typed_terms(text: str) -> set[str]:
    """The query's own stems, and the Danish words for English names in it, which stand for
    the English words ("fire service" is brandvæsen, not "fire" and "service" left over as a
    topic beside it: "how much for the fire service and IT" asks for two areas, as its
    Danish counterpart "hvor meget til brandvæsen og IT")."""
    low = text.casefold()
    terms = {t.text for t in analyze(text)}
    english: set[str] = set()
    danish: set[str] = set()
    for phrase, pattern, words, own in _english_patterns():
        if phrase in low and pattern.search(low):  # the substring test spares most regexes
            danish.update(words)
            english |= own - set(words)
    return (terms - english) | danish


def read_intent(text: str, expanded: set[str], titles: list[str],
                usage: Callable[[str], Counter] | None = None) -> Intent | None:  # fmt: skip
    """The kind of budget question `text` asks, or None when it asks none. `expanded`: the
    query's other forms (spelling, variants: "jobcentret" names Jobcenter). `usage(term)`:
    how many passages of each area use the term."""
    typed = typed_terms(text)
    terms = typed | expanded
    budget = bool(terms & BUDGET_WORDS)
    totalish = bool(TOTAL.search(text))
    df = Counter(t for title in set(titles) for t in title_words(title))
    title_vocab = set(df)
    topical = typed - BUDGET_WORDS - GENERIC - TOTAL_WORDS - QUESTION_WORDS - title_vocab
    topical = {t for t in topical if not _variant_of(t, title_vocab) and not t.isdigit()}
    named = named_areas(terms, titles, df)
    if named:  # "brandvæsen og IT", "Jobcenter, Borgerservice og IT": the others beside it
        named = _areas_beside(text, named, titles, df)
    group = _group(terms, titles, df) if not named else ()
    scope = tuple(named or group)
    bounds = _bounds(text)
    if bounds is not None:
        return Intent("threshold", scope if group else (), low=bounds[0], high=bounds[1])
    areaish = bool(terms & GENERIC) or budget or bool(group) or bool(WHO_GETS.search(text))
    largest, smallest = LARGEST.search(text), SMALLEST.search(text)
    ordinal = _ORDINAL.search(text)
    if ordinal and areaish and not named:
        raw = (ordinal.group(1) or ordinal.group(2)).casefold()
        place = int(raw) if raw.isdigit() else ORDINALS[raw]
        if 1 <= place <= 100:
            return Intent("ranking", group, descending=bool(ordinal.group(3)), position=place)
    if (largest or smallest) and areaish and not named:
        # "største" unless only "mindste" is asked, or asked first
        descending = not smallest or bool(largest and largest.start() < smallest.start())
        return Intent("ranking", group, descending=descending, limit=_limit(text),
                      one=bool(ONE_AREA.search(text)) and not MANY_AREAS.search(text))
    breakdown = BREAKDOWN.search(text)
    if breakdown and budget and not named:
        rest = typed_terms(text[: breakdown.start()] + " " + text[breakdown.end():])
        if not (rest - BUDGET_WORDS - GENERIC - TOTAL_WORDS - QUESTION_WORDS - title_vocab - HOW):
            return Intent("ranking", group, breakdown=True)
    if SHARE.search(text) and scope:
        return Intent("share", scope)
    if named and (budget or not _extra_words(typed, named, title_vocab, topical)):
        if budget or all(_names_fully(terms, n, usage) for n in named):
            return Intent("amount", named, versus=_versus(text, named))
    if group and (budget or totalish):
        return Intent("group", group)
    if (budget or totalish) and not topical and not (typed & title_vocab):
        return Intent("total")
    return None


def _versus(text: str, named: tuple[str, ...]) -> bool:
    """Areas set side by side: compared ("sammenlign", "vs") or ranked ("hvem får mest")."""
    return len(named) >= 2 and any(p.search(text) for p in (COMPARE, LARGEST, SMALLEST))


def named_areas(terms: set[str], titles: list[str], df: Counter) -> tuple[str, ...]:
    """The one area the query names: every distinctive word of its title, or a word no other
    title has ("brandvæsen"); the best-covered title when several qualify."""
    best: tuple[float, str] | None = None
    for name in dict.fromkeys(titles):
        words = title_words(name)
        hit = words & terms
        if hit and (hit == words or any(df[t] == 1 for t in hit)):
            score = len(hit) / len(words) + sum(1 / df[t] for t in hit)
            if best is None or score > best[0]:
                best = (score, name)
    return (best[1],) if best else ()


#: The most areas one question names side by side ("Jobcenter, Borgerservice og IT").
MAX_NAMED = 6


def _areas_beside(text: str, named: tuple[str, ...], titles: list[str], df: Counter
                  ) -> tuple[str, ...]:  # fmt: skip
    """The areas the question names beside the first, each joined to the others ("og",
    "and", a comma): read one by one from the words outside the titles found so far."""
    while len(named) < MAX_NAMED:
        more = _second_area(text, named, titles, df)
        if not more:
            return named
        named += more
    return named


def _second_area(text: str, found: tuple[str, ...], titles: list[str], df: Counter
                 ) -> tuple[str, ...]:  # fmt: skip
    """Another area the question names beside those `found`, joined to them ("og", "and", a
    comma): read from the words typed outside their titles' ("Demografipulje – Børn- og
    Familieområdet" is one title, not Børn og Familie as well)."""
    own = {w for title in found for w in title_words(title)}

    def outside(word: str) -> bool:
        return not any(t.text in own or _variant_of(t.text, own) for t in analyze(word))

    rest = " ".join(w for w in re.findall(r"[^\s/]+|/", text) if outside(w))  # "IT/HR": two
    if not AND.search(rest):
        return ()
    second = named_areas(typed_terms(rest) - own, titles, df)
    return second if second and second[0] not in found else ()


#: Without a budget word, one word of a longer title names the area only when most passages
#: that use it are that area's: "brandvæsen" names Vestsjællands Brandvæsen, "personale" (said
#: all over the document) does not name HR og Personale.
OWN_SHARE = 0.5


def _names_fully(terms: set[str], title: str, usage: Callable[[str], Counter] | None) -> bool:
    words = title_words(title)
    hit = words & terms
    if hit == words or usage is None:
        return hit == words or usage is None
    for t in hit:
        counts = usage(t)
        total = sum(counts.values())
        if total and counts.get(title, 0) / total >= OWN_SHARE:
            return True
    return False


def _group(terms: set[str], titles: list[str], df: Counter) -> tuple[str, ...]:
    """Areas that share a title word the query uses ("demografipuljerne"): several of them."""
    shared = [t for t in terms if df.get(t, 0) >= 2]
    if not shared:
        return ()
    word = max(shared, key=lambda t: (len(t), t))
    return tuple(dict.fromkeys(t for t in titles if word in title_words(t)))


def _extra_words(typed: set[str], named: tuple[str, ...], title_vocab: set[str],
                 topical: set[str]) -> bool:  # fmt: skip
    """Does the query ask about more than the area ("personale og uddannelse")?"""
    own = set().union(*(title_words(t) for t in named))
    rest = {t for t in topical if not any(_variant_of(t, {w}) for w in own)}
    return bool(rest) or bool((typed & title_vocab) - own)


def _variant_of(term: str, words: set[str]) -> bool:
    """"jobcentr" (Jobcentret) is a form of "jobcent" (Jobcenter): one stem starts the other,
    a few letters apart."""
    return any(
        (term.startswith(w) or w.startswith(term)) and abs(len(term) - len(w)) <= 3
        and min(len(term), len(w)) >= 4
        for w in words
    )


def _limit(text: str) -> int | None:
    m = _TOP_N.search(text)
    if not m:
        return None
    raw = (m.group(1) or m.group(2) or "").casefold()
    n = int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw)
    return n if n and 0 < n <= 100 else None


def _bounds(text: str) -> tuple[int | None, int | None] | None:
    """(low, high) in kr. from "over 40 mio. kr.", "under 6 mio.", "mellem 10 og 20 mio."."""
    m = _RANGE.search(text)
    if m and (m.group("unit1") or m.group("unit2")):
        unit = m.group("unit2") or m.group("unit1")
        a = _kr(m.group("num1"), m.group("unit1") or unit)
        b = _kr(m.group("num2"), unit)
        return min(a, b), max(a, b)
    low = high = None
    for pattern in (_ABOVE, _BELOW):
        m = pattern.search(text)
        if m and m.group("unit1"):
            value = _kr(m.group("num1"), m.group("unit1"))
            if pattern is _ABOVE:
                low = value
            else:
                high = value
    return (low, high) if low is not None or high is not None else None


def _kr(number: str, unit: str | None) -> int:
    """The amount in whole kr., exactly, however large: "over 99999999999999999999999 mio." is
    a bound no area reaches (the answer says so), not a question without one."""
    word = re.match(r"[a-zæøå]*", (unit or "kr").casefold()).group()  # type: ignore[union-attr]
    scale = next((s for prefix, s in _SCALE if word.startswith(prefix)), 1)
    digits = re.sub(r"\s", "", number)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits):  # "over 50,000": thousands, as typed in English
        digits = digits.replace(",", "")
    return kroner(digits, scale)
