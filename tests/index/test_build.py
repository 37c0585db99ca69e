"""Building the index: incremental, atomic, and loud about damage."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import vectors_by_key
from index.building import store
from index.building.build import BuildError, build_index
from index.building.embed_texts import all_piece_texts, piece_texts
from search.engine import Engine
from search.results import Filters
from search.snapshot import load
from webui.cli import cli

META = """title = "Bemærkninger - Økonomiudvalget"
municipality = "Kalundborg Kommune"
committee = "Økonomiudvalget"
year = {year}
"""


class CountingEncoder:
    """The real encoder, counting what it is asked to embed."""

    def __init__(self, encoder, fail: bool = False):
        self._encoder = encoder
        self.model_id = encoder.model_id
        self.dim = encoder.dim
        self.embedded = 0
        self.fail = fail

    def encode_passages(self, texts, **kw):
        if self.fail:
            raise KeyboardInterrupt("killed mid-index")
        self.embedded += len(texts)
        return self._encoder.encode_passages(texts, **kw)


@pytest.fixture
def workspace(tmp_path: Path, seed_settings, seed_path: Path):
    """A private corpus (the seed) and a copy of the session's seed index of it."""
    corpus = tmp_path / "corpus"
    (corpus / "kalundborg" / "2024").mkdir(parents=True)
    shutil.copy(seed_path, corpus / "kalundborg" / "2024" / "oekonomiudvalget.txt")
    (corpus / "kalundborg" / "2024" / "oekonomiudvalget.toml").write_text(
        META.format(year=2024), encoding="utf-8"
    )
    shutil.copytree(seed_settings.index_dir, tmp_path / "index", symlinks=True)
    return seed_settings.with_overrides(corpus_dir=corpus, index_dir=tmp_path / "index")


def add_document(settings, seed_path: Path, year: int, change=lambda t: t) -> None:
    folder = settings.corpus_dir / "kalundborg" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    text = change(seed_path.read_text(encoding="utf-8"))
    (folder / "oekonomiudvalget.txt").write_text(text, encoding="utf-8")
    (folder / "oekonomiudvalget.toml").write_text(META.format(year=year), encoding="utf-8")


def test_unchanged_corpus_is_a_no_op(workspace, encoder) -> None:
    before = store.current_generation(workspace.index_dir)
    counting = CountingEncoder(encoder)
    report = build_index(workspace, encoder_factory=lambda: counting, progress=False)
    assert report.up_to_date and counting.embedded == 0
    assert store.current_generation(workspace.index_dir) == before


def test_no_op_trusts_a_file_only_while_its_stats_hold(workspace, encoder) -> None:
    """The no-change check reads no file whose size and mtime are as recorded, yet an edit
    that keeps the size (MitID -> NemID) is seen."""
    assert build_index(workspace, encoder_factory=lambda: encoder, progress=False).up_to_date
    gen = store.current_generation(workspace.index_dir)
    assert (gen / store.SOURCES).is_file()  # recorded by the run that hashed the files
    assert build_index(workspace, encoder_factory=lambda: encoder, progress=False).up_to_date
    doc = workspace.corpus_dir / "kalundborg" / "2024" / "oekonomiudvalget.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("MitID", "NemID", 1), "utf-8")
    report = build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    assert not report.up_to_date
    assert any("NemID" in p.text for p in load(workspace.index_dir).passages)


@pytest.mark.slow
def test_changed_document_reembeds_only_its_changed_passages(workspace, encoder, seed_path) -> None:
    before = vectors_by_key(workspace.index_dir)
    add_document(workspace, seed_path, 2025, lambda t: t.replace("MitID", "NemID"))
    counting = CountingEncoder(encoder)
    report = build_index(workspace, encoder_factory=lambda: counting, progress=False)
    # every reused vector, a passage's or a sentence's, is in the row of its own text
    after = vectors_by_key(workspace.index_dir)
    shared = before.keys() & after.keys()
    assert len(shared) == len(before)
    assert all(np.array_equal(before[k], after[k]) for k in shared)
    snap = load(workspace.index_dir)
    changed = [p for p in snap.passages if "NemID" in p.text]
    assert changed and report.embedded == len(changed)
    # of their sentences and list items, only those whose text changed are embedded again
    changed_pieces = [t for p in changed for t in piece_texts(p) if "NemID" in t]
    assert report.pieces_embedded == len(changed_pieces)
    assert counting.embedded == report.embedded + report.pieces_embedded
    assert report.passages == 2 * 55 and report.reused == report.passages - len(changed)
    # the new document is searchable, and the year facet appears now that there are two
    resp = Engine(workspace.index_dir, lambda: encoder).search("NemID", mode="keyword")
    assert {h.year for h in resp.results} == {2025}
    assert "year" in resp.facets


def test_ids_are_stable_across_rebuilds(workspace, encoder) -> None:
    before = [p.id for p in load(workspace.index_dir).passages]
    build_index(workspace, encoder_factory=lambda: encoder, full=True, progress=False)
    assert [p.id for p in load(workspace.index_dir).passages] == before


def test_kill_mid_index_leaves_previous_index_usable(workspace, encoder, seed_path) -> None:
    before = store.current_generation(workspace.index_dir)
    add_document(workspace, seed_path, 2025, lambda t: t.replace("MitID", "NemID"))
    with pytest.raises(KeyboardInterrupt):
        build_index(workspace, encoder_factory=lambda: CountingEncoder(encoder, fail=True),
                    progress=False)  # fmt: skip
    assert store.current_generation(workspace.index_dir) == before
    engine = Engine(workspace.index_dir, lambda: encoder)
    assert engine.search("MitID").results[0].area == "Borgerservice"
    # the next build finishes the job and leaves no half-built generation behind
    build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    gens = list((workspace.index_dir / store.GENERATIONS).iterdir())
    assert all((g / "manifest.json").exists() for g in gens)


@pytest.mark.slow
def test_engine_picks_up_a_swapped_generation(workspace, encoder, seed_path) -> None:
    engine = Engine(workspace.index_dir, lambda: encoder)
    assert not engine.search("NemID", mode="keyword").results
    add_document(workspace, seed_path, 2025, lambda t: t.replace("MitID", "NemID"))
    build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    assert engine.search("NemID", mode="keyword").results


def test_bad_document_is_skipped_and_the_rest_indexes(workspace, encoder) -> None:
    (workspace.corpus_dir / "broken.txt").write_bytes(b"\x00\x01binary")
    (workspace.corpus_dir / "broken.toml").write_text(META.format(year=2023), encoding="utf-8")
    report = build_index(workspace, encoder_factory=lambda: encoder, full=True, progress=False)
    assert report.passages == 55
    assert any("broken.txt" in path for path, _ in report.skipped)
    assert "broken.txt" in report.summary()


def test_empty_corpus_is_a_build_error(tmp_path: Path, base_settings, encoder) -> None:
    settings = base_settings.with_overrides(corpus_dir=tmp_path, index_dir=tmp_path / "ix")
    with pytest.raises(BuildError, match="no documents"):
        build_index(settings, encoder_factory=lambda: encoder, progress=False)


def _gen(settings) -> Path:
    return store.current_generation(settings.index_dir)


def _poke(path: Path, value: float) -> None:
    """One number of a saved matrix replaced, shape and type kept (a flipped bit on disk)."""
    matrix = np.load(path)
    matrix[len(matrix) // 2, 7] = value
    np.save(path, matrix)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda g: (g / "vectors.npy").write_bytes((g / "vectors.npy").read_bytes()[:1000]),
         "vector file"),
        (lambda g: np.save(g / "vectors.npy", np.zeros((3, 384), np.float32)), "expected float32"),
        (lambda g: (g / "manifest.json").unlink(), "no manifest"),
        (lambda g: (g / "manifest.json").write_text("{not json"), "corrupt"),
        (lambda g: (g / "passages.jsonl").write_text(
            (g / "passages.jsonl").read_text().replace('"id": "', '"id": "x', 1)), "ids"),
        (lambda g: (g / "keyword.npz").unlink(), "keyword index"),
        (lambda g: (g / "repeated.npy").unlink(), "repeated.npy is unreadable"),
        (lambda g: np.save(g / "keyword.offsets.npy", np.zeros(3, np.int64)), "keyword index"),
        (lambda g: np.save(g / "pieces.npy", np.zeros((2, 384), np.float32)), "sentence vectors"),
        (lambda g: (g / "piece_rows.npy").unlink(), "sentence vectors"),
        (lambda g: _poke(g / "vectors.npy", np.nan), "vectors.npy holds NaN or infinite values"),
        (lambda g: _poke(g / "vectors.npy", np.inf), "vectors.npy holds NaN or infinite values"),
        (lambda g: _poke(g / "pieces.npy", np.nan), "sentence vectors .* hold NaN"),
        (lambda g: (g / "vocab.json").write_text('{"budget": 1}'), "vocab.json is corrupt"),
        (lambda g: (g / "vocab.json").write_text("[1, 2]"), "vocab.json is corrupt"),
        (lambda g: (g / "manifest.json").write_text("[]"), "manifest .* is corrupt"),
    ],
)  # fmt: skip
def test_damaged_index_is_one_clear_error(workspace, damage, message: str) -> None:
    damage(_gen(workspace))
    with pytest.raises(store.IndexNotReady, match=message) as err:
        load(workspace.index_dir)
    assert "budget-search index" in str(err.value)


def test_index_from_another_model_is_refused(workspace, encoder) -> None:
    path = _gen(workspace) / "manifest.json"
    data = json.loads(path.read_text())
    data["model_id"] = "some-other-model"
    path.write_text(json.dumps(data))
    engine = Engine(workspace.index_dir, lambda: encoder)
    with pytest.raises(store.IndexNotReady, match="some-other-model"):
        engine.search("MitID", mode="semantic")


def test_cli_missing_index_exits_2_with_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "MitID", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "budget-search index" in result.output
    assert "Traceback" not in result.output


def test_metadata_change_alone_reindexes(workspace, encoder) -> None:
    toml = workspace.corpus_dir / "kalundborg" / "2024" / "oekonomiudvalget.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("2024", "2023"), encoding="utf-8")
    counting = CountingEncoder(encoder)
    report = build_index(workspace, encoder_factory=lambda: counting, progress=False)
    assert not report.up_to_date and counting.embedded == 0  # same texts, same vectors
    assert {p.year for p in load(workspace.index_dir).passages} == {2023}


def test_answer_card_follows_the_results_document(workspace, encoder, seed_path) -> None:
    # two documents share every area title; the card must show the amount of the one asked for
    add_document(workspace, seed_path, 2025,
                 lambda t: t.replace("13.725.000 kr.", "14.000.000 kr."))  # fmt: skip
    build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    engine = Engine(workspace.index_dir, lambda: encoder)
    for year, amount in ((2025, 14_000_000), (2024, 13_725_000)):
        resp = engine.search("Hvad koster brandvæsenet?", filters=Filters(year=year))
        assert resp.answer is not None
        [row] = resp.answer.rows
        assert (row.year, row.amount_kr) == (year, amount)
        assert resp.results[0].document == row.document


def test_pieces_are_sentences_and_list_items_with_their_place(seed_settings) -> None:
    passages = load(seed_settings.index_dir).passages
    listing = next(p for p in passages if p.area == "Borgerservice" and "kørekort" in p.text)
    pieces = piece_texts(listing)
    assert len(pieces) >= 5
    assert all(t.startswith("Borgerservice – Beskrivelse af området: ") for t in pieces)
    assert any("pas, kørekort" in t and "Folkeregister" not in t for t in pieces)
    single = next(p for p in passages if p.area == "Demografipulje - Voksenspecialområdet")
    assert piece_texts(single) == [] or len(piece_texts(single)) >= 2
    # all at once, repeated texts split once: the same pieces
    again = [listing, single, listing, replace(listing, area="Andet"), single, listing]
    every = list(passages) + again
    assert all_piece_texts(every) == [piece_texts(p) for p in every]


def test_large_builds_assemble_vectors_in_a_file_and_leave_none(
    workspace, encoder, monkeypatch
) -> None:
    """Past SCRATCH_MIN_BYTES the vectors are assembled in a mapped file in the index folder
    (here: always): the same vectors, reused and embedded alike, and the file is gone after."""
    from index.building import build

    before = vectors_by_key(workspace.index_dir)
    monkeypatch.setattr(build, "SCRATCH_MIN_BYTES", 0)
    report = build_index(workspace, encoder_factory=lambda: encoder, full=True, progress=False)
    assert report.reused == report.passages  # every vector came through the mapped file
    after = vectors_by_key(workspace.index_dir)
    assert after.keys() == before.keys()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert not list(workspace.index_dir.glob(".embedding-*"))


def test_no_room_for_the_vectors_file_is_one_line(workspace, encoder, monkeypatch) -> None:
    import errno
    import os

    from index.building import build

    before = store.current_generation(workspace.index_dir)

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build, "SCRATCH_MIN_BYTES", 0)
    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(BuildError, match=r"^no space left for the index at "):
        build_index(workspace, encoder_factory=lambda: encoder, full=True, progress=False)
    assert store.current_generation(workspace.index_dir) == before
    assert not list(workspace.index_dir.glob(".embedding-*"))


def test_an_index_of_the_format_before_is_rebuilt_with_its_vectors(workspace, encoder) -> None:
    """A generation of format 4 (its keys in keys.json, a Whoosh folder, no keyword index) is
    refused by readers and rebuilt by the next `index`, reusing every vector: an upgrade costs
    no embedding."""
    import json

    from search.snapshot import load as load_snapshot

    gen = store.current_generation(workspace.index_dir)
    (gen / store.KEYS).rename(gen / "keys.json")
    for name in (store.KEYWORD, store.KEYWORD_OFFSETS, store.KEYWORD_POSITIONS):
        (gen / name).unlink()
    manifest = json.loads((gen / store.MANIFEST).read_text(encoding="utf-8"))
    (gen / store.MANIFEST).write_text(json.dumps(manifest | {"format": 4}), encoding="utf-8")
    with pytest.raises(store.IndexNotReady, match="format 4"):
        load_snapshot(workspace.index_dir)
    counting = CountingEncoder(encoder)
    report = build_index(workspace, encoder_factory=lambda: counting, progress=False)
    assert not report.up_to_date and counting.embedded == 0
    assert report.reused == report.passages == 55
    assert load_snapshot(workspace.index_dir).sparse.n_docs == 55


def test_a_second_build_on_the_same_index_is_refused_at_once(workspace, encoder) -> None:
    """Two builds of one index never interleave: the second says so and leaves the index as it
    was (the lock is the kernel's: a killed build leaves none behind)."""
    from index import locking

    before = store.current_generation(workspace.index_dir)
    with locking.exclusive(workspace.index_dir / ".build.lock"):  # a build under way
        with pytest.raises(BuildError, match="another build is running"):
            build_index(workspace, encoder_factory=lambda: encoder, progress=False, full=True)
    assert store.current_generation(workspace.index_dir) == before
    report = build_index(workspace, encoder_factory=lambda: encoder, progress=False, full=True)
    assert report.generation != before  # the lock went with its holder
