"""The search command's text output, in Danish as the page: the answer card (a comparison
where its rows come from several budgets, a sum only where it is labelled as one), the scope
the question named, the exact/related split and the passages."""

from __future__ import annotations

import re
from html import unescape

from index.documents.amounts import danish_number, format_kr
from search.results import MAX_K, Answer, SearchResponse

#: The filters' names as the page's chips say them.
FILTER_WORDS = {"municipality": "Kommune", "committee": "Udvalg", "year": "Budgetår"}


def _named(value: object) -> str:
    """One named scope, or several: "Kommune 3 og Kommune 4"."""
    if not isinstance(value, tuple):
        return str(value)
    return f"{', '.join(str(v) for v in value[:-1])} og {value[-1]}"


def _share(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".", ",")


def result_status(resp: SearchResponse, related: bool = False) -> str:
    """The exact/related split as the search page says it (issue 30): '3 afsnit nævner »q«; 7
    relaterede vises med --related', or 'Ingen afsnit nævner »q«. 16 relaterede afsnit:'."""
    n = danish_number
    q = resp.query.strip()
    ms = f"søgningen tog {n(resp.took_ms)} ms"
    if not resp.total:
        if resp.message:
            return ms
        # a card answered it (the budget's breakdown), no passage did
        return f"{'Ingen afsnit' if resp.answer else 'Ingen resultater'} · {ms}"
    if not resp.total_exact:
        return (f"Ingen afsnit nævner »{q}«. {n(resp.total_related)} "
                f"{'relateret afsnit' if resp.total_related == 1 else 'relaterede afsnit'}"
                f"{' (de nærmeste)' if resp.capped else ''} · {ms}")  # fmt: skip
    said = f"{n(resp.total_exact)} afsnit nævner »{q}«"
    if resp.total_related and not related:
        said += f"; {n(resp.total_related)} relaterede vises med --related"
    elif resp.total_related:
        said += f", {n(resp.total_related)} relaterede"
    return f"{said} · {ms}"


def format_response(resp: SearchResponse, related: bool = False) -> str:
    """The response as text, in Danish as the page: an answer, the exact/related split, and
    the passages; with exact matches the related ones only when `related` (--related)."""
    lines = []
    if resp.message:
        lines.append(resp.message)
    if resp.did_you_mean:
        lines.append(f"Mente du: {resp.did_you_mean}")
    if resp.named:  # the scope the question named: the card's and the passages' (issue 30)
        said = ", ".join(f"{FILTER_WORDS.get(f, f)}: {_named(v)}" for f, v in resp.named.items())
        lines.append(f"Afgrænset til {said} (fra spørgsmålet)")
    if resp.answer:
        lines.extend(answer_lines(resp.answer))
    lines.append(result_status(resp, related))
    hits = resp.results
    if resp.total_exact and not related:
        hits = [h for h in hits if h.match == "exact"]
    if hits and not resp.total_exact:
        lines.append("Relaterede afsnit:")
    for i, h in enumerate(hits, resp.offset + 1):
        if h.match == "related" and i > 1 and hits[i - resp.offset - 2].match == "exact":
            lines.append("\nRelaterede afsnit:")
        where = " / ".join(x for x in (h.section, h.subsection) if x)
        mark = " (relateret)" if h.match == "related" else ""
        lines.append(f"\n{i}. {h.area} — {where} [{format_kr(h.amount_kr)}]{mark}")
        lines.append(f"   {snippet(h.text, h.highlight)}")
        cite = f"s. {h.page}" if h.page else (
            f"linje {h.line_start}" if h.line_start == h.line_end
            else f"linje {h.line_start}–{h.line_end}")  # fmt: skip
        lines.append(f"   {h.document}, {cite}")
    listed = resp.total_exact if resp.total_exact and not related else resp.total
    last = resp.offset + len(hits)
    if hits and last < listed:  # a page of them: say so, and how to see the rest
        more = "dem alle" if listed <= MAX_K else f"de første {MAX_K}"
        lines.append(f"\nViser {resp.offset + 1}–{last} af {listed}: "
                     f"-k {min(listed, MAX_K)} viser {more}.")  # fmt: skip
    return "\n".join(lines)


def answer_lines(a: Answer) -> list[str]:
    """The answer card as lines: its title and figure, a comparison's lowest, median and
    highest, then each row with its share (a `change` answer: the move from the year before)."""
    if a.total_kr is not None and a.sum_label:  # a sum across budgets says so
        lines = [a.title, f"{a.sum_label}: {format_kr(a.total_kr)}"]
    else:
        lines = [a.title + (f": {format_kr(a.total_kr)}" if a.total_kr is not None else "")]
    first = a.first if a.kind == "amount" and len(a.rows) == 1 else None
    if first and first.share is not None and a.corpus_total_kr is not None:
        # one area: its share, and of what (as the page says it)
        of = f"{format_kr(a.corpus_total_kr)} ({first.municipality}, {first.year})"
        lines.append(
            f"  {_share(first.share)} af det samlede nettobudget for {first.committee}, {of}"
        )
    c = a.comparison
    if c is not None and c.lowest and c.highest:  # each row is its own budget's: compared
        low, high = c.lowest, c.highest
        if c.by == "share":
            said = (f"Lavest {_share(low.share or 0)} ({getattr(low, c.over)}) · median "
                    f"{_share(c.median_share or 0)} · højest {_share(high.share or 0)} "
                    f"({getattr(high, c.over)})")  # fmt: skip
        else:
            said = (f"Lavest {format_kr(low.amount_kr)} ({getattr(low, c.over)}) · median "
                    f"{format_kr(c.median_kr)} · højest {format_kr(high.amount_kr)} "
                    f"({getattr(high, c.over)})")  # fmt: skip
        lines.append(f"  {said}, {c.with_amount} med beløb")
    if a.difference_kr is not None and len(a.rows) == 2:
        lines.append(f"  {difference(a)}")
    for r in a.rows:
        share = f" ({_share(r.share)})" if r.share is not None and a.kind != "total" else ""
        if r.change_kr is not None:
            pct = "" if r.change_pct is None else f", {r.change_pct:+.1f} %".replace(".", ",")
            share = f" ({'+' if r.change_kr > 0 else ''}{format_kr(r.change_kr)}{pct})"
        document = f", {r.document}" if r.document in a.same_budget else ""  # one budget twice
        lines.append(f"  {r.area}: {format_kr(r.amount_kr)}{share} ({r.municipality}, "
                     f"{r.year}{document})")  # fmt: skip
    return lines


def difference(a: Answer) -> str:
    """Two areas compared, in words: 'Forskel: Borgerservice har 31.015.700 kr. mere end
    Jobcenter' (the rows come largest first)."""
    more, less = a.rows[0].area, a.rows[1].area
    if not a.difference_kr:
        return f"Forskel: {more} og {less} har lige meget"
    return f"Forskel: {more} har {format_kr(a.difference_kr)} mere end {less}"


SNIPPET = 300  # characters of a passage the CLI prints
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def snippet(text: str, highlight: str, width: int = SNIPPET) -> str:
    """`width` characters of the passage: from its start, or from a little before the stretch
    that holds the most of its different highlighted words where that is further on (a
    compound found by its parts written apart, "… udgifter til konsulentbistand …", two lines
    down), so the reader sees why it was found."""
    if len(text) <= width:
        return text
    marks = []  # (offset in text, word) of each highlighted word
    tags = len("<mark></mark>")  # what each mark before it adds to the highlight's prefix
    for m in _MARK.finditer(highlight):
        marks.append((len(unescape(highlight[: m.start()])) - tags * len(marks), unescape(m[1])))
    lead = width // 4

    def words(start: int) -> int:
        return len({w.casefold() for at, w in marks if start <= at and at + len(w) <= start
                    + width})  # fmt: skip

    start = 0
    best = words(0)
    for at, _ in marks:
        begin = max(0, at - lead)
        if (n := words(begin)) > best:
            start, best = begin, n
    if start:
        start = text.rfind(" ", 0, start) + 1  # at a word's start
    end = start + width
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    return f"{'… ' if start else ''}{text[start:end]}{' …' if end < len(text) else ''}"
