"""Whose budget a sentence states: the names of areas as the text writes them.

"Økonomiudvalget har et nettobudget på …", "Kultur- og Fritidsudvalgets korrigerede budget
udgør …", "Budgettet for ældreområdet er …": the subject binds the amount, and it must be the
area it stands under ("Området", "Udvalget") or one whose name fits ("Jobcentret" / "Jobcenter").
"""

from __future__ import annotations

import re

#: Whose budget a sentence states, written before the amount.
_SUBJECT_HAR = re.compile(
    r"(?P<who>[^\s,;:].*?)\s+har\s+(?:i\s+(?:\d{4}|år)\s+)?(?:et|en|samlet)?\s*"
    r"(?:samlet\s+)?(?:korrigeret\s+)?(?:netto\w*|samlet\s+)?budget",
    re.IGNORECASE,
)
_SUBJECT_GENITIVE = re.compile(
    r"(?P<who>\S.*?s)\s+(?:samlede\s+|korrigerede\s+|oprindelige\s+|vedtagne\s+)*"
    r"(?:netto\w*|budget\w*|drift\w*)",
    re.IGNORECASE,
)
#: "Til sammenligning har Dagtilbud et nettobudget", "I 2024 har Ældreområdet et budget":
#: the name after "har", the verb before its subject.
_SUBJECT_HAR_AFTER = re.compile(
    r"\bhar\s+(?P<who>[A-ZÆØÅ][\w-]*(?:\s+(?:og|&|for|til)\s+[\w-]+|\s+[A-ZÆØÅ][\w-]*)*)\s+"
    r"(?:i\s+(?:\d{4}|år)\s+)?(?:et|en)\s+(?:samlet\s+)?(?:korrigeret\s+)?(?:netto\w*|budget)",
)
_SUBJECT_FOR = re.compile(
    r"(?:(?:netto)?budget(?:tet|ter)?|(?:netto)?(?:drifts)?udgift(?:er|erne)?)\s+(?:for|til)\s+"
    r"(?P<who>.+?)\s*"
    r"(?:\b(?:udgør|udgjorde|er|var|på|lyder|ligger|i\s+alt)\b|:)",
    re.IGNORECASE,
)
#: Subjects that are the area itself (bind to its heading), or the whole municipality (never).
_THIS_AREA = frozenset(
    "området områdets udvalget udvalgets budgettet nettobudgettet politikområdet "
    "bevillingsområdet det den der vi centret afdelingen enheden budget nettobudget "
    "driftsbudgettet bevillingen område udvalg politikområde bevillingsområde".split()
)
#: A subject that is a time, not a name: "budgettet for 2024", "for år 2024", "for 2024-2027".
_TIME = re.compile(r"^(?:år\s+|året\s+)?(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)?\d\d)?$|^året$",
                   re.IGNORECASE)  # fmt: skip
#: Words that open a sentence but no name ("Det samlede område har …", "Vi har et budget …").
_NOT_NAME_START = frozenset(
    "det den de dette denne disse der her hertil vi i samlet til efter derudover desuden "
    "endvidere herudover og men samtidig heraf hvoraf man hun han de".split()
)
#: Quantifiers opening a subject: "Hver skole", "Alle klubber", "Flere institutioner".
_EACH = re.compile(r"(?:^|\s)(?:hver|hvert|enhver|ethvert|alle|nogle|mange|flere|begge|"
                   r"de\s+fleste)\s+[\w-]+(?:\s+[\w-]+)?$", re.IGNORECASE)  # fmt: skip
_WHOLE = re.compile(r"^(?:kommunen|kommunens|byrådet|hele\s+kommunen|[\w-]+\s+kommune)$",
                    re.IGNORECASE)  # fmt: skip
_NAME_JOINERS = frozenset("og & , - – for til i med af".split())


def name_before(text: str) -> str:
    """The name that ends `text` ("... mens Kultur- og Fritidsudvalgets" → "Kultur- og
    Fritidsudvalgets"): capitalised words and the small words that join them."""
    words = text.split()
    kept: list[str] = []
    for word in reversed(words):
        bare = word.strip("()\"'“”»«")
        if not bare:
            break
        if bare[0].isupper() or bare[0].isdigit() or bare.endswith("-"):
            kept.append(bare)
        elif bare.casefold() in _NAME_JOINERS and kept:
            kept.append(bare)
        else:
            break
    while kept and kept[-1].casefold() in _NAME_JOINERS:
        kept.pop()
    return " ".join(reversed(kept)).strip(" ,")


def base_name(name: str) -> str:
    """A name without its genitive s ("Økonomiudvalgets" → "Økonomiudvalget")."""
    if re.search(r"(?:et|en|ne|de|ret|ger|ter)s$", name) and len(name) > 4:
        return name[:-1]
    return name


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text).strip().casefold()


def same_name(a: str, b: str) -> bool:
    """Whether two ways of writing a name are one ("Økonomiudvalget" / "Økonomiudvalgets
    budget" / "Jobcentret" for "Jobcenter"): one contains the other, word-aligned at its
    start, with at least five letters in common."""
    x, y = _norm(base_name(a)), _norm(base_name(b))
    if not x or not y:
        return False
    if _contains(x, y):
        return True
    # "Skoleområdet" under "Skoler", "Ældreområdets" under "Ældre og omsorg": the area word
    # of a compound is the area itself
    sx, sy = _AREA_WORD.sub(r"\g<stem>", x), _AREA_WORD.sub(r"\g<stem>", y)
    if (sx, sy) != (x, y) and _contains(sx, sy):
        return True
    # "Jobcentret" under "Jobcenter": the definite form of a noun in -er drops its e
    dx, dy = _DEFINITE_ER.sub(r"\g<stem>er", x), _DEFINITE_ER.sub(r"\g<stem>er", y)
    return (dx, dy) != (x, y) and _contains(dx, dy)


#: A one-word name in the definite form of a noun in -er: "jobcentret", "teatret" (normalised).
_DEFINITE_ER = re.compile(r"^(?P<stem>\w{4,}[^\Wer])ret$")


#: A one-word name that says "the area of": "skoleområdet", "ældreområdets" (normalised).
_AREA_WORD = re.compile(r"^(?P<stem>\w{5,}?)område(?:t|ts|rne|rnes)?$")


def _contains(x: str, y: str) -> bool:
    short, long_ = sorted((x, y), key=len)
    return len(short) >= 5 and (long_.startswith(short) or f" {short}" in f" {long_}")


def _whole_phrase(who: str) -> bool:
    """Whether the words before "har" are a name as they stand: the sentence opens with them
    ("Kultur og fritid har et nettobudget"), a few words, capitalised, no digits."""
    words = who.split()
    return (0 < len(words) <= 6 and who[:1].isupper() and not re.search(r"\d|[,;:]", who)
            and words[0].casefold() not in _NOT_NAME_START)  # fmt: skip


def subject_of(clause: str) -> str | None:
    """Who the clause says the budget is of: a name, "" for the area it stands under, or None
    for nobody we can bind (the municipality as a whole)."""
    for pattern in (_SUBJECT_FOR, _SUBJECT_HAR_AFTER, _SUBJECT_HAR, _SUBJECT_GENITIVE):
        m = pattern.search(clause)
        if not m:
            continue
        who = m.group("who").strip()
        if pattern is _SUBJECT_FOR and _TIME.match(who):
            return ""  # "budgettet for 2024 udgør": the area it stands under, in a year
        if pattern is _SUBJECT_HAR and _EACH.search(who):
            return None  # "Hver skole har et budget på …": each one's, no area's
        if pattern is _SUBJECT_HAR and _whole_phrase(who):
            pass  # "Kultur og fritid har et nettobudget på …"
        elif pattern is not _SUBJECT_FOR:
            who = name_before(who)
        key = who.casefold()
        if not who or key in _THIS_AREA or key.split()[-1] in _THIS_AREA:
            return ""
        if _WHOLE.match(key):
            return None
        if pattern is _SUBJECT_FOR and (who[:1].islower() and " " not in who):
            return who  # "budgettet for ældreområdet"
        return base_name(who)
    if _MUNICIPALITY.search(clause):
        return None  # "Byrådet har vedtaget et budget med en samlet nettodrift på …"
    return ""


#: The area or committee a text is about, named as itself ("Udvalgets budget", "Området har").
_SELF = re.compile(
    r"\b(?:udvalg(?:et|ets)|områd(?:et|ets)|politikområd(?:et|ets)|bevillingsområd(?:et|ets)|"
    r"centret|centrets|afdelingen|afdelingens)\b",
    re.IGNORECASE,
)


def names_itself(clause: str) -> bool:
    """Whether a budget sentence names its subject as the text's own area or committee
    ("Udvalgets korrigerede budget …"), not leaving it unsaid ("Det samlede nettobudget …",
    which may be the municipality's)."""
    return bool(_SELF.search(clause))


_MUNICIPALITY = re.compile(r"\b(?:kommunen|kommunens|byrådet|byrådets)\b", re.IGNORECASE)
