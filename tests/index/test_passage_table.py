"""The passages as columns with their text on disk read back exactly what the build wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index.building import passage_table, store
from index.building.passage_table import PassageTable
from passages_file import read_passages


def _gen(settings) -> Path:
    return store.current_generation(settings.index_dir)


def test_table_reads_every_passage_as_written(seed_settings) -> None:
    gen = _gen(seed_settings)
    written = read_passages(gen)
    table = passage_table.load(gen)
    assert (gen / store.PASSAGE_TABLE).is_file()  # written by the build, not by this reader
    assert list(table) == written and len(table) == len(written)
    assert table[-1] == written[-1] and table[2:5] == written[2:5]
    for row in (0, len(written) // 2, len(written) - 1):
        p = written[row]
        assert table.row_of(p.id) == row
        for attr in ("document", "area", "section", "year", "amount_kr", "page", "id"):
            assert table.value(attr, row) == getattr(p, attr)
    assert table.row_of("no-such-id") is None
    rows = [0, 3, 3, 7]
    assert table.counts("area", rows) == {
        a: sum(written[r].area == a for r in rows) for a in {written[r].area for r in rows}
    }
    amounts, known = table.amounts()
    assert known.tolist() == [p.amount_kr is not None for p in written]
    assert amounts[known].tolist() == [p.amount_kr for p in written if p.amount_kr is not None]


def test_a_stale_or_missing_cache_is_rebuilt(seed_settings, tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    shutil.copytree(_gen(seed_settings), gen)
    (gen / store.PASSAGE_TABLE).unlink()
    fresh = passage_table.load(gen)
    assert (gen / store.PASSAGE_TABLE).is_file()
    source = gen / store.PASSAGES
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    source.write_text("".join(lines[:-1]), encoding="utf-8")  # one passage fewer: a new stamp
    shorter = passage_table.load(gen)
    assert len(shorter) == len(fresh) - 1
    assert shorter.ids_checksum != fresh.ids_checksum


def test_a_corrupt_line_is_named(seed_settings, tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    shutil.copytree(_gen(seed_settings), gen)
    source = gen / store.PASSAGES
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "{not json\n"
    source.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(passage_table.TableError, match=r"passages.jsonl:3 is corrupt"):
        passage_table.load(gen)


def test_text_is_not_held_in_memory(seed_settings) -> None:
    """Only columns are arrays in RAM; a passage's text is read from the mapped file."""
    table = passage_table.load(_gen(seed_settings))
    assert isinstance(table, PassageTable)
    held = [v for v in vars(table).values() if isinstance(v, np.ndarray)]
    assert all(a.dtype.kind in "iubS" for a in held)
    assert not any(isinstance(v, list) and v and isinstance(v[0], str) and len(v[0]) > 200
                   for v in vars(table).values())  # fmt: skip
