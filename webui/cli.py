"""The console script: the search CLI plus `serve`, which needs the web stage."""

from __future__ import annotations

from pathlib import Path

import click

from search.cli import IndexMissing, cli, index_dir_option, settings_from


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@index_dir_option
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, threads: int,
              index_dir: str | None) -> None:  # fmt: skip
    """Serve the web UI and JSON API with waitress (the model loads once, before listening)."""
    import waitress

    from index.embed import ModelError
    from index.store import IndexNotReady
    from webui import WAITRESS_LIMITS, create_app

    settings = settings_from(ctx, index_dir=index_dir)
    try:
        app = create_app({"SETTINGS": settings})
    except IndexNotReady as exc:
        raise IndexMissing(str(exc)) from None
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"budget-search: serving on http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="budget-search",
                   **WAITRESS_LIMITS)  # fmt: skip


@cli.command("bench")
@click.option(
    "--sizes",
    default="1000,10000,100000",
    show_default=True,
    help="Synthetic corpus sizes in passages, comma-separated ('' for none).",
)
@click.option(
    "--queries",
    type=click.IntRange(1, 10000),
    default=100,
    show_default=True,
    help="Queries per mode and measurement.",
)
@click.option("--skip-http", is_flag=True, help="No HTTP measurements.")
@click.option("--skip-seed", is_flag=True, help="No seed build, seed latency or HTTP figures.")
@click.option(
    "--real-embed-max",
    type=int,
    default=1000,
    show_default=True,
    help="Embed with the real model up to this size; synthesise vectors above.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the results as JSON.")
@click.option("--work", type=click.Path(file_okay=False), help="Working folder (default: temp).")
@click.pass_context
def bench_cmd(ctx: click.Context, sizes: str, queries: int, skip_http: bool, skip_seed: bool,
              real_embed_max: int, out: str | None, work: str | None) -> None:  # fmt: skip
    """Benchmark build time, query latency (in-process and HTTP), throughput and memory.

    Prints a Markdown table; see BENCHMARKS.md. The script lives in bench/ of the source tree.
    """
    import argparse
    import json
    import sys

    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / "run.py").is_file():
        raise click.ClickException(f"bench/run.py not found under {root} (a source checkout)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench import run

    settings = settings_from(ctx)
    data_dir = settings.data_dir.resolve()
    args = argparse.Namespace(
        sizes=run.parse_sizes(sizes), queries=queries, skip_http=skip_http, skip_seed=skip_seed,
        out=out, work=Path(work) if work else None, keep=False, data_dir=data_dir,
        corpus=settings.corpus_dir.resolve(), real_embed_max=real_embed_max,
    )  # fmt: skip
    results = run.run_all(args, echo=lambda m: click.echo(m, err=True))
    click.echo(results["table"])
    if out:
        Path(out).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    cli(prog_name="budget-search")
