"""The console script: the search CLI plus `serve`, which needs the web stage."""

from __future__ import annotations

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


def main() -> None:
    cli(prog_name="budget-search")
