"""`budget-search check FILE…`: what the reader makes of documents, before they are indexed.

A staff member runs it before adding next year's PDF: per document the layout, each area with
its amount and the line it was read from, what could not be bound, and the reconciliation of
stated totals. Exit status 1 when an amount-looking statement was left unbound, so a script
can stop there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from index.config import CorpusLimits
from index.documents.amounts import YEARS, format_kr
from index.documents.document import Document, DocumentError, DocumentMeta
from index.documents.sidecar import read_meta

#: A warning about an amount that was seen but bound to no area (or not read at all).
_UNBOUND = re.compile(r"not (?:read|bound|counted|attached)|none taken|refused|stemmer ikke")


def _meta(path: Path, year: int | None) -> DocumentMeta:
    """The sidecar's metadata where there is one; else what the file name says."""
    if path.with_suffix(".toml").is_file():
        meta = read_meta(path, path.parent)
        return meta if year is None else DocumentMeta(**{**meta.__dict__, "year": year})
    if year is None:
        found = YEARS.findall(path.name)
        if not found:
            raise DocumentError(str(path), "no sidecar .toml and no year in the file name: "
                                "give the budget year with --year")  # fmt: skip
        year = int(found[-1])
    return DocumentMeta(id=path.stem, path=path.name, title=path.stem, municipality="",
                        committee="", year=year)  # fmt: skip


def unbound(doc: Document) -> list[str]:
    return [w for w in doc.warnings if _UNBOUND.search(w)]


def report(doc: Document) -> dict:
    return {
        "document": doc.meta.path,
        "year": doc.meta.year,
        "layout": doc.layout,
        "areas": [{"area": a.title, "amount_kr": a.amount_kr,
                   "amount_source": a.source.to_json() if a.source else None}
                  for a in doc.areas],  # fmt: skip
        "reconciliations": [r.to_json() for r in doc.reconciliations],
        "unbound": unbound(doc),
        "warnings": [w for w in doc.warnings if not _UNBOUND.search(w)],
    }


def _where(line: int, page: int | None) -> str:
    return f"s. {page}, linje {line}" if page else f"linje {line}"


def _print(doc: Document) -> None:
    click.echo(doc.meta.path)
    click.echo(f"  layout: {doc.layout or '(none)'}")
    with_amount = [a for a in doc.areas if a.amount_kr is not None]
    click.echo(f"  {len(doc.areas)} områder, {len(with_amount)} med beløb")
    for a in doc.areas:
        said = f"  ({_where(a.source.line, a.source.page)}: »{a.source.text}«)" if a.source else ""
        click.echo(f"  {format_kr(a.amount_kr):>22}  {a.title}{said}")
    for r in doc.reconciliations:
        click.echo(f"  afstemning: {r.label} {format_kr(r.stated_kr)} "
                   f"({_where(r.source.line, r.source.page)}): {r.verdict()}")  # fmt: skip
    missing = unbound(doc)
    if missing:
        click.echo("  ikke bundet til et område:")
        for w in missing:
            click.echo(f"    {w}")
    for w in doc.warnings:
        if not _UNBOUND.search(w):
            click.echo(f"  advarsel: {w}")


@click.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--year", type=click.IntRange(1900, 2100), default=None,
              help="The budget year, where no sidecar says it.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def check_cmd(files: tuple[str, ...], year: int | None, as_json: bool) -> None:
    """Read documents without indexing: areas, amounts and the lines they come from."""
    from index.documents.parse import parse_file

    docs, failed, out = [], False, []
    for name in files:
        path = Path(name)
        try:
            doc = parse_file(path, _meta(path, year), CorpusLimits())
        except DocumentError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        docs.append(doc)
        out.append(report(doc))
        if not as_json:
            _print(doc)
    if as_json:
        click.echo(json.dumps({"documents": out}, ensure_ascii=False, indent=1))
    if failed or any(unbound(d) for d in docs):
        raise SystemExit(1)
