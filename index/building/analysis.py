"""Danish text analysis: what Elasticsearch's `danish` analyser does, and where it fails Danes.

On top of lowercase + stopwords + snowball:
- acronyms and names with inner capitals or digits (DUT, MitID, NIS2, DK2020, eDoc) are kept whole;
- compounds are split into known parts, from the corpus's own vocabulary and the linking
  letters -s- and -e- ("arbejdsgiverrefusion" also indexes arbejdsgiver and refusion);
- suspended compounds are completed ("barsels-, langtidssygdom- og fleksjobpulje" also indexes
  barselspulje and langtidssygdomspulje; "Børn- og Familieområdet" also børneområdet);
- stemming is applied to a fixpoint, so "brandvæsen" and "brandvæsenet" meet.

One pure function, `analyze`, does it all; `DanishAnalyzer` adapts it to Whoosh.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import Stemmer
import wordfreq
from whoosh.analysis import Analyzer, Token
from whoosh.lang import stopwords_for_language

#: Bump when analysis changes what is indexed: `budget-search index` then rebuilds fully.
#: 12: agent nouns keep their own stem (AGENT_NOUN: "politikerne" is not "politikken");
#: 11: each passage's share of text repeated under several areas (repeats.py, repeated.npy);
#: 10: compounds split into words, not stems (wordfreq); 9: PyStemmer
VERSION = "da-12"

STOPWORDS: frozenset[str] = frozenset(stopwords_for_language("da")) | frozenset(
    # English function words, for questions asked in English ("how much is spent on IT?")
    "the a an of on in is are was for to and or how what much many which who does do".split()
)
#: The Snowball project's own Danish stemmer in C (PyStemmer), ~20x Whoosh's pure-Python port:
#: a cold query stems its words and every shown passage's (highlights, answer cards). The same
#: stems on every real word of the seed, the dev sets and the tests (the ports differ only on
#: vowel-less strings); pinned, since a newer Snowball changes some ("succes").
#: Its stemmer objects are not thread-safe: one per thread.
_stemmers = threading.local()


def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "danish", None)
    if stemmer is None:
        stemmer = _stemmers.danish = Stemmer.Stemmer("danish", 0)  # no cache: stem() has one
    return stemmer.stemWord(word)

_WORD = re.compile(r"[^\W_]+")
#: A word whose hyphen is left hanging before "og", "eller" or a comma: a suspended compound.
_SUSPENDED = re.compile(r"\s*-\s*(?:,\s*|(?:og|eller|samt|&)\s+)", re.IGNORECASE)
LINKING = ("s", "e")
MIN_PART = 3  # shortest compound part that must be a known word
MIN_FREE_PART = 4  # shortest part accepted without being known (when the other part is)
MIN_COMPOUND = 7
#: Longer "words" are not split: real compounds stay far below it (the longest in Danish
#: dictionaries have about 50 letters), and splitting recurses once per part.
MAX_COMPOUND = 64
#: Weight of an indexed term by origin: a compound's part is weaker evidence than a whole word.
KIND_WEIGHT = {"word": 1.0, "part": 0.5, "suspended": 0.8}
#: A word this frequent in Danish (wordfreq's Zipf scale: 4.5 = 30 per million words) is a word
#: of its own, not split however it reads: "indeholder" (inde|holder), "deltager", "Sjælland",
#: "antallet" (antal|let), "digitale" (digi|tale). The compounds people search for are rarer
#: ("kommunalvalg" 3.1, "ventetid" 4.0, "arbejdsmiljø" 4.1) and stay split.
LEXICALISED_ZIPF = 4.5
#: A modifier taken from wordfreq's list alone must be this frequent; a short one (under
#: MIN_LISTED letters) more so: the list holds scraps and names ("ang", "demo", "tall", "deri"
#: 3.3-3.9), while the short words that modify compounds are common ("køre", "syge", "mad").
LISTED_ZIPF = 2.5
SHORT_LISTED_ZIPF = 4.5
MIN_LISTED = 5
MIN_LISTED_HEAD = 6  # shortest head taken from it alone ("dige", "lige", "enter" are listed)
#: Danish verbal particles and prefixes that the stopword list lacks: "fremkommer",
#: "gennemføre", "sammenhængende", "imødekomme" are verbs, not compounds.
PARTICLES = frozenset("frem gennem fort hen sam kon inde ude fore bag mis sær mer imøde "
                      "sammen tilbage tilrette hver ved".split())  # fmt: skip


@functools.cache
def listed_words() -> dict[str, float]:
    """Danish words wordfreq lists (Zipf 2.5 and up, about 30,000), with their Zipf frequency:
    the parts a compound may be made of beside the corpus's own words ("vej|vedligeholdelse",
    "direktør|løn", "energi|forbrug"), which a corpus that never writes them alone cannot give."""
    return {w: math.log10(f) + 9 for w, f in wordfreq.get_frequency_dict("da").items()
            if len(w) >= MIN_PART and w.isalpha()}  # fmt: skip


class Term(NamedTuple):
    """One indexed or queried term and where it came from in the text (a named tuple: a
    build makes one per word of every passage, three times faster than a frozen dataclass)."""

    text: str
    pos: int
    start: int
    end: int
    kind: str = "word"  # word | part | suspended


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def is_protected(word: str) -> bool:
    """Acronyms and brand-like names: keep them whole and unstemmed (DUT, MitID, NIS2, eDoc)."""
    if any(c.isdigit() for c in word):
        return True
    uppers = sum(c.isupper() for c in word)
    return uppers >= 2 or (uppers == 1 and not word[0].isupper())


#: Derivational endings snowball leaves on: "rekruttering" should meet "rekruttere".
DERIVATIONAL = ("ning", "ing", "else")
MIN_DERIVED_BASE = 5


#: Nouns for who practises a field, which Snowball strips to the field: "politikerne" (the
#: politicians) would meet "politikken" (the policy) and "beskæftigelsespolitik", so that "hvad
#: koster politikerne" found the job centre's policy first. They keep their own stem, in
#: every inflection and at the end of a compound ("lokalpolitikere").
AGENT_NOUN = re.compile(
    r"(politiker|tekniker|mekaniker|musiker|kritiker|akademiker|statistiker|fysiker|praktiker)"
    r"(?:e|en|ens|ne|nes|es|s)?$", re.IGNORECASE,
)


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Danish to a fixpoint, so that inflections of one word share a stem, then one
    derivational ending off ("udvikling" and "udvikle" both give "udvikl"); an agent noun
    keeps its own (AGENT_NOUN)."""
    agent = AGENT_NOUN.search(word)
    if agent:
        return word[: agent.end(1)]
    current = _fixpoint(word)
    for suffix in DERIVATIONAL:
        if current.endswith(suffix) and len(current) - len(suffix) >= MIN_DERIVED_BASE:
            return _fixpoint(current[: -len(suffix)])
    return current


def _fixpoint(word: str) -> str:
    current = word
    for _ in range(3):
        nxt = _stem(current)
        if nxt == current or len(nxt) < 4:
            break
        current = nxt
    return current


class Vocabulary:
    """Known words of a corpus: the raw material for compound splitting."""

    def __init__(self, words: Iterable[str] = ()):
        known: set[str] = set()
        cased: dict[str, str] = {}
        # each distinct word once, in first-seen order (a corpus repeats its words ~100 times)
        for word in dict.fromkeys(words):
            w = word.casefold()
            if len(w) >= MIN_PART and w.isalpha() and w not in STOPWORDS:
                known.add(w)
                if is_protected(word):
                    cased.setdefault(w, word)
        self.words = frozenset(known)
        self.cased = cased  # how the corpus writes its acronyms and names: mitid -> MitID
        self.stems = frozenset(stem(w) for w in known)

    def __contains__(self, word: str) -> bool:
        return word in self.words or stem(word) in self.stems

    def __len__(self) -> int:
        return len(self.words)

    def listing(self) -> list[str]:
        """The words as stored in an index: as the corpus writes them where case matters."""
        return sorted(self.cased.get(w, w) for w in self.words)

    def _modifiers(self, modifier: str) -> list[str]:
        """The modifier as written and without a linking letter, the known form first."""
        out = [modifier]
        if len(modifier) > MIN_PART + 1 and modifier[-1] in LINKING:
            stripped = modifier[:-1]
            out.insert(0 if stripped in self.words else 1, stripped)
        return out

    def _is_word(self, part: str) -> bool:
        """A modifier must be a word, the corpus's or wordfreq's, not just share a stem with one
        ("afdel" of afdelingen, "begræn" of begrænset): a word as written, or one that drops
        its final -e before the linking -s- ("arbejd|s|giver" of arbejde). Verbal particles
        make verbs, not compounds ("frem|kommer", "gennem|føre")."""
        if part in PARTICLES:
            return False
        listed = listed_words()
        return any(w in self.words or listed.get(w, 0.0) >= (
                       LISTED_ZIPF if len(w) >= MIN_LISTED else SHORT_LISTED_ZIPF)
                   for w in (part, part + "e"))  # fmt: skip

    def _is_head(self, head: str) -> bool:
        """A compound's last part inflects ("udgifter"), so the corpus may know it by stem;
        wordfreq's list only as written, and only long words (it lists endings and scraps:
        "erne", "ning", "ioner")."""
        return head in self or len(head) >= MIN_LISTED_HEAD and head in listed_words()

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Vocabulary:
        # a repeated text adds no word, nor changes which came first: each is read once
        return cls(w for t in dict.fromkeys(texts) for w in _WORD.findall(normalize(t)))

    @functools.lru_cache(maxsize=100_000)  # noqa: B019 - vocabularies live as long as an index
    def split(self, word: str) -> tuple[str, ...]:
        """Split a compound into known parts, head last; () when it is not a compound.

        A frequent word is whole (LEXICALISED_ZIPF), and an inflected word is no compound of
        its stem and its ending ("kravene" is not krav|ene, "afdelingen" not afdel|ingen)."""
        if not MIN_COMPOUND <= len(word) <= MAX_COMPOUND or not word.isalpha():
            return ()
        zipf = listed_words().get(word, 0.0)
        if zipf >= LEXICALISED_ZIPF:
            return ()
        parts, _ = self._split(word, stem(word))
        # a part the corpus and wordfreq do not know only in a word wordfreq does not list
        # either: "Kalundborg" is no kalund|borg
        if parts and zipf and not all(self._is_word(p) for p in parts[:-1]):
            return ()
        return parts

    @functools.lru_cache(maxsize=100_000)  # noqa: B019 - as split
    def _split(self, word: str, whole: str) -> tuple[tuple[str, ...], bool]:
        """The parts, and whether every modifier is a word: a split of words anywhere beats
        one with an unknown modifier ("læge|erklærings|udgifter", not "lægeerk|lærings|…")."""
        best: tuple[str, ...] = ()
        # Danish compounds are head-final: try the longest known head first.
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            head = word[i:]
            if len(head) < MIN_PART or head in STOPWORDS or not self._is_head(head):
                continue
            modifier = word[:i]
            for candidate in self._modifiers(modifier):
                if len(candidate) < MIN_PART or candidate in STOPWORDS:
                    continue
                if stem(candidate) == whole:  # an ending, not a head: "krav|ene", "pres|set"
                    continue
                if self._is_word(candidate):
                    return (candidate, head), True
                inner, clean = (self._split(candidate, whole) if len(candidate) >= MIN_COMPOUND
                                else ((), False))  # fmt: skip
                if inner and clean:
                    return (*inner, head), True
                if not best and inner:
                    best = (*inner, head)
                # an unknown modifier before a head the corpus knows ("arne|pension"), unless
                # a listed word spans the cut ("effekti|viseringer", "selvfor|sikret")
                if (not best and len(candidate) >= MIN_FREE_PART and len(head) >= MIN_FREE_PART
                        and candidate not in PARTICLES and head in self
                        and not _spanned(word, i)):  # fmt: skip
                    best = (candidate, head)
        return best, False


def _spanned(word: str, cut: int) -> bool:
    """Does a word wordfreq lists (MIN_LISTED letters or more) run across this cut?"""
    listed = listed_words()
    return any(word[a:c] in listed for a in range(cut) for c in range(
        max(cut + 1, a + MIN_LISTED), len(word) + 1))  # fmt: skip


#: A one-letter prefix joined by a hyphen ("a-kasse", "e-Boks", "p-plads"): the letter is what
#: makes the word, so the two are also one word ("akasse"), and "a-kasser" does not find every
#: "kasse".
_LETTER_PREFIX = re.compile(r"(?<![^\W\d_])([^\W\d_])-([^\W\d_]{2,})")


def join_letter_prefix(word: str) -> str:
    """"a-kasser" -> "akasser"; anything else unchanged."""
    m = _LETTER_PREFIX.fullmatch(word)
    return m.group(1) + m.group(2) if m else word


def _words(text: str) -> Iterator[tuple[str, int, int]]:
    letter = None  # a one-letter word right before a hyphen: "A" of "A-kasserne"
    for m in _WORD.finditer(text):
        word, start, end = m.group(), m.start(), m.end()
        if letter is not None and start == letter.end() + 1 and len(word) > 1:
            yield letter.group() + word, letter.start(), end  # "akasserne"
            letter = None
            continue
        letter = None
        if len(word) > 1 or word.isdigit():
            yield word, start, end
        elif word.isalpha() and text[end : end + 1] == "-":
            letter = m


@functools.lru_cache(maxsize=200_000)
def term_forms(word: str, vocab: Vocabulary | None) -> list[tuple[str, str]]:
    """The (term, kind) pairs one surface word contributes; the first is the word itself.

    Cached: the same words recur across passages, and highlighting re-analyses every hit.
    Callers must not mutate the list."""
    if is_protected(word):
        return [(word.casefold(), "word")]
    lower = word.casefold()
    if lower in STOPWORDS:
        return []
    forms = [(stem(lower), "word")]
    if vocab is not None:
        parts = vocab.split(lower)
        if len(parts) > 2:  # the modifier is a compound too: "sundhedsklynge|samarbejde"
            parts = (*parts, lower[: -len(parts[-1])])
        for part in parts:
            p = stem(part)
            if p != forms[0][0] and (p, "part") not in forms:
                forms.append((p, "part"))
    return forms


def analyze(text: str, vocab: Vocabulary | None = None) -> list[Term]:
    """Text → terms with positions. Stopwords take no position, so phrases skip them."""
    text = normalize(text)
    words = list(_words(text))
    terms: list[Term] = []
    pos = 0
    pending: list[tuple[str, int, int]] = []  # modifiers of a suspended compound
    for word, start, end in words:
        forms = term_forms(word, vocab)
        if not forms:
            continue
        for t, kind in forms:
            terms.append(Term(t, pos, start, end, kind))
        suspended = _SUSPENDED.match(text, end) is not None
        if pending and not suspended:
            head = _head(word.casefold(), vocab)
            if head:
                for mod, mstart, mend in pending:
                    for completed in _complete(mod, head):
                        terms.append(
                            Term(stem(completed), mpos(terms, mstart), mstart, mend, "suspended")
                        )
            pending = []
        if suspended and not is_protected(word):
            pending.append((word.casefold(), start, end))
        pos += 1
    return terms


def mpos(terms: list[Term], start: int) -> int:
    for t in terms:
        if t.start == start:
            return t.pos
    return 0


def _head(compound: str, vocab: Vocabulary | None) -> str:
    if vocab is not None:
        parts = vocab.split(compound)
        if parts:
            return parts[-1]
    return ""


def _complete(modifier: str, head: str) -> list[str]:
    forms = [modifier + head]
    if modifier[-1] not in LINKING:
        forms += [modifier + link + head for link in LINKING]
    return forms


class DanishAnalyzer(Analyzer):
    """Whoosh adapter for `analyze`. The vocabulary is set for writing and not pickled."""

    def __init__(self, vocab: Vocabulary | None = None):
        self.vocab = vocab

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.vocab = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DanishAnalyzer)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term in analyze(value, self.vocab):
            token.text = term.text
            token.boost = KIND_WEIGHT[term.kind]
            token.stopped = False
            if keeporiginal:
                token.original = value[term.start : term.end]
            if positions:
                token.pos = start_pos + term.pos
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token
