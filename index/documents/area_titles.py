"""Area titles: which lines can name an area (short, standing alone, not a heading or a
sentence), the title without its numbering, and whether a net-budget line is the titled
area's. Titles are not matched by name: the same words can also appear as a lead-in inside an
area ("Digitalisering og IT").
"""

from __future__ import annotations

import re

from index.documents.budget_lines import is_amount_statement
from index.documents.clean import SourceLine, bullet_kind, looks_like_title, section_heading
from index.documents.names import same_name, subject_of

#: Lines looked back from a net-budget line for its title, across one or more paragraphs.
TITLE_LOOKBACK = 40


#: "1. ", "3.2 ": the numbering of a numbered heading.
_NUMBERING = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)")


def stands_alone(lines: list[SourceLine], index: int) -> bool:
    return index == 0 or lines[index - 1].blank


#: Dot leaders ending a row's name ("Dagtilbud ........ 412,3" as a PDF's text gives it).
_LEADERS = re.compile(r"\s+(?:\.\s*){3,}$|(?<=\w)\.{3,}\s*$|\s*…+\s*$")


def without_leaders(text: str) -> str:
    """A name without the dot leaders that ran from it to its figure."""
    return _LEADERS.sub("", text)


def title_text(text: str) -> str:
    """An area title without its numbering ("3. Jobcenter" is Jobcenter) and dot leaders."""
    return without_leaders(_NUMBERING.sub("", text.strip()))


#: Abbreviations a title may end on ("Administration m.v.", "Drift m.m.").
_TITLE_ABBREVIATION = re.compile(r"\b(?:m\.v|m\.m|mv|mm|o\.l|m\.fl|mfl|inkl|ekskl|bl\.a)\.$",
                                 re.IGNORECASE)  # fmt: skip


def looks_like_area_title(text: str) -> bool:
    """A line that can name an area when its net-budget line follows it: short, not a
    sentence; it may start in lower case ("eBoks") or with a digit ("3F-aftaler") and end on
    an abbreviation ("Administration m.v.")."""
    text = text.strip()
    core = _TITLE_ABBREVIATION.sub("", text).rstrip()
    return (
        0 < len(text) <= 150
        and 0 < len(text.split()) <= 20
        and text[:1].isalnum()
        and not re.search(r"[.,;:!?\-–]$", core)
        and bullet_kind(text) is None
    )


#: Words no name ends on, a sentence broken across lines in a PDF does ("Området har i 2025
#: et" / "nettobudget på 50,2 mio. kr.", "Jobcentret har budgetansvar for" / "…"): such a
#: line is no title, and an amount under it is no area's named so.
_MID_SENTENCE = re.compile(
    r"\b(?:og|eller|samt|i|på|til|for|af|med|om|fra|ved|mod|efter|hos|en|et|den|det|de|der|"
    r"som|at|er|har|var|blev|kan|skal|vil|ikke|sig|sin|sit|sine|hvor|når|end|and|or|of|the|"
    r"to|in|with|is|has)$",
    re.IGNORECASE,
)


def ends_mid_sentence(text: str) -> bool:
    return bool(_MID_SENTENCE.search(text.strip()))


def title_candidate(lines: list[SourceLine], i: int, anchored: bool = False) -> bool:
    """Whether line `i` can be an area title; `anchored`: its net-budget line follows."""
    line = lines[i]
    if line.blank or not stands_alone(lines, i) or section_heading(line.text) is not None:
        return False
    if ends_mid_sentence(line.text):
        return False
    # a title may start with a formula character ("=Formel"): its own area, not merged into
    # the one before (the CSV export quotes it)
    text = title_text(line.text).lstrip("=+@").strip()
    shaped = looks_like_area_title(text) if anchored else looks_like_title(text, max_words=10)
    return shaped and not is_amount_statement(line.text)


def title_above(lines: list[SourceLine], j: int, floor: int) -> int | None:
    """For a net-budget line at `j` that follows prose, the area title above that prose: a
    stand-alone title line with a blank line after it, then only paragraphs (no heading, no
    other title) down to `j`. None when the layout is anything else."""
    i = j - 1
    while i > max(floor, j - TITLE_LOOKBACK):
        line = lines[i]
        if not line.blank:
            if section_heading(line.text) or is_amount_statement(line.text):
                return None
            if title_candidate(lines, i):
                has_prose = any(not x.blank for x in lines[i + 1 : j])
                return i if lines[i + 1].blank and has_prose else None
        i -= 1
    return None


def is_about(statement: str, title: str) -> bool:
    """Whether a net-budget line is the titled area's: its subject is the area itself
    ("Samlet nettobudget for området"), none, or a name that fits the title; not another
    committee's sentence ("Kultur- og Idrætsudvalget har et nettobudget på …")."""
    whose = subject_of(statement)
    return whose == "" or (whose is not None and same_name(whose, title_text(title)))
