"""The shipped systemd units and environment file name only commands, options and settings
that exist, so an operator's first `systemctl start` does not fail on a typo of ours."""

from __future__ import annotations

import configparser
import inspect
import re
import shlex
from pathlib import Path

import click
import pytest

from index import config
from webui.cli import cli

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = ["budget-search@.service", "budget-search-index.service", "budget-search-index.timer"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)  # systemd repeats keys
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def env_file() -> dict[str, str]:
    out = {}
    for line in (DEPLOY / "budget-search.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def envvars_read() -> set[str]:
    """Every BUDGET_SEARCH_* the product reads: CLI options' envvar= and index.config."""
    names = set(re.findall(r"BUDGET_SEARCH_[A-Z_]+", inspect.getsource(config)))

    def walk(cmd: click.Command) -> None:
        for p in cmd.params:
            envvar = getattr(p, "envvar", None)
            names.update([envvar] if isinstance(envvar, str) else envvar or [])
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(cli)
    return names


@pytest.mark.parametrize("name", [n for n in UNITS if n.endswith(".service")])
def test_exec_start_parses_with_our_cli(name: str) -> None:
    argv = shlex.split(unit(name)["Service"]["ExecStart"])
    assert argv[0].endswith("/.venv/bin/budget-search")
    ctx = cli.make_context("budget-search", argv[1:], resilient_parsing=False)
    sub = cli.get_command(ctx, argv[1])
    assert sub is not None, argv
    sub.make_context(argv[1], argv[2:], parent=ctx)  # unknown options raise here


def test_services_run_unprivileged_with_a_read_only_server() -> None:
    web = unit("budget-search@.service")["Service"]
    index = unit("budget-search-index.service")["Service"]
    for service in (web, index):
        assert service["User"] == "budget-search" and service["NoNewPrivileges"] == "yes"
        assert service["ProtectSystem"] == "strict"
        assert service["EnvironmentFile"] == "/etc/budget-search/budget-search.env"
    assert web["Restart"] in ("always", "on-failure") and "ReadWritePaths" not in web
    assert index["ReadWritePaths"] == env_file()["BUDGET_SEARCH_INDEX"]
    assert web["ReadOnlyPaths"] == env_file()["BUDGET_SEARCH_HOME"]
    assert web["Environment"] == "BUDGET_SEARCH_PORT=%i"
    assert int(web["LimitNOFILE"]) > 1000 + 256  # serve's connection limit, and the index files
    assert unit("budget-search-index.timer")["Timer"]["Persistent"] == "true"


def test_environment_file_sets_only_settings_we_read() -> None:
    env = env_file()
    ours = {k for k in env if k.startswith("BUDGET_SEARCH_")}
    assert ours and not ours - envvars_read(), ours - envvars_read()
    assert env["BUDGET_SEARCH_LOG_QUERIES"] == "0"  # GDPR: off unless the operator chooses
    assert env["BUDGET_SEARCH_TRUSTED_PROXIES"] == "1"  # exactly nginx
