"""Danish query expansion: each typed word as a group of weighted terms.

The word itself, its compound parts, the corpus's compounds that start or end with it,
derivational variants, glossary expansions, and a spelling correction when the corpus does not
know the word at all. What the terms weigh and how they are scored is search.keyword's job.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from wordfreq import get_frequency_dict, zipf_frequency

from index.building.analysis import (
    AGENT_NOUN,
    LINKING,
    MIN_FREE_PART,
    MIN_PART,
    STOPWORDS,
    is_protected,
    join_letter_prefix,
    stem,
    term_forms,
)
from search import glossary
from search.query import ParsedQuery
from search.snapshot import Snapshot

#: The kinds of term that mean a passage holds the typed word itself (or a Danish form of it,
#: alone or inside one of the passage's compounds). A part of a typed compound ("havn" of
#: "havnebad") or a glossary expansion is evidence for ranking, not a match to label "exact".
STRONG_KINDS = frozenset({"word", "join", "spelling", "compound", "prefix", "variant"})
MIN_EXPAND = 4  # shortest word whose compounds are looked up
LONG_WORD = 6  # a typed word this long heads compounds even when their rest is unknown


@dataclass
class Expansion:
    """What the query was turned into: terms by kind, and any spelling corrections made."""

    groups: list[dict[str, str]] = field(default_factory=list)  # per query word: term -> kind
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> corrected word
    #: typed words that neither the corpus nor a Danish or English word list knows, and that
    #: no correction explains: a query of nothing else is nonsense ("xyzzy", "qwxz plorf")
    unknown: list[str] = field(default_factory=list)
    typed: int = 0  # how many content words were typed
    #: per group, how much it says about the topic by how rare its word is in Danish at
    #: large (see `general_weight`); groups without one weigh 1
    general: list[float] = field(default_factory=list)

    @property
    def nonsense(self) -> bool:
        return self.typed > 0 and len(self.unknown) == self.typed

    @property
    def terms(self) -> set[str]:
        return {t for g in self.groups for t in g}

    def weight(self, group: dict[str, str]) -> float:
        """The group's `general_weight` (1 when it has none)."""
        for g, w in zip(self.groups, self.general, strict=False):
            if g is group:
                return w
        return 1.0

    @property
    def typed_groups(self) -> list[dict[str, str]]:
        """The groups of words the user typed (not the glossary's added abbreviations)."""
        return [g for g in self.groups if any(kind != "glossary" for kind in g.values())]


def expand(parsed: ParsedQuery, snap: Snapshot, *, partial_last: bool = False) -> Expansion:
    """Each typed word as a group of terms. `partial_last`: the last word is still being typed
    (search-as-you-type), so it also stands for the corpus's words that start with it."""
    exp = Expansion()
    lexicon = snap.all_terms
    words = [fold_case(w, snap) for w in parsed.words if w and len(w) <= MAX_WORD]
    exp.typed += len(long := [w for w in parsed.words if len(w) > MAX_WORD])
    exp.unknown.extend(long)  # a 2,000-letter "word" is no word: nothing to expand
    english = glossary.english_spans(words, lambda w: _reads_english(w, lexicon))
    skip = 0
    joined_in: dict[str, str] = {}  # the previous word's join with this one ("mit id" -> mitid)
    for i, word in enumerate(words):
        if i < skip:
            continue
        group: dict[str, str] = {}
        carried, joined_in = joined_in, {}
        if i in english:  # English words, searched as the Danish words they stand for
            skip, danish = english[i]
            for d in danish:
                for sub in _subwords(d):
                    _expand_word(sub, snap, lexicon, group, exp)
            exp.typed += 1
            if group:
                exp.groups.append(group)
                exp.general.append(1.0)
            continue
        weight = general_weight(word)
        for sub in _subwords(word):
            _expand_word(sub, snap, lexicon, group, exp, heads=weight >= HEADS_FROM)
        if word.casefold() not in STOPWORDS:
            exp.typed += 1
            if not _known(word, group, snap, lexicon, exp):
                exp.unknown.append(word)
        if partial_last and i == len(words) - 1 and len(word) >= MIN_PREFIX:
            for t in snap.prefixed(word.casefold()):
                group.setdefault(t, "prefix")
        if i + 1 < len(words):  # "mit id" -> mitid: adjacent words the corpus writes as one
            joined = (word + words[i + 1]).casefold()
            if joined.isalnum() and (joined in snap.vocab.words or joined in lexicon):
                group.setdefault(joined if is_protected(joined) else stem(joined), "join")
                group.setdefault(joined, "join")
                joined_in = {t: k for t, k in group.items() if k == "join"}
        # the joined word holds this word too: a passage with "MitID" holds both of "mit id"
        # (issue 30), so its coverage, and whether it is an exact match, counts them both; a
        # word too common to search for ("med" of "der med" -> dermed) stays out of it
        if group:
            for t, kind in carried.items():
                group.setdefault(t, kind)
        if group:
            exp.groups.append(group)
            exp.general.append(weight)
    all_terms = exp.terms
    for entry in glossary.abbreviations_in(all_terms):
        exp.groups.append({entry.abbreviation.casefold(): "glossary"})
    return exp


#: A typed word as common as this in Danish at large (wordfreq's Zipf scale) says little of
#: what the query is about, however rare in the documents ("nye", "betyder", "flere" in a
#: question about the new law on the elderly): its weight falls linearly from 1 at COMMON_FROM
#: to MIN_GENERAL at COMMON_TO, for which share of the typed words a passage holds (exact or
#: related). A background IDF beside the documents' own, which a small corpus cannot give.
#: Measured (hybrid passage nDCG@10 / P@3): dev_persona 0.886 / 0.792 -> 0.909 / 0.792, our
#: judged_passages 0.830 / 0.768 -> 0.838 / 0.768, judged_unseen 0.636 / 0.615 -> 0.650 /
#: 0.615, semantic mode more (dev_persona 0.890 / 0.750 -> 0.930 / 0.792); nothing worse, no
#: false hit. COMMON_TO 6.5 did as well on the dev sets but cost judged_unseen a vague question
#: ("hvordan håndteres flere ældre …"); 7.0 and a floor of 0.35 at 6.5 do the same.
COMMON_FROM = 3.5
COMMON_TO = 7.0
MIN_GENERAL = 0.2


def general_weight(word: str) -> float:
    """1 for a rare or unknown word, down to MIN_GENERAL for the most common ones. A word is
    as common as its most common inflection ("håndteres" as "hånd…", "seniorer" as "senior"):
    wordfreq lists forms, not lemmas."""
    lower = word.casefold()
    root = stem(lower)
    zipf = max(zipf_frequency(w, "da") for w in (lower, *(root + e for e in _INFLECTIONS)))
    share = (COMMON_TO - zipf) / (COMMON_TO - COMMON_FROM)
    return min(1.0, max(MIN_GENERAL, share))


_INFLECTIONS = ("", "e", "er", "en", "et", "es", "r", "ede", "ene", "erne")

#: A corpus word this common in Danish at large (Zipf, its most common inflection) is a word
#: of its own, not a kind of the typed word it starts or ends with: "forhold" and "indeholder"
#: are no compounds of "holde", "medarbejder" none of "arbejder". Such a word is left out of
#: the typed word's compounds (it still tells that the corpus knows the word). Measured
#: (passage nDCG@10 / P@3, hybrid): judged_passages 0.927 / 0.830 -> 0.934 / 0.837 (keyword
#: 0.899 / 0.768 -> 0.910 / 0.781), judged_unseen 0.770 / 0.744 -> 0.776 / 0.763,
#: judged_areas_only 0.812 / 0.778 -> 0.823 / 0.796; dev_persona, dev_queries, dev_answers,
#: dev_honesty and judged_queries unchanged in every mode. 4.0 measured the same, 5.0
#: ("forhold" 5.4 alone) changed nothing.
LEXICALISED = 4.5


@functools.lru_cache(maxsize=65536)
def _lexicalised(term: str) -> bool:
    # the frequency table zipf_frequency reads, looked up directly: a typed word's 40-80
    # compounds through zipf_frequency cost 3-7 ms on a query's first sight of them
    freqs = get_frequency_dict("da")
    floor = 10.0 ** (LEXICALISED - 9)  # Zipf = log10(frequency per word) + 9
    return any(freqs.get(term + e, 0.0) >= floor for e in _INFLECTIONS)


#: The most letters a particle or short word adds in front of a word to make another one
#: ("ud|valg": udvalg, "ad|gang": adgang, "sammen|hold").
MAX_FRONT = 6


def _longer_head(term: str, probe: str) -> bool:
    """Whether `term` ends on a common word longer than `probe` that ends on it
    ("økonomiudvalg" on "udvalg", not on "valg"; "borgeradgang" on "adgang"): it is that
    word's compound, another topic than the typed one's ("valg", elections, is no
    "udvalg", a committee)."""
    longest = min(len(term) - 1, len(probe) + MAX_FRONT)
    return any(_lexicalised(term[-n:]) for n in range(len(probe) + 2, longest + 1))


def _reads_english(word: str, lexicon: frozenset[str]) -> bool:
    """A word the documents do not use and that English uses more than Danish: "insurance",
    "staff", "council"; not "rent" (Danish: clean) nor "fire" (four)."""
    lower = word.casefold()
    if lower in STOPWORDS or stem(lower) in lexicon:
        return False
    return zipf_frequency(lower, "en") > zipf_frequency(lower, "da")


MAX_WORD = 64  # longer typed "words" are not expanded (nor stemmed, split or corrected)
MIN_PREFIX = 2  # shortest unfinished word that is expanded as a prefix while typing


def fold_case(word: str, snap: Snapshot) -> str:
    """A word typed in capitals (BORGERSERVICE, HJEMLØSHED) is an ordinary word unless the
    corpus writes it as an acronym (DUT, IT) or it holds a digit (NIS2): caps lock and
    shouting must not turn words into unknown acronyms."""
    if word.isupper() and len(word) > 1 and not any(c.isdigit() for c in word):
        if word.casefold() not in snap.vocab.cased and len(word) > ACRONYM_MAX:
            return word.casefold()
    return word


ACRONYM_MAX = 5  # an unknown all-caps word up to this long may be an acronym (NIS, ESDH)


def _subwords(word: str) -> list[str]:
    """IT-sikkerhed -> IT, sikkerhed; KL's -> KL (a genitive s is no word)."""
    word = join_letter_prefix(word)
    parts = [p for p in word.replace("’", "'").replace("'", "-").split("-") if p]
    return [p for p in parts if len(p) > 1 or p.isdigit()]


#: A typed word whose `general_weight` is below this (one of Danish's commonest: "holde",
#: "gøre", "tage") heads no compounds of the corpus: its compounds ("kontorhold",
#: "partnerskabshold", "fasthold" of "holde") are other topics, and the word weighs little in
#: what the query is about anyway. Measured on top of LEXICALISED (passage nDCG@10 / P@3):
#: judged_unseen hybrid 0.776 / 0.763 -> 0.788 / 0.763 (keyword 0.751 -> 0.763),
#: judged_passages hybrid P@3 0.837 -> 0.843, dev_persona keyword 0.908 / 0.778 -> 0.926 /
#: 0.799 (hybrid 0.944 -> 0.945); dev_queries, dev_answers, dev_honesty, judged_queries and
#: judged_areas_only unchanged. 0.5 cost judged_areas_only keyword 0.691 -> 0.671; 0.6 cost
#: dev_persona hybrid 0.945 -> 0.942.
HEADS_FROM = 0.4


def _expand_word(
    word: str,
    snap: Snapshot,
    lexicon: frozenset[str],
    group: dict[str, str],
    exp: Expansion,
    heads: bool = True,
) -> None:
    """The word's terms into `group`; `heads`: its compounds in the corpus too."""
    forms = term_forms(word, snap.vocab)
    if not forms:
        return
    for term, kind in forms:
        group.setdefault(term, kind)
    entry = glossary.expand(word)
    if entry:
        for t in entry.terms:
            group.setdefault(t, "glossary")
    head = forms[0][0]
    lower = word.casefold()
    if is_protected(word):
        return
    for t in _variants(head, lexicon):
        group.setdefault(t, "variant")
    found = any(t in lexicon for t in group)
    for probe in {head, lower}:
        if len(probe) < MIN_EXPAND:
            continue
        for t in snap.prefixed(probe):
            rest = t[len(probe) :]
            # a long word typed in full may head a compound whose other part is new to us
            free = probe == lower and len(probe) >= LONG_WORD and len(rest) >= MIN_FREE_PART
            if t != head and (free or _known_rest(rest, snap, lexicon, at_start=True)):
                if heads and not _lexicalised(t):
                    group.setdefault(t, "compound")
                found = True
        for t in snap.suffixed(probe):
            if t != head and _known_rest(t[: -len(probe)], snap, lexicon, at_start=False) \
                    and not _longer_head(t, probe):  # fmt: skip
                if heads and not _lexicalised(t):
                    group.setdefault(t, "compound")
                found = True
    for t in glossary.synonyms(head):  # another word for the same thing (after the strong)
        group.setdefault(t, "synonym")
    if not found and lower not in STOPWORDS and len(exp.corrections) < snap.speller.MAX_WORDS:
        fixed = snap.speller.correct(word)
        if fixed:
            exp.corrections[word] = fixed
            for t, _ in term_forms(fixed.casefold(), snap.vocab):
                group.setdefault(t, "spelling")


def _known(word: str, group: dict[str, str], snap: Snapshot, lexicon: frozenset[str],
           exp: Expansion) -> bool:  # fmt: skip
    if any(c.isdigit() for c in word) or any(t in lexicon for t in group):
        return True
    subs = _subwords(word)
    return any(s in exp.corrections or snap.speller.known(s) for s in subs)


VARIANT_BASE = 5  # shortest stem whose derivations are looked up


def _variants(head: str, lexicon: frozenset[str]) -> list[str]:
    """Terms one short derivational ending away from the word's stem, either way: the stemmer
    keeps "Ukrainere" (ukrain) and "ukrainske" (ukrainsk) apart, a reader does not."""
    if len(head) < VARIANT_BASE or not head.isalpha() or AGENT_NOUN.search(head):
        return []  # an agent noun is not its field: "politiker" is no "politik"
    out = [head[: -len(end)] for end in _ENDINGS
           if head.endswith(end) and len(head) - len(end) >= VARIANT_BASE
           and head[: -len(end)] in lexicon]  # fmt: skip
    out += [head + end for end in _ENDINGS if head + end in lexicon]
    return out


#: Endings that make an adjective or agent noun of a stem, after snowball has done its work.
_ENDINGS = ("sk", "isk", "er", "ere", "erne", "ene", "ne", "en", "et", "e", "r", "lig", "ig", "s")


def _known_rest(rest: str, snap: Snapshot, lexicon: frozenset[str], at_start: bool) -> bool:
    """Is `rest` the other part of a compound? The corpus must know it as a word, allowing a
    linking letter and, after a stem, the letters the stemmer cut ("landdistrik|t|s|udvikling").
    This keeps "kommunikation" out of the compounds of "kommune"."""
    candidates = []
    if at_start:
        for slack in range(3):
            r = rest[slack:]
            candidates += [r, r[1:]] if r[:1] in LINKING else [r]
    else:
        candidates += [rest, rest[:-1]] if rest[-1:] in LINKING else [rest]
    return any(
        len(r) >= MIN_PART and (r in snap.vocab or r in lexicon or snap.speller.known(r, parts=2))
        for r in candidates
    )
