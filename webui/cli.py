"""The console script: the search CLI plus `serve`, which needs the web stage."""

from __future__ import annotations

from search.cli import cli


def main() -> None:
    cli(prog_name="budget-search")
