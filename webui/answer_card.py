"""The answer card's data: each row's link and the line its amount was read from, what its
figures cover, a one-area card's share and of what, a ranking's link to the whole ranking,
and the published sources; the page, the JSON API and the CSV read the same dict."""

from __future__ import annotations

from typing import Any

from flask import url_for

from index.documents.amounts import danish_number, format_kr
from search.results import ANSWER_ROWS
from webui.data import amount_source, area_url, engine, scope_text, source_url


def card_data(answer: dict[str, Any], *, limit: int | None = ANSWER_ROWS) -> dict[str, Any]:
    """`answer` (Answer.to_json()) with what the card shows beside its figures; its first
    `limit` rows (None: all, for its CSV), `rows_total` counting them all."""
    answer["rows_total"] = len(answer["rows"])
    if limit is not None:
        answer["rows"] = answer["rows"][:limit]
    for row in answer["rows"]:
        row["url"] = row_url(answer["kind"], row)
        if answer["kind"] != "total":
            # where the amount was read, so a reader can check it in the document
            row["amount_source"] = (None if row["amount_kr"] is None
                                    else amount_source(row["document"], row["area"]))  # fmt: skip
    if comparison := answer.get("comparison"):
        for end in ("lowest", "highest"):
            if row := comparison[end]:
                row["url"] = row_url(answer["kind"], row)
    answer["covers"] = answer_covers(answer)
    answer["share_of"] = answer_share_of(answer)
    answer["ranking_url"] = ranking_url(answer)
    answer["ranking_urls"] = ranking_urls(answer)
    if len(answer["ranking_urls"]) > 1:
        group_by_budget(answer["rows"])
    answer["sources"] = answer_sources(answer)
    return answer


def row_url(kind: str, row: dict[str, Any]) -> str:
    """Where an answer row links: its area's page; a total's row (a document's "I alt"), the
    overview of that budget's areas."""
    if kind == "total":
        return url_for("pages.overview", municipality=row["municipality"],
                       committee=row["committee"], year=row["year"])  # fmt: skip
    return area_url(row["document"], row["area"])


def _answer_documents(answer: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys([*answer["documents"], *(r["document"] for r in answer["rows"])]))


def answer_covers(answer: dict[str, Any]) -> str:
    """What an answer's figures cover, said beside them (issue 30: "Samlet nettobudget 460 mio."
    alone reads as the whole municipality's budget): 'Summen af 12 områder med beløb ·
    Kalundborg Kommune · Økonomiudvalget · budget 2024'; a single area's card: its budget."""
    docs = set(_answer_documents(answer))
    areas = [a for a in engine().areas() if a.document in docs]
    scope = scope_text(areas, sep=" · ")
    if answer["kind"] == "total":
        known = sum(1 for a in areas if a.amount_kr is not None)
        return f"Summen af {danish_number(known)} {'område' if known == 1 else 'områder'} " \
               f"med beløb · {scope}"  # fmt: skip
    if answer["total_kr"] is not None and answer["rows_total"] > 1 and answer["kind"] != "change":
        n = answer["rows_total"]
        return f"Summen af {danish_number(n)} områder · {scope}"
    return scope


def answer_share_of(answer: dict[str, Any]) -> str | None:
    """What a one-area card's share is of (issue 30: "andel af i alt" said nothing): 'af det
    samlede nettobudget for Økonomiudvalget, 460.443.800 kr. (summen af 17 områder med
    beløb)', its own document's total; None where the card is no single area with a share."""
    if answer["kind"] != "amount" or answer["rows_total"] != 1 or answer.get("share") is None:
        return None
    if answer.get("corpus_total_kr") is None:
        return None
    docs = set(answer["documents"])
    areas = [a for a in engine().areas() if a.document in docs]
    known = sum(1 for a in areas if a.amount_kr is not None)
    noun = "område" if known == 1 else "områder"
    return (f"af det samlede nettobudget for {answer['committee']}, "
            f"{format_kr(answer['corpus_total_kr'])} (summen af {danish_number(known)} {noun} "
            "med beløb)")  # fmt: skip


def ranking_url(answer: dict[str, Any]) -> str | None:
    """A ranking card's link to the whole ranking: the overview sorted by amount in the card's
    order, kept to its budget where the card is one budget's (issue 30: a top 5 said nothing
    of the rest)."""
    if answer["kind"] != "ranking":
        return None
    budgets = {(r["municipality"], r["committee"], r["year"]) for r in answer["rows"]}
    scope: dict[str, Any] = {}
    if len(budgets) > 1:  # each budget's own ranking: ranking_urls
        return None
    if len(budgets) == 1:
        municipality, committee, year = budgets.pop()
        scope = {"municipality": municipality, "committee": committee, "year": year}
    return url_for("pages.overview", sort="amount", order=answer["order"], **scope)


def ranking_urls(answer: dict[str, Any]) -> list[dict[str, str]]:
    """A ranking over several budgets: each budget's whole ranking, labelled by what sets it
    apart ("Kommune 2", "2025"); an overview of every budget would rank them as one list."""
    if answer["kind"] != "ranking":
        return []
    labels = budget_labels(answer["rows"])
    if len(labels) < 2:
        return []
    return [
        {"label": label,
         "url": url_for("pages.overview", sort="amount", order=answer["order"],
                        municipality=b[0], committee=b[1], year=b[2])}
        for b, label in labels.items()
    ]  # fmt: skip


def budget_labels(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], str]:
    """The rows' budgets (municipality, committee, year) in order of appearance, each labelled
    by what sets it apart from the others ("Kommune 2", "Kommune 2 · 2025")."""
    budgets = list(dict.fromkeys((r["municipality"], r["committee"], r["year"]) for r in rows))
    differ = [i for i in range(3) if len({b[i] for b in budgets}) > 1]
    return {b: " · ".join(str(b[i]) for i in differ) for b in budgets}


def group_by_budget(rows: list[dict[str, Any]]) -> None:
    """Label each row of a ranking over several budgets with its budget (`group`, as its
    ranking link is labelled) and that budget's largest amount (`group_top`): the card heads
    each budget's rows and scales its bars on their own, as they are not one list."""
    labels = budget_labels(rows)
    tops: dict[str, int] = {}
    for row in rows:
        row["group"] = labels[(row["municipality"], row["committee"], row["year"])]
        tops[row["group"]] = max(tops.get(row["group"], 0), abs(row["amount_kr"] or 0))
    for row in rows:
        row["group_top"] = tops[row["group"]]


def answer_sources(answer: dict[str, Any]) -> list[dict[str, str]]:
    """The published documents an answer's figures come from (sidecars' `source`): a link each,
    labelled by its address without the scheme."""
    out = []
    for d in _answer_documents(answer):
        url = source_url(d)
        if url:
            out.append({"document": d, "url": url, "label": url.split("://", 1)[-1]})
    return out
