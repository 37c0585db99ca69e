"""The search stage's commands of `budget-search`: search, areas, passages, eval, and
`search.check`'s check. The index stage's (index, provision) are in `index.cli`.

Plain commands, each complete on its own; the root group that gathers them (and `serve`) is in
`webui.cli`, the module the console script names. The root puts the base `Settings` in
``ctx.obj``; a command run without it loads them from the environment.

Data goes to stdout, progress and logs to stderr. Domain errors become ClickException (exit 1);
a missing or corrupt index is exit 2 with the hint to run `budget-search index`.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click

from index.building.store import IndexNotReady
from index.cli import CONTEXT_SETTINGS, index_dir_option, settings_from
from index.config import Settings
from index.documents.amounts import format_kr
from search.check import check_cmd
from search.cli_text import format_response
from search.results import MODES, Filters, SearchError, SearchResponse


class IndexMissing(click.ClickException):
    exit_code = 2


def open_engine(settings: Settings, *, with_model: bool = True):
    """The engine over settings.index_dir; its model is the configured one, or, when the
    configured data dir has none (run from another folder), the one the index recorded
    (provision.recorded_model), read from the generation in use when the model loads."""
    from index.embedding.embed import load_encoder
    from index.embedding.provision import recorded_model
    from search.engine import Engine

    made = []

    def encoder():
        return load_encoder(recorded_model(settings, made[0].snapshot.manifest.model_dir))

    try:
        made.append(Engine(settings.index_dir, encoder if with_model else None))
    except IndexNotReady as exc:
        raise IndexMissing(str(exc)) from None
    return made[0]


@click.command("search", context_settings=CONTEXT_SETTINGS)
@click.argument("query", required=False)
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True)
@click.option(
    "-k", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="How many passages."
)
@click.option("--area", help="Only this area.")
@click.option("--section", help="Only this section.")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON output (every result, exact and related)."
)
@click.option(
    "--related",
    "show_related",
    is_flag=True,
    help="Also list the related passages (close in meaning, without the words) when "
    "some passages hold the words; as the page's 'Vis N relaterede afsnit'.",
)
@click.option("--batch", is_flag=True, help="One query per stdin line, one JSON line out each.")
@index_dir_option
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: str | None,
    mode: str,
    k: int,
    area: str | None,
    section: str | None,
    as_json: bool,
    show_related: bool,
    batch: bool,
    index_dir: str | None,
) -> None:
    """Search the index: plain words, "phrases", area:NAME, -word, word*."""
    settings = settings_from(ctx, index_dir=index_dir)
    engine = open_engine(settings, with_model=mode != "keyword")
    filters = Filters(area=area, section=section)
    if batch:
        for raw in sys.stdin.buffer:  # bytes: bad UTF-8 is replaced, not echoed back
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            click.echo(json.dumps(_batch_line(engine, line, mode, k, filters),
                                  ensure_ascii=False))  # fmt: skip
        return
    if query is None:
        raise click.UsageError("give a QUERY, or --batch to read queries from stdin")
    resp = _run(engine, valid_text(query), mode, k, filters)
    if as_json:
        click.echo(json.dumps(resp.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_response(resp, related=show_related))


def valid_text(text: str) -> str:
    """`text` as valid Unicode: bytes that were not UTF-8 (kept as lone surrogates by Python's
    surrogateescape, as in argv under a C.UTF-8 locale) become U+FFFD, so JSON out is UTF-8."""
    try:
        data = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte made (only from Python, not from argv)
        data = text.encode("utf-8", errors="surrogatepass")
    return data.decode("utf-8", errors="replace")


def _batch_line(engine, q: str, mode: str, k: int, filters: Filters) -> dict:
    """One line of a batch: the response, or an error object; a bad line never stops the rest."""
    try:
        return engine.search(q, mode=mode, k=k, filters=filters).to_json()
    except IndexNotReady as exc:
        raise IndexMissing(str(exc)) from None
    except SearchError as exc:
        return {"query": q, "error": {"message": exc.message}, "results": []}
    except Exception as exc:  # noqa: BLE001 - reported on its line, the batch goes on
        click.echo(f"error on query {q[:60]!r}: {type(exc).__name__}: {exc}", err=True)
        return {"query": q, "error": {"message": f"{type(exc).__name__}: {exc}"}, "results": []}


def _run(engine, q: str, mode: str, k: int, filters: Filters) -> SearchResponse:
    from index.embedding.st_model import ModelError

    try:
        return engine.search(q, mode=mode, k=k, filters=filters)
    except IndexNotReady as exc:
        raise IndexMissing(str(exc)) from None
    except ModelError as exc:  # one line, not a traceback
        raise click.ClickException(str(exc)) from None
    except SearchError as exc:
        raise click.ClickException(exc.message) from None


@click.command("areas", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False),
    help="Read the areas straight from a corpus folder instead of the index.",
)
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def areas_cmd(ctx: click.Context, corpus_dir: str | None, index_dir: str | None,
              as_json: bool) -> None:  # fmt: skip
    """List every area with its net budget."""
    if corpus_dir:
        from index.documents.corpus import load_corpus

        report = load_corpus(Path(corpus_dir), settings_from(ctx).limits)
        for s in report.skipped:
            click.echo(f"skipped {s.path}: {s.reason}", err=True)
        for s in report.ignored:
            click.echo(f"ignored {s.path}: {s.reason}", err=True)
        for w in report.warnings:
            click.echo(f"warning: {w}", err=True)
        from search.snapshot import AreaSummary

        rows = [AreaSummary.of_area(d.meta, a).to_json() for d in report.documents for a in d.areas]
        layouts = {d.meta.id: d.layout for d in report.documents}
        reconciliations = {d.meta.id: [r.to_json() for r in d.reconciliations]
                           for d in report.documents if d.reconciliations}  # fmt: skip
    else:
        settings = settings_from(ctx, index_dir=index_dir)
        engine = open_engine(settings, with_model=False)
        rows = [a.to_json() for a in engine.areas()]
        layouts = dict(engine.snapshot.manifest.layouts)
        reconciliations = dict(engine.snapshot.manifest.reconciliations)
        _echo_build_notes(settings.index_dir)
    if as_json:
        out = {"documents": document_rows(rows, layouts, reconciliations), "areas": rows}
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    for r in rows:
        click.echo(f"{format_kr(r['amount_kr']):>20}  {source_where(r['amount_source']):<17}  "
                   f"{r['area']}  ({r['document']})")
    known = [r["amount_kr"] for r in rows if r["amount_kr"] is not None]
    noun = "område" if len(rows) == 1 else "områder"
    click.echo(f"{format_kr(sum(known)):>20}  i alt, {len(rows)} {noun}")
    for document, checks in reconciliations.items():  # the totals each document states
        for r in checks:
            click.echo(f"afstemning {document}: {r['label']} {format_kr(r['stated_kr'])}: "
                       f"{r['verdict']} ({source_where(r['source'])})")


def source_where(source: dict | None) -> str:
    """Where an amount was read, as `areas` prints it beside the amount: 'linje 6', 's. 3,
    linje 40' for a PDF page; '' for an amount with no source."""
    if not source:
        return ""
    page = f"s. {source['page']}, " if source.get("page") else ""
    return f"{page}linje {source['line']}"


def document_rows(areas: list[dict], layouts: dict[str, str],
                  reconciliations: dict[str, list[dict]] | None = None) -> list[dict]:  # fmt: skip
    """Per document: the layout its areas were recognised by, how many, how many with an amount
    (what `index` printed when it was built; "" for an index built before layouts were kept),
    and each total it states against the sum of its areas (Reconciliation.to_json())."""
    reconciliations = reconciliations or {}
    out: dict[str, dict] = {}
    for a in areas:
        d = out.setdefault(a["document"], {
            "document": a["document"], "municipality": a["municipality"],
            "committee": a["committee"], "year": a["year"],
            "layout": layouts.get(a["document"], ""), "areas": 0, "with_amount": 0,
            "reconciliations": list(reconciliations.get(a["document"], [])),
        })  # fmt: skip
        d["areas"] += 1
        d["with_amount"] += a["amount_kr"] is not None
    return list(out.values())


def _echo_build_notes(index_dir: Path) -> None:
    """What the build of the current index skipped and what its parser was unsure of."""
    from index.building import store

    try:
        manifest = store.read_manifest(store.current_generation(index_dir))
    except IndexNotReady:
        return
    for path, reason in manifest.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    for w in manifest.warnings:
        click.echo(f"warning: {w}", err=True)


#: The fields `passages --json` prints: a citable passage, as the search results show it.
PASSAGE_FIELDS = ("id", "document", "municipality", "committee", "year", "area", "section",
                  "subsection", "amount_kr", "text", "line_start", "line_end", "page")  # fmt: skip


def passage_rows(engine) -> list[dict]:
    return [{f: getattr(p, f) for f in PASSAGE_FIELDS} for p in engine.snapshot.passages]


@click.command("passages", context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@index_dir_option
@click.pass_context
def passages_cmd(ctx: click.Context, as_json: bool, index_dir: str | None) -> None:
    """Print every indexed passage: an export, and with --json the scorer's --universe."""
    engine = open_engine(settings_from(ctx, index_dir=index_dir), with_model=False)
    for r in passage_rows(engine):
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False))
        else:
            where = " / ".join(x for x in (r["area"], r["section"], r["subsection"]) if x)
            click.echo(f"{r['id']}  {where}  (linje {r['line_start']}-{r['line_end']})")
            click.echo(textwrap.indent(r["text"], "    "))


@click.command("eval", context_settings=CONTEXT_SETTINGS)
@click.argument("judged", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(MODES + ("all",)), default="all", show_default=True)
@click.option(
    "--units", type=click.Path(exists=True, dir_okay=False),
    help="Judged paragraphs ({pid, area, text}) for passage grades "
         "[default: paragraphs.jsonl beside FILE, if there is one].",
)  # fmt: skip
@click.option(
    "--universe", type=click.Path(exists=True, dir_okay=False),
    help="Every passage the system can return (JSON lines {area, text}, as `passages --json` "
         "prints); the ideal ranking for passage nDCG is built from it.",
)  # fmt: skip
@click.option(
    "--universe-index/--no-universe", default=True, show_default=True,
    help="Without --universe: the index's own passages are the universe; --no-universe takes "
         "one result per graded paragraph as the ideal instead.",
)  # fmt: skip
@click.option(
    "--results", type=click.Path(exists=True, dir_okay=False),
    help="Score these responses (one JSON line per query, as `search --batch --json` prints) "
         "instead of searching.",
)  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="One line per query.")
@index_dir_option
@click.pass_context
def eval_cmd(ctx: click.Context, judged: str, mode: str, units: str | None, universe: str | None,
             universe_index: bool, results: str | None, verbose: bool,
             index_dir: str | None) -> None:  # fmt: skip
    """Score judged queries (JSON lines: q, kind, rel, grades, must, expect): area nDCG@10, MRR,
    R@5; passage nDCG@10 and P@3; answer@3 and answer cards; false hits on nonsense and absent
    topics. The same figures as the shared evaluate.py."""
    from search import metrics

    settings = settings_from(ctx, index_dir=index_dir)
    queries = _read_jsonl(Path(judged))
    units_path = Path(units) if units else Path(judged).with_name("paragraphs.jsonl")
    judged_units = None
    if units or units_path.is_file():
        try:
            judged_units = metrics.make_units(_read_jsonl(units_path))
        except (KeyError, TypeError) as exc:
            raise click.ClickException(f"{units_path}: a unit lacks {exc}") from None
        unknown = {p for q in queries for p in q.get("grades", {})} - set(judged_units)
        if unknown:
            raise click.ClickException(f"{units_path} lacks graded units {sorted(unknown)[:5]}")
    elif any("grades" in q for q in queries):
        click.echo("note: passage grades skipped (give --units paragraphs.jsonl)", err=True)

    engine = None
    if results is None or (universe is None and universe_index):
        engine = open_engine(settings, with_model=results is None and mode != "keyword")
    pool = None
    if universe:
        pool = _read_jsonl(Path(universe))
    elif universe_index and engine is not None:
        pool = passage_rows(engine)

    if results is not None:
        given = _read_jsonl(Path(results))
        if len(given) != len(queries):
            raise click.ClickException(f"{len(given)} result lines for {len(queries)} queries")
        runs = [("results", given)]
    else:
        runs = [(m, _responses(engine, queries, m)) for m in (MODES if mode == "all" else (mode,))]
    for name, outputs in runs:
        summary = metrics.evaluate(queries, outputs, judged_units, pool)
        if len(runs) > 1:
            click.echo(f"[{name}]")
        if verbose:
            for s in summary.scores:
                click.echo(s.line())
        for line in summary.lines():
            click.echo(line)


def _responses(engine, queries: list[dict], mode: str) -> Iterator[dict]:
    """The JSON each query's search prints (`search --batch --json`), made as it is scored."""
    for q in queries:
        yield _run(engine, q["q"], mode, 10, Filters()).to_json()


def _read_jsonl(path: Path) -> list[dict]:
    from search.metrics import read_jsonl

    try:
        return read_jsonl(path)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"{path}: not JSON lines ({exc})") from None


#: What the root group attaches, in no particular order (Click lists commands sorted).
COMMANDS = (search_cmd, areas_cmd, passages_cmd, eval_cmd, check_cmd)
