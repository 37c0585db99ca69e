"""The console script `budget-search`: its root group, with the stages' commands and `serve`.

The root is here, in the module the console script names (as `flask.cli` does), and attaches
plain commands with `add_command`: each stage's module defines complete commands and no stage
decorates a group defined elsewhere.
"""

from __future__ import annotations

import click

from index import cli as index_cli
from index.cli import CONTEXT_SETTINGS, index_dir_option, settings_from
from search import cli as search_cli
from search.cli import IndexMissing


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--model",
    envvar="BUDGET_SEARCH_MODEL",
    default=None,
    help="Sentence-transformers model name or path (default: bundled e5-small).",
)
@click.version_option(package_name="budget-search")
@click.pass_context
def cli(ctx: click.Context, model: str | None) -> None:
    """Search Danish municipal budget remarks: keyword, semantic and hybrid."""
    ctx.obj = index_cli.base_settings(model)


def _metrics_option(ctx: click.Context, param: click.Parameter, value: str) -> str | int:
    value = value.strip().lower()
    if value in ("on", "off"):
        return value
    if value.isdigit() and 1 <= int(value) <= 65535:
        return int(value)
    raise click.BadParameter("on, off or a port number")


def _base_url_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from webui.data import check_base_url

    try:
        return check_base_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True, envvar="BUDGET_SEARCH_HOST",
              help="Address to listen on.")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              envvar="BUDGET_SEARCH_PORT")  # fmt: skip
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              envvar="BUDGET_SEARCH_THREADS", help="Requests answered at once.")  # fmt: skip
@click.option("--trusted-proxies", type=click.IntRange(0, 10), default=0, show_default=True,
              envvar="BUDGET_SEARCH_TRUSTED_PROXIES",
              help="Reverse proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix are "
                   "believed (0: ignored, so clients cannot forge them).")  # fmt: skip
@click.option("--base-url", default=None, envvar="BUDGET_SEARCH_BASE_URL",
              callback=_base_url_option,
              help="The public address of the site (https://kommune.dk/budgetsoeg) that "
                   "permalinks in citations and exports start with (default: links are paths; "
                   "never the client's Host header).")  # fmt: skip
@click.option("--metrics", "metrics", default="on", show_default=True,
              envvar="BUDGET_SEARCH_METRICS", callback=_metrics_option,
              help="Prometheus /metrics: on (this port), off, or a port of its own "
                   "(on --host; then not on the main port).")  # fmt: skip
@click.option("--log-queries/--no-log-queries", default=False, show_default=True,
              envvar="BUDGET_SEARCH_LOG_QUERIES",
              help="Log the query text (it may hold personal data).")  # fmt: skip
@click.option("--connection-limit", type=click.IntRange(10, 100_000), default=None,
              envvar="BUDGET_SEARCH_CONNECTION_LIMIT",
              help="Open connections at most (default 1000).")  # fmt: skip
@click.option("--channel-timeout", type=click.IntRange(1, 3600), default=None,
              envvar="BUDGET_SEARCH_CHANNEL_TIMEOUT",
              help="Seconds before a silent connection is closed (default 30).")  # fmt: skip
@index_dir_option
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, threads: int, trusted_proxies: int,
              base_url: str | None, metrics: str | int, log_queries: bool,
              connection_limit: int | None, channel_timeout: int | None,
              index_dir: str | None) -> None:  # fmt: skip
    """Serve the web UI and JSON API with waitress.

    The port is taken first; the index and model load before it accepts a connection. Logs are
    JSON lines on stderr, one per request.
    """
    from webui import server

    limits = {k: v for k, v in (("connection_limit", connection_limit),
                                ("channel_timeout", channel_timeout)) if v is not None}  # fmt: skip
    try:
        srv = server.bind(host, port, threads=threads, **limits)
    except server.ListenError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        app = _serving_app(ctx, index_dir, trusted_proxies, log_queries, metrics, base_url)
        if isinstance(metrics, int):
            from prometheus_client import start_http_server

            registry = app.extensions["budget_search_metrics"].registry
            try:
                start_http_server(metrics, addr=host, registry=registry)
            except OSError as exc:
                raise click.ClickException(f"cannot serve metrics on {host}:{metrics}: "
                                           f"{exc.strerror or exc}") from None  # fmt: skip
        server.serve(srv, app, trusted_proxies=trusted_proxies, metrics=metrics,
                     log_queries=log_queries)  # fmt: skip
    except server.ListenError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        server.close(srv)


def _serving_app(ctx: click.Context, index_dir: str | None, trusted_proxies: int,
                 log_queries: bool, metrics: str | int,
                 base_url: str | None = None) -> object:  # fmt: skip
    from index.building.store import IndexNotReady
    from index.embedding.st_model import ModelError
    from webui import create_app

    settings = settings_from(ctx, index_dir=index_dir)
    try:
        return create_app({
            "SETTINGS": settings, "TRUSTED_PROXIES": trusted_proxies, "LOG_QUERIES": log_queries,
            "METRICS": metrics == "on", "BASE_URL": base_url,
        })  # fmt: skip
    except IndexNotReady as exc:
        raise IndexMissing(str(exc)) from None
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


for _command in (*index_cli.COMMANDS, *search_cli.COMMANDS, serve_cmd):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="budget-search")
