"""The sparse BM25F keyword path ranks exactly as Whoosh does, on the real seed index."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as wq

from search import expansion, keyword
from search.query import parse
from search.results import Filters

QUERIES = [
    "MitID", "DUT", "Barnets Lov", "brandhaner", "pas og kørekort", "klimaplan", "hjemløshed",
    "rekruttering af medarbejdere", "Hvad koster brandvæsenet?", "cyberangreb", "sygemeldte",
    "robotter", "Ukrainere", "refusion til arbejdsgivere", "landdistrikter",
    "Kommunernes Landsforening", "mit id", "sommerhus", '"pas og kørekort"', "budget kommune",
    "hvad koster jobcenter", "how much is spent on NIS2", "IT-sikkerhed", "brandvæsen",
]  # fmt: skip

FILTERED = [
    ("budget kommune", Filters(year=2024)),
    ("kommune", Filters(min_amount=1_000_000)),
    ("Kommunernes Landsforening", Filters(max_amount=50_000_000)),
    ("borgerservice", Filters(committee="Økonomiudvalget")),
    ("MitID", Filters(year=1999)),
]


def _query(engine, q: str) -> wq.Query:
    snap = engine.snapshot
    parsed = parse(q)
    kq = keyword.build_query(parsed, expansion.expand(parsed, snap), snap)
    assert kq is not None
    return kq


def _same(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> None:
    assert [r for r, _ in a] == [r for r, _ in b]
    for (_, x), (_, y) in zip(a, b, strict=True):
        assert y == pytest.approx(x, rel=1e-4)


def test_sparse_index_loaded(engine) -> None:
    sx = engine.snapshot.sparse
    assert sx is not None and sx.matrix.nnz > 0
    assert sx.matrix.data.dtype == np.float32 and sx.matrix.indices.dtype == np.int32


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("limit", [100, 3])
def test_sparse_ranks_as_whoosh(engine, q: str, limit: int) -> None:
    snap = engine.snapshot
    kq = _query(engine, q)
    assert keyword.plan(kq, snap.sparse.columns) is not None  # the fast path takes it
    ref, ref_total = keyword.rank_whoosh(snap, kq, None, limit)
    got, total = keyword.rank(snap, kq, None, limit)
    _same(ref, got)
    assert total == ref_total


@pytest.mark.parametrize(("q", "filters"), FILTERED)
def test_sparse_filters_as_whoosh(engine, q: str, filters: Filters) -> None:
    snap = engine.snapshot
    kq = _query(engine, q)
    mask = filters.mask(snap)
    fq = filters.whoosh_query()
    ref, ref_total = keyword.rank_whoosh(snap, kq, fq, 100)
    got, total = keyword.rank(snap, kq, fq, 100, mask=mask)
    _same(ref, got)
    assert total == ref_total


def test_phrase_bonus_is_exercised(engine) -> None:
    """Some seed query gets a phrase bonus, so the phrase check is really compared."""
    snap = engine.snapshot
    changed = 0
    for q in QUERIES:
        p = keyword.plan(_query(engine, q), snap.sparse.columns)
        with_phrases, _ = keyword.rank_sparse(snap, p, 100)
        p.phrases = []
        without, _ = keyword.rank_sparse(snap, p, 100)
        changed += with_phrases != without
    assert changed >= 2


def test_other_shapes_fall_back_to_whoosh(engine) -> None:
    snap = engine.snapshot
    for q in ("brand*", "budget -kommune"):
        kq = _query(engine, q)
        assert keyword.plan(kq, snap.sparse.columns) is None
        assert keyword.rank(snap, kq, None, 100) == keyword.rank_whoosh(snap, kq, None, 100)
    assert keyword.plan(wq.Every()) is None


def test_engine_search_unchanged(engine, monkeypatch) -> None:
    """Whole responses are the same with the fast path switched off."""
    cases = [(q, m) for q in QUERIES[:8] for m in ("keyword", "hybrid")]
    fast = [engine.search(q, mode=m).to_json() for q, m in cases]
    monkeypatch.setattr(engine.snapshot, "sparse", None)
    slow = [engine.search(q, mode=m).to_json() for q, m in cases]
    for a, b in zip(fast, slow, strict=True):
        for r in (a, b):  # scores agree to float32 precision (checked below), not bit for bit
            r.pop("took_ms", None)
            r["scores"] = [hit.pop("score") for hit in r["results"]]
        assert a["scores"] == pytest.approx(b.pop("scores"), rel=1e-4)
        a.pop("scores")
        assert a == b


def test_cache_file(engine, tmp_path) -> None:
    """The first load leaves the matrix next to the index; later loads read it back whole, and
    a damaged or foreign cache file is rebuilt over, never trusted."""
    from index import fulltext, sparse
    from index.store import SPARSE_CACHE

    snap = engine.snapshot
    cache = snap.path / SPARSE_CACHE
    assert cache.is_file()
    s = snap.searcher()
    again = sparse.load_or_build(s, fulltext.TEXT_FIELDS, cache)
    assert again is not None and again.columns == snap.sparse.columns
    assert (again.matrix != snap.sparse.matrix).nnz == 0
    for damage in (b"not a zip file", cache.read_bytes()[:-100]):
        other = tmp_path / SPARSE_CACHE
        other.write_bytes(damage)
        rebuilt = sparse.load_or_build(s, fulltext.TEXT_FIELDS, other)
        assert rebuilt is not None and rebuilt.columns == snap.sparse.columns
        with np.load(other) as written, np.load(cache) as first:  # written anew
            assert str(written["stamp"]) == str(first["stamp"])


def test_doc_mask_follows_docnum_order() -> None:
    """An index whose docnums are not rows: the row mask is read through the docnum -> row map."""
    mask = np.array([True, False, True])
    doc_rows = np.array([2, 0, -1, 1])  # docnum 2 has no row
    assert keyword._doc_mask(mask, doc_rows).tolist() == [True, True, False, False]


def test_near_duplicates_rank_as_whoosh_with_one_round_of_phrase_checks(
    engine, seed_settings, tmp_path, monkeypatch
) -> None:
    """Boilerplate shared by many municipalities scores exactly alike; the lower docnum
    decides among equals, so the phrase check stops after its first round instead of
    walking every copy (each costs a read of positions from Whoosh)."""
    from dataclasses import replace
    from types import SimpleNamespace

    from index import fulltext, sparse, store
    from search import phrases

    q = "pas og kørekort"
    base = store.read_passages(store.current_generation(seed_settings.index_dir))
    shared = [p for p in base if "kørekort" in p.text.casefold()]
    assert shared
    copies = 3 * phrases.PHRASE_FIRST_CHECKS // len(shared) + 1
    passages = base + [
        replace(p, id=f"{p.id}-{i}", municipality=f"Kommune {i}")
        for i in range(copies)
        for p in shared
    ]
    ix = fulltext.write(tmp_path / "whoosh", passages, engine.snapshot.vocab)
    searcher = fulltext.open_fulltext(tmp_path / "whoosh").searcher()
    sx = sparse.build(searcher, fulltext.TEXT_FIELDS)
    assert sx is not None and ix.doc_count() == len(passages)
    dup = SimpleNamespace(sparse=sx, searcher=lambda: searcher, doc_rows=None,
                          row_of_doc=lambda d: d)  # fmt: skip
    kq = _query(engine, q)
    p = keyword.plan(kq, sx.columns)
    assert p is not None and p.phrases

    checked: list[int] = []
    real = phrases.phrase_matches

    def counting(reader, field, words, docnums):
        checked.append(len(docnums))
        return real(reader, field, words, docnums)

    monkeypatch.setattr(phrases, "phrase_matches", counting)
    for limit in (10, 100):
        checked.clear()
        got, total = keyword.rank_sparse(dup, p, limit)
        want, want_total = keyword.rank_whoosh(dup, kq, None, limit)
        _same(got, want)
        assert total == want_total
        assert sum(checked) <= phrases.PHRASE_FIRST_CHECKS < len(shared) * copies


def test_a_searcher_holds_no_copy_of_the_index_files(seed_settings) -> None:
    """A server keeps a Whoosh searcher per thread: each must read the segment's files, not
    copy them into memory (Whoosh's mmap path copies the postings whole per reader)."""
    import threading
    import tracemalloc

    from index import fulltext, store

    gen = store.current_generation(seed_settings.index_dir)
    folder = gen / store.WHOOSH
    on_disk = sum(f.stat().st_size for f in folder.iterdir())
    ix = fulltext.open_fulltext(folder)
    grown: list[int] = []

    def open_and_search() -> None:
        tracemalloc.start()
        with ix.searcher() as s:
            s.search(wq.Term("body", "kørekort"), limit=10)
            grown.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()

    t = threading.Thread(target=open_and_search)
    t.start()
    t.join()
    assert grown and grown[0] < on_disk / 4
