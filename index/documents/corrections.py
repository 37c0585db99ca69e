"""The sidecar's corrections of the reader: area headings and amounts that no rule reads.

`headings = ["Vej og Park", …]` names the lines that start an area; `[amounts]` gives an
area's net budget (`"Vej og Park" = 109331000`). Both are checked against the text: a title
the document does not have is refused with the sidecar's name, never added blind. An amount
from the sidecar says so where it is shown (its source is the sidecar line).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from index.documents.amounts import read_statement
from index.documents.area_titles import title_text
from index.documents.areas import LAYOUT_STATEMENT, blanked
from index.documents.budget_lines import is_amount_statement
from index.documents.clean import SourceLine
from index.documents.document import AmountSource, DocumentMeta
from index.documents.names import same_name, subject_of
from index.documents.sentences import paragraphs, sentence_statements
from index.documents.spans import AreaSpan

LAYOUT_SIDECAR = "headings from the sidecar"


def sidecar_name(meta: DocumentMeta) -> str:
    return PurePosixPath(meta.path).with_suffix(".toml").name


def headed_spans(lines: list[SourceLine], meta: DocumentMeta, source: str
                 ) -> tuple[list[AreaSpan], list[str]]:  # fmt: skip
    """Areas starting at the lines the sidecar's `headings` names, each with the net budget
    its text states (a net-budget line or sentence about it); [] when none is found."""
    warnings, starts = [], []
    keys = {title_text(ln.text).casefold(): i for i, ln in reversed(list(enumerate(lines)))
            if not ln.blank}  # fmt: skip
    for title in meta.headings:
        i = keys.get(title.casefold())
        if i is None:
            warnings.append(f"{source}: metadata file {sidecar_name(meta)}: headings names "
                            f"{title!r}, which no line of the text is; refused")  # fmt: skip
        else:
            starts.append(i)
    starts = sorted(set(starts))
    spans = []
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        title = title_text(lines[i].text)
        body = list(lines[i + 1 : end])
        amount, said = None, None
        for k, line in enumerate(body):
            if line.blank or not is_amount_statement(line.text):
                continue
            whose = subject_of(line.text)
            reading = read_statement(line.text)
            if reading and reading.amount is not None and whose is not None and (
                    whose == "" or same_name(whose, title)):  # fmt: skip
                amount, said = reading.amount, AmountSource(line.text.strip(), line.number,
                                                             line.page)  # fmt: skip
                body[k] = blanked(line)
                break
        if said is None:
            found = [s for p in paragraphs(body, set(), set())
                     for s in sentence_statements(p.text, p.where, p.page, meta.year)[0]
                     if not s.subject or same_name(s.subject, title)]  # fmt: skip
            if len({s.amount_kr for s in found}) == 1:
                amount, said = found[0].amount_kr, found[0].source
        spans.append(AreaSpan(title, amount, lines[i].number, body, layout=LAYOUT_SIDECAR,
                              source=said))  # fmt: skip
    return spans, warnings


def corrected_amounts(spans: list[AreaSpan], meta: DocumentMeta, source: str
                      ) -> tuple[list[AreaSpan], list[str]]:  # fmt: skip
    """The spans with the sidecar's [amounts] in place of what was read; a title that is no
    area of the document is refused with a warning."""
    warnings = []
    out = list(spans)
    by_title = {s.title.casefold(): n for n, s in enumerate(out)}
    for title, kr in meta.amounts:
        n = by_title.get(title.casefold())
        if n is None:
            known = ", ".join(repr(s.title) for s in spans[:8])
            warnings.append(f"{source}: metadata file {sidecar_name(meta)}: [amounts] names "
                            f"{title!r}, which is no area of the document (its areas: {known}"
                            f"{', …' if len(spans) > 8 else ''}); refused")  # fmt: skip
            continue
        said = AmountSource(f'{sidecar_name(meta)}: [amounts] "{title}" = {kr}', out[n].line)
        layout = out[n].layout or LAYOUT_STATEMENT
        out[n] = replace(out[n], amount_kr=kr, source=said, layout=layout, notes=())
    return out, warnings
