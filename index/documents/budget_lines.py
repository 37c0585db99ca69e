"""Net-budget lines: whether a line states an area's net budget ("Samlet nettobudget for
området: 50.190.100 kr.", "… udgør netto 474,6 mio. kr."), and the amount it gives, which is
none where the line says the figure is a change or another figure.
"""

from __future__ import annotations

import functools
import re

from index.documents.amounts import Reading, find_amounts, read_statement
from index.documents.clean import SourceLine
from index.documents.sentences import _NOT_BUDGET, sentence_statements

AMOUNT_STATEMENT = re.compile(
    r"\bnetto\w*|\bsamle[dt]e?\s+(?:netto)?budget|\bbudget\w*\s+i\s+alt", re.IGNORECASE
)


@functools.lru_cache(maxsize=65_536)  # asked of each line several times while finding areas
def is_amount_statement(text: str) -> bool:
    """A short line stating an area's net budget (several municipal wordings)."""
    return (
        bool(AMOUNT_STATEMENT.search(text))
        and len(text.split()) <= 20
        and (read_statement(text) is not None)
    )


def states_budget(lines: list[SourceLine], j: int) -> bool:
    """Whether line `j` states a net budget on its own: not a sentence that goes on into the
    next line ("… udgør 148,3" / "mio. kr. i 2024."), which only the paragraph reads whole."""
    if not is_amount_statement(lines[j].text):
        return False
    text = lines[j].text.strip()
    after = lines[j + 1].text.strip() if j + 1 < len(lines) else ""
    if not after or re.search(r":\s*\S", text):  # the line ends its paragraph, or is a label's
        return True
    return bool(re.search(r"[.!?]$", text)) and not (after[:1].islower() or after[:1].isdigit())


def budget_reading(text: str) -> Reading | None:
    """What a net-budget line says (`read_statement`), but no amount where the line says it is
    a change or another figure ("Nettobudgettet er reduceret med 2,1 mio. kr."): read as a
    sentence it must state that amount as a budget, or, where its amount is a bare number in a
    declared unit, its label must not name another figure."""

    reading = read_statement(text)
    if reading is None:
        return reading
    found = sentence_statements(text, [(0, 0)], None, None)[0]
    if reading.amount is None:  # figures in several sentences: the one stated as the budget,
        # where its sentence holds no other figure ("… udgør 701,3 mio. kr. Heraf udgør løn …")
        said = {s.source.text for s in found}
        if len(found) == 1 and len(said) == 1 and len(find_amounts(said.pop())) == 1 \
                and len(find_amounts(text)) > 1:  # fmt: skip
            return Reading(found[0].amount_kr, ())
        return reading
    label = text.split(":")[0] if re.search(r":\s*\S", text) else None
    if any(s.amount_kr == reading.amount for s in found) or (
            not found and label is not None and not _NOT_BUDGET.search(label)):  # fmt: skip
        return reading
    return Reading(None, reading.notes + ("the line gives a change or another figure, not the "
                                          "area's net budget; not read",))  # fmt: skip
