"""Vectors at scale: 1-bit codes + exact rescoring give the exact ranking back when the rescoring
depth covers it, lose little recall on anisotropic (e5-like) vectors, and load from a real index."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.building import codes_file, pages, store
from index.building import vectors as vq
from search import binary_index, semantic
from search import snapshot as snapshot_mod
from search.engine import Engine
from search.tuning import TUNING


def _e5_like(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    """Vectors sharing a large common component, like e5's (pairwise cosines ~0.7-0.9), around
    64 topics; `seed` draws other members of the same corpus (queries)."""
    structure = np.random.default_rng(12345)
    common = structure.normal(size=dim)
    topics = structure.normal(size=(64, dim))
    rng = np.random.default_rng(seed)
    v = 3.0 * common + topics[rng.integers(0, 64, n)] + 0.8 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _binary(vectors: np.ndarray, tmp_path, rescore: int, shortlist: int | None = None
            ) -> binary_index.BinaryIndex:  # fmt: skip
    """A BinaryIndex over the vectors; with a shortlist, through the 8-bit vectors too."""
    np.save(tmp_path / "vectors.npy", vectors)
    vq.write_codes(tmp_path, np.load(tmp_path / "vectors.npy", mmap_mode="r"),
                   sq8=shortlist is not None)  # fmt: skip
    index = binary_index.load(tmp_path, *vectors.shape)
    assert isinstance(index, binary_index.BinaryIndex)
    assert (index.sq8 is not None) == (shortlist is not None)
    index.rescore = rescore
    if shortlist is not None:
        index.shortlist = shortlist
    return index


def test_codes_are_centred_signs_and_centrality_is_cosine_to_centroid(tmp_path):
    vecs = _e5_like(1000)
    codes, mean, centrality = vq.encode_codes(vecs)
    assert codes.shape == (1000, 6) and codes.dtype == np.uint64
    bits = np.unpackbits(codes.view(np.uint8), axis=1)[:, :384].astype(bool)
    assert (bits == (vecs > vecs.mean(axis=0))).all()
    assert 0.3 < bits.mean() < 0.7  # centred: about half the bits set, not all of them
    centroid = vecs.mean(axis=0) / np.linalg.norm(vecs.mean(axis=0))
    assert np.allclose(centrality, vecs @ centroid, atol=1e-5)
    assert np.allclose(semantic.centrality(vecs), centrality, atol=1e-5)


def test_candidates_are_the_nearest_codes(tmp_path):
    """The first stage keeps the rows of least Hamming distance (computed here bit by bit),
    with and without a mask."""
    vecs = _e5_like(3000)
    index = _binary(vecs, tmp_path, rescore=200)
    bits = np.unpackbits(np.ascontiguousarray(index.codes).view(np.uint8), axis=1)
    mask = np.arange(3000) % 4 != 0
    for q in _e5_like(5, seed=4):
        qbits = np.unpackbits(vq.sign_words((q > index.mean)[None, :]).view(np.uint8), axis=1)[0]
        dist = (bits != qbits).sum(axis=1)
        for m in (None, mask):
            got = index.candidates(q, 200, m)
            allowed = dist if m is None else np.where(m, dist, 10**6)
            assert len(got) == 200 and (m is None or m[got].all())
            assert allowed[got].max() <= np.sort(allowed)[199]


@pytest.mark.parametrize("shortlist", [None, 100])
def test_full_rescoring_depth_is_the_exact_ranking(tmp_path, shortlist):
    """Every row re-scored (with the 8-bit vectors: the best 100 of them by their 8-bit
    cosine, then exactly): the exact scan's top 50, scores and all."""
    vecs = _e5_like(3000)
    index = _binary(vecs, tmp_path, rescore=3000, shortlist=shortlist)
    penalty = TUNING.hub_penalty * semantic.centrality(index)
    mask = np.arange(3000) % 3 != 0
    for q in _e5_like(5, seed=1):
        for m in (None, mask):
            want = semantic.top_k(vecs, q, 50, m, penalty)
            got = semantic.top_k(index, q, 50, m, penalty)
            assert [r for r, _ in got] == [r for r, _ in want]
            assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


@pytest.mark.parametrize("shortlist", [None, 40])
def test_recall_of_the_binary_first_stage(tmp_path, shortlist):
    vecs = _e5_like(40_000)
    index = _binary(vecs, tmp_path, rescore=400, shortlist=shortlist)  # 1 % of the rows
    penalty = TUNING.hub_penalty * semantic.centrality(index)
    found = []
    for q in _e5_like(20, seed=2):
        want = {r for r, _ in semantic.top_k(vecs, q, 10, None, penalty)}
        got = {r for r, _ in semantic.top_k(index, q, 10, None, penalty)}
        found.append(len(want & got) / 10)
    assert np.mean(found) >= 0.95, found


def test_a_mask_narrower_than_the_depth_is_searched_whole(tmp_path):
    vecs = _e5_like(5000)
    index = _binary(vecs, tmp_path, rescore=100)
    mask = np.zeros(5000, dtype=bool)
    mask[[7, 70, 700, 4000]] = True
    got = semantic.top_k(index, vecs[70], 10, mask, None)
    assert sorted(r for r, _ in got) == [7, 70, 700, 4000] and got[0][0] == 70
    assert semantic.top_k(index, vecs[70], 10, np.zeros(5000, dtype=bool), None) == []


def test_the_8bit_vectors_are_the_vectors_within_a_quantisation_step(tmp_path):
    """The 8-bit vectors decode to the float32 ones (per-dimension ranges learnt from a sample,
    256 steps each), so their cosines order candidates as the exact ones would."""
    vecs = _e5_like(5000)
    index = _binary(vecs, tmp_path, rescore=5000, shortlist=100)
    decoded = index._sq.decode(np.ascontiguousarray(index.sq8[:]))
    step = (vecs.max(axis=0) - vecs.min(axis=0)) / 255
    assert (np.abs(decoded - vecs) <= step + 1e-6).all()
    q = _e5_like(1, seed=9)[0]
    assert np.abs(decoded @ q - vecs @ q).max() < 0.01


def test_a_wrong_vector_file_is_refused(tmp_path):
    np.save(tmp_path / "vectors.npy", np.zeros((10, 8), np.float64))
    with pytest.raises(ValueError):
        binary_index.load(tmp_path, 10, 8)


def test_seed_index_searched_through_the_binary_path(seed_settings, encoder, tmp_path,
                                                     monkeypatch):  # fmt: skip
    """The build writes the codes; a snapshot above EXACT_MAX answers like the exact one (the
    rescoring depth covers the seed), with the 8-bit vectors and without them; without the
    codes file, the index is refused."""
    exact = Engine(seed_settings.index_dir, lambda: encoder)
    gen = exact.snapshot.path
    assert (gen / store.CODES).is_file()
    assert isinstance(exact.snapshot.vectors, np.ndarray)
    queries = ["hvad koster brandvæsenet", "pas og kørekort", "how much is spent on IT",
               'digitalisering kommune:"Kalundborg Kommune"']  # fmt: skip
    want = [[h.id for h in exact.search(q, mode=m).results] for q in queries
            for m in ("semantic", "hybrid")]  # fmt: skip
    copy = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, copy, symlinks=True)
    monkeypatch.setattr(vq, "EXACT_MAX", 0)
    real = (copy / "current").resolve()
    codes = codes_file.read_codes(real)
    assert codes_file.read_sq8(real) == (None, None)  # not written below EXACT_MAX
    vq.write_codes(real, np.load(real / store.VECTORS, mmap_mode="r"),
                   np.load(real / store.PIECES, mmap_mode="r"), sq8=True)  # fmt: skip
    for stage in ("8-bit", "codes only"):
        if stage == "codes only":  # an index written before the 8-bit vectors
            codes_file.write_codes(real, *codes, codes_file.read_piece_mean(real))
        engine = Engine(copy, lambda: encoder)
        vectors = engine.snapshot.vectors
        assert isinstance(vectors, binary_index.BinaryIndex)
        assert (vectors.sq8 is not None) == (stage == "8-bit")
        got = [[h.id for h in engine.search(q, mode=m).results] for q in queries
               for m in ("semantic", "hybrid")]  # fmt: skip
        assert got == want
        # the pages the searches read are let go: the server's RSS does not grow to the matrices
        assert resident_kb(real / store.VECTORS) == 0 and resident_kb(real / store.PIECES) == 0
    assert snapshot_mod.load(copy).centrality.shape == (exact.snapshot.manifest.passages,)
    (copy / "current" / store.CODES).unlink()
    with pytest.raises(store.IndexNotReady, match="vectors.codes.npz is missing"):
        snapshot_mod.load(copy)


def test_mean_of_a_memory_mapped_matrix(tmp_path):
    vecs = _e5_like(70_000, dim=16)
    np.save(tmp_path / "m.npy", vecs)
    got = vq.mean_rows(np.load(tmp_path / "m.npy", mmap_mode="r"))
    assert np.allclose(got, vecs.mean(axis=0), atol=1e-6)


def resident_kb(path: Path) -> int:
    """How much of a file this process has resident through its memory maps (smaps' Rss)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):  # a mapping's header: its file last
            inside = line.split()[-1] == str(path)
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_released_pages_stay_readable_and_leave_the_resident_set(tmp_path):
    np.save(tmp_path / "m.npy", np.ones((20_000, 64), dtype=np.float32))  # 5 MB
    m = np.load(tmp_path / "m.npy", mmap_mode="r")
    assert float(m.sum()) == 20_000 * 64 and resident_kb(tmp_path / "m.npy") > 4000
    pages.release(m)
    assert resident_kb(tmp_path / "m.npy") == 0
    assert float(m[19_999].sum()) == 64  # read again from the page cache


def test_the_build_stores_the_sentence_vectors_mean(seed_settings, encoder, tmp_path,
                                                    monkeypatch):  # fmt: skip
    """A server above EXACT_MAX takes the sentence vectors' mean from the build, and never
    reads every sentence vector for it; an index without it still gets it, computed."""
    gen = store.current_generation(seed_settings.index_dir)
    manifest = store.read_manifest(gen)
    pieces, _rows = store.read_pieces(gen, manifest)
    stored = codes_file.read_piece_mean(gen)
    assert stored is not None and np.allclose(stored, vq.mean_rows(pieces), atol=1e-7)

    copy = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, copy, symlinks=True)
    monkeypatch.setattr(vq, "EXACT_MAX", 0)
    snap = snapshot_mod.load(copy)
    assert isinstance(snap.vectors, binary_index.BinaryIndex)
    monkeypatch.setattr(vq, "mean_rows", lambda m: pytest.fail("read every sentence vector"))
    monkeypatch.setattr(semantic, "mean_rows", lambda m: pytest.fail("read every sentence vector"))
    assert np.array_equal(semantic.mean_piece(snap), stored)

    # an index written before the mean was stored: computed from the sentence vectors
    monkeypatch.undo()
    monkeypatch.setattr(vq, "EXACT_MAX", 0)
    cur = (copy / "current").resolve()
    codes, mean, centrality = codes_file.read_codes(cur)
    codes_file.write_codes(cur, codes, mean, centrality)
    assert codes_file.read_piece_mean(cur) is None
    older = snapshot_mod.load(copy)
    assert older.vectors.piece_mean is None
    assert np.allclose(semantic.mean_piece(older), stored, atol=1e-7)


def test_prefetched_pages_read_as_before(tmp_path):
    """Prefetching a memory map (the 8-bit vectors at load) changes nothing a reader sees, and
    an array that is not a memory map is left alone."""
    np.save(tmp_path / "m.npy", np.arange(20_000 * 8, dtype=np.uint8).reshape(20_000, 8))
    m = np.load(tmp_path / "m.npy", mmap_mode="r")
    pages.prefetch(m)
    pages.prefetch(np.zeros(3))
    assert np.array_equal(m[12_345], (np.arange(12_345 * 8, 12_346 * 8) % 256).astype(np.uint8))


def test_best_piece_is_each_rows_best_sentence():
    # rows with none, one or several pieces, asked in any order (the ranking's)
    rng = np.random.default_rng(3)
    counts = np.array([0, 1, 3, 0, 2, 5, 1, 0, 4])
    starts = np.concatenate([[0], np.cumsum(counts)])
    pieces = rng.standard_normal((int(starts[-1]), 16)).astype(np.float32)
    query = rng.standard_normal(16).astype(np.float32)
    rows = np.array([5, 0, 2, 8, 3, 1, 6, 4, 7])
    got = semantic.best_piece(rows, query, pieces, starts)
    for row, cos in zip(rows, got, strict=True):
        lo, hi = starts[row], starts[row + 1]
        assert cos == (pytest.approx(float((pieces[lo:hi] @ query).max())) if hi > lo else -1.0)
