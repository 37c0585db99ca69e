"""Permalinks (citations, CSV and JSON exports) never come from the request's Host header: a
client chooses it (nginx passes it on as X-Forwarded-Host), and a forged one would travel in
exports and cached pages. BASE_URL, when set, is their start; else they are paths."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from click.testing import CliRunner

from search.engine import Engine
from webui import create_app
from webui.cli import cli

OLD_DOC = "kalundborg/2024/oekonomiudvalget"
EVIL = "evil.example"
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https",
          "Forwarded": f"host={EVIL}"}  # fmt: skip


def every_output(client: Any, headers: dict[str, str]) -> dict[str, str]:
    """Each page, JSON and CSV that carries a permalink or a citation, as text."""
    def get(url: str) -> str:
        resp = client.get(url, headers=headers)
        assert resp.status_code in (200, 302), (url, resp.status_code)
        return resp.get_data(as_text=True) + " " + resp.headers.get("Location", "")

    api = client.get("/api/search?q=MitID&mode=keyword", headers=headers).json
    pid = api["results"][0]["id"]
    out = {
        "search page": get("/?q=MitID&mode=keyword"),
        "search json": get("/api/search?q=MitID&mode=keyword"),
        "search csv": get("/api/search.csv?q=MitID&mode=keyword"),
        "search excel": get("/api/search.csv?q=MitID&mode=keyword&format=excel"),
        "areas csv": get("/api/areas.csv"),
        "area page": get(f"/area/{OLD_DOC}/borgerservice"),
        "area json": get(f"/api/areas/{OLD_DOC}/borgerservice"),
        "passage json": get(f"/api/passages/{pid}"),
        "passage": get(f"/passage/{pid}"),
    }
    return out


def permalinks(outputs: dict[str, str]) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(outputs["search csv"].strip())))
    return [r["permalink"] for r in rows]


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_host_is_in_no_output_and_links_are_paths(engine: Engine, proxies: int) -> None:
    client = create_app({"ENGINE": engine, "TRUSTED_PROXIES": proxies}).test_client()
    headers = {**FORGED, "X-Forwarded-Prefix": "/budgetsoeg"} if proxies else FORGED
    outputs = every_output(client, headers)
    for where, text in outputs.items():
        assert EVIL not in text, where
    prefix = "/budgetsoeg" if proxies else ""
    links = permalinks(outputs)
    assert links and all(re.fullmatch(prefix + r"/passage/[0-9a-f]+", u) for u in links), links[:3]
    api = client.get("/api/search?q=MitID&mode=keyword", headers=headers).json
    assert api["results"][0]["permalink"] == f"{prefix}/passage/{api['results'][0]['id']}"
    area = client.get(f"/api/areas/{OLD_DOC}/borgerservice", headers=headers).json
    assert area["permalink"] == f"{prefix}/area/{OLD_DOC}/borgerservice"
    page = outputs["area page"]  # the script shows it whole, from the browser's own address
    assert f'data-link>{prefix}/area/{OLD_DOC}/borgerservice</a>' in page


def test_a_configured_base_url_starts_every_permalink(engine: Engine) -> None:
    base = "https://kommune.dk/budgetsoeg"
    for proxies, extra in ((0, {}), (1, {"X-Forwarded-Prefix": "/budgetsoeg"})):
        client = create_app({"ENGINE": engine, "TRUSTED_PROXIES": proxies,
                             "BASE_URL": base + "/"}).test_client()  # fmt: skip
        outputs = every_output(client, {**FORGED, **extra})
        for where, text in outputs.items():
            assert EVIL not in text, where
        links = permalinks(outputs)
        passage = re.escape(base) + r"/passage/[0-9a-f]+"
        assert links and all(re.fullmatch(passage, u) for u in links)
        area = client.get(f"/api/areas/{OLD_DOC}/borgerservice", headers=FORGED).json
        assert area["permalink"] == f"{base}/area/{OLD_DOC}/borgerservice"
        rows = list(csv.DictReader(io.StringIO(outputs["areas csv"].strip())))
        assert all(r["permalink"].startswith(base + "/area/") for r in rows)
        assert f"{base}/?q=MitID" in outputs["search page"]  # the printed search's own link


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "kommune.dk", "https://", "https://a/?x=1",
                                 "https://u@evil.example/", "ftp://kommune.dk",
                                 'https://a/"><script>', "https://a/\n", "https://[::1",
                                 "https://a:99999/"])  # fmt: skip
def test_a_malformed_base_url_is_refused(engine: Engine, seed_settings: Any, bad: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        create_app({"ENGINE": engine, "BASE_URL": bad})
    result = CliRunner().invoke(cli, ["serve", "--index-dir", str(seed_settings.index_dir)],
                                env={"BUDGET_SEARCH_BASE_URL": bad})  # fmt: skip
    assert result.exit_code == 2 and "base URL" in result.output
