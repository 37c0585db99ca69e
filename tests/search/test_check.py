"""`budget-search check`: what the reader makes of a document, before it is indexed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from webui.cli import cli

SEED = Path(__file__).resolve().parents[2] / "corpus/kalundborg/2024/oekonomiudvalget.txt"

TABLE = """Budgetopfølgning pr. 30. september 2024

Nettodriftsudgifter fordelt på udvalg (mio. kr.)

| Udvalg | Oprindeligt budget 2024 | Korrigeret budget 2024 | Forventet regnskab 2024 |
| Børne- og Ungeudvalget | 812,4 | 820,1 | 826,0 |
| Ældre- og Sundhedsudvalget | 1.104,9 | 1.110,0 | 1.098,7 |
| Driftsudgifter i alt | 1.917,3 | 1.930,1 | 1.924,7 |
"""

UNBOUND = """Ældre og Sundhed

Området omfatter hjemmepleje og plejecentre. I 2025 er nettobudgettet 512 mio. kr.
"""


def test_the_seed_checks_clean_with_every_source_line() -> None:
    result = CliRunner().invoke(cli, ["check", str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.output)["documents"]
    assert len(doc["areas"]) == 17 and doc["unbound"] == []
    assert sum(a["amount_kr"] for a in doc["areas"]) == 460_443_800
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for a in doc["areas"]:
        source = a["amount_source"]
        assert source["text"] in lines[source["line"] - 1]


def test_a_table_is_read_in_its_budget_column_and_reconciled(tmp_path: Path) -> None:
    path = tmp_path / "bo3-2024.txt"
    path.write_text(TABLE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "812.400.000 kr.  Børne- og Ungeudvalget  (linje 6:" in result.output
    assert "1.104.900.000 kr.  Ældre- og Sundhedsudvalget" in result.output
    assert "afstemning: Driftsudgifter i alt 1.917.300.000 kr. (linje 8): stemmer" in result.output


def test_an_unbound_amount_exits_1_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "aeldre.txt"
    path.write_text(UNBOUND, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--year", "2024"])
    assert result.exit_code == 1
    assert "ikke bundet til et område" in result.output
    assert f"{path}:3:" in result.output and "not the document's year 2024" in result.output


def test_without_a_year_it_asks_for_one(tmp_path: Path) -> None:
    path = tmp_path / "aeldre.txt"
    path.write_text(UNBOUND, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1 and "--year" in result.output
