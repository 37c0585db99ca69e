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
    ref, ref_total = keyword.rank_whoosh(snap, kq, limit)
    got, total = keyword.rank(snap, kq, limit)
    _same(ref, got)
    assert total == ref_total


@pytest.mark.parametrize(("q", "filters"), FILTERED)
def test_sparse_filters_as_whoosh(engine, q: str, filters: Filters) -> None:
    snap = engine.snapshot
    kq = _query(engine, q)
    mask = filters.mask(snap)
    ref, ref_total = keyword.rank_whoosh(snap, kq, 100, mask=mask)
    got, total = keyword.rank(snap, kq, 100, mask=mask)
    _same(ref, got)
    assert total == ref_total
    # the filter holds when read from the passages themselves, not from the mask
    assert all(_passes(snap.passages[r], filters) for r, _ in got)
    unfiltered, _ = keyword.rank(snap, kq, 100)
    assert [r for r, _ in got] == [r for r, _ in unfiltered if _passes(snap.passages[r], filters)]


def _passes(p, f: Filters) -> bool:
    amount_ok = (f.min_amount is None and f.max_amount is None) or (
        p.amount_kr is not None
        and (f.min_amount is None or p.amount_kr >= f.min_amount)
        and (f.max_amount is None or p.amount_kr <= f.max_amount)
    )
    return (
        amount_ok
        and (f.year is None or p.year == f.year)
        and (f.committee is None or p.committee == f.committee)
    )


@pytest.mark.parametrize("q", ["brand*", "budget -kommune"])
def test_whoosh_fallback_reads_the_same_mask(engine, q: str) -> None:
    """Prefixes and exclusions go to Whoosh, which holds no filter fields: the mask reaches it
    as a set of docnums, and the filtered ranking is the unfiltered one with the rest left out."""
    snap = engine.snapshot
    kq = _query(engine, q)
    unfiltered, _ = keyword.rank(snap, kq, 100)
    assert keyword.plan(kq, snap.sparse.columns) is None and unfiltered
    top = snap.passages[unfiltered[0][0]].amount_kr
    for f in (Filters(max_amount=top - 1), Filters(min_amount=top)):
        got, total = keyword.rank(snap, kq, 100, mask=f.mask(snap))
        keep = [r for r, _ in unfiltered if _passes(snap.passages[r], f)]
        assert [r for r, _ in got] == keep and total == len(keep)
    assert keyword.rank(snap, kq, 100, mask=Filters(min_amount=top).mask(snap))[0]


@pytest.mark.parametrize("filters", [Filters(), Filters(max_amount=30_000_000), Filters(year=1999)])
def test_every_ranks_as_whoosh(engine, filters: Filters) -> None:
    """A filter with no words lists its passages: as Whoosh's `Every` does, without it."""
    snap = engine.snapshot
    mask = filters.mask(snap)
    for limit in (5, 100):
        got = keyword.rank(snap, wq.Every(), limit, mask=mask)
        assert got == keyword.rank_whoosh(snap, wq.Every(), limit, mask=mask)
    assert got[1] == (len(snap.passages) if mask is None else int(mask.sum()))


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
        assert keyword.rank(snap, kq, 100) == keyword.rank_whoosh(snap, kq, 100)
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
    from index.building import fulltext, sparse
    from index.building.store import SPARSE_CACHE

    snap = engine.snapshot
    cache = snap.path / SPARSE_CACHE
    assert cache.is_file()
    s = snap.searcher()
    again = sparse.load_or_build(s, fulltext.TEXT_FIELDS, cache)
    assert again is not None and again.columns == snap.sparse.columns
    assert (again.matrix != snap.sparse.matrix).nnz == 0
    assert again.positions is not None and isinstance(again.positions.data, np.memmap)
    assert np.array_equal(again.positions.data, snap.sparse.positions.data)
    assert np.array_equal(again.positions.offsets, snap.sparse.positions.offsets)
    for damage in (b"not a zip file", cache.read_bytes()[:-100]):
        other = tmp_path / SPARSE_CACHE
        other.write_bytes(damage)
        rebuilt = sparse.load_or_build(s, fulltext.TEXT_FIELDS, other)
        assert rebuilt is not None and rebuilt.columns == snap.sparse.columns
        with np.load(other) as written, np.load(cache) as first:  # written anew
            assert str(written["stamp"]) == str(first["stamp"])
    # positions files of the wrong length: the matrix still loads, phrases go to Whoosh
    short = tmp_path / "short" / SPARSE_CACHE
    short.parent.mkdir()
    short.write_bytes(cache.read_bytes())
    np.save(short.with_suffix(".offsets.npy"), np.zeros(3, dtype=np.int64))
    np.save(short.with_suffix(".positions.npy"), np.zeros(3, dtype=np.uint16))
    partial = sparse.load_or_build(s, fulltext.TEXT_FIELDS, short)
    assert partial is not None and partial.positions is None
    assert (partial.matrix != snap.sparse.matrix).nnz == 0


def test_doc_mask_follows_docnum_order() -> None:
    """An index whose docnums are not rows: the row mask is read through the docnum -> row map."""
    mask = np.array([True, False, True])
    doc_rows = np.array([2, 0, -1, 1])  # docnum 2 has no row
    assert keyword._doc_mask(mask, doc_rows).tolist() == [True, True, False, False]


@pytest.mark.parametrize("positions", [True, False], ids=["positions", "whoosh"])
def test_near_duplicates_rank_as_whoosh_with_one_round_of_phrase_checks(
    engine, seed_settings, tmp_path, monkeypatch, positions: bool
) -> None:
    """Boilerplate shared by many municipalities scores exactly alike; the lower docnum
    decides among equals, so the phrase check stops after its first round instead of
    walking every copy. Whether positions come from beside the matrix or from Whoosh."""
    from dataclasses import replace
    from types import SimpleNamespace

    from index.building import fulltext, sparse, store
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
    assert sx is not None and ix.doc_count() == len(passages) and sx.positions is not None
    if not positions:
        sx.positions = None
    dup = SimpleNamespace(sparse=sx, searcher=lambda: searcher, doc_rows=None,
                          row_of_doc=lambda d: d)  # fmt: skip
    kq = _query(engine, q)
    p = keyword.plan(kq, sx.columns)
    assert p is not None and p.phrases

    checked: list[int] = []
    name = "phrases_in" if positions else "phrase_matches"
    real = getattr(phrases, name)

    def counting(source, field, words, docnums):
        checked.append(len(docnums))
        return real(source, field, words, docnums)

    monkeypatch.setattr(phrases, name, counting)
    for limit in (10, 100):
        checked.clear()
        got, total = keyword.rank_sparse(dup, p, limit)
        want, want_total = keyword.rank_whoosh(dup, kq, limit)
        _same(got, want)
        assert total == want_total
        assert 0 < sum(checked) <= phrases.PHRASE_FIRST_CHECKS < len(shared) * copies


def test_positions_beside_the_matrix_are_whooshs(engine) -> None:
    """Every posting's positions, as kept beside the matrix, are those Whoosh stores."""
    snap = engine.snapshot
    sx = snap.sparse
    assert sx.positions is not None
    reader = snap.searcher().reader()
    checked = 0
    for (field, term), c in sx.columns.items():
        lo, hi = sx.matrix.indptr[c], sx.matrix.indptr[c + 1]
        owner, pos = sx.positions.of(np.arange(lo, hi))
        m = reader.postings(field, term.encode("utf-8"))
        for i, (doc, value) in enumerate(m.items_as("positions")):
            assert doc == sx.matrix.indices[lo + i]
            assert pos[owner == i].tolist() == list(value)
            checked += 1
    assert checked == sx.matrix.nnz


def test_phrase_check_from_positions_is_whooshs(engine) -> None:
    """For every document, the numpy phrase check agrees with Whoosh's matchers, on pairs of
    words that follow each other somewhere and pairs that never do."""
    from search import phrases

    snap = engine.snapshot
    sx = snap.sparse
    reader = snap.searcher().reader()
    docs = np.arange(sx.n_docs)
    cases = [
        ("body", ("pas", "kørekort")), ("body", ("kommun", "landsforening")),
        ("body", ("kørekort", "pas")), ("area", ("borgerservic",)),
        ("heading", ("udvikling", "udfordring")), ("body", ("the", "budget", "kommun")),
    ]  # fmt: skip
    found = 0
    for field, words in cases:
        got = phrases.phrases_in(sx, field, words, docs)
        want = phrases.phrase_matches(reader, field, words, docs)
        assert got.tolist() == want.tolist(), (field, words)
        found += int(got.sum())
    assert found > 0


def test_a_searcher_holds_no_copy_of_the_index_files(seed_settings) -> None:
    """A server keeps a Whoosh searcher per thread: each must read the segment's files, not
    copy them into memory (Whoosh's mmap path copies the postings whole per reader)."""
    import threading
    import tracemalloc

    from index.building import fulltext, store

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


def test_docs_with_all_is_the_intersection_of_the_columns(engine) -> None:
    sx = engine.snapshot.sparse
    body = sorted((t for f, t in sx.columns if f == "body"),
                  key=lambda t: -len(sx.column("body", t)[0]))  # fmt: skip
    common, rare = body[:3], body[-3:]
    for words in ([common[0]], common[:2], [common[0], rare[0]], [rare[1], common[1], common[2]],
                  [common[0], "ikke-et-ord"]):  # fmt: skip
        want = None
        for w in words:
            col = sx.column("body", w)
            docs = set() if col is None else set(col[0].tolist())
            want = docs if want is None else want & docs
        got = sx.docs_with_all("body", words)
        assert got.tolist() == sorted(want)
    assert len(sx.docs_with_all("body", common[:2])) > 0


def test_phrase_checks_stop_at_the_window(engine, monkeypatch) -> None:
    """No more documents get their phrases checked than the rescoring window, whatever the
    bound says; with the window wide enough the ranking is Whoosh's (the tests above)."""
    from search import phrases

    snap = engine.snapshot
    checked: list[int] = []
    real = phrases.phrases_in

    def counting(sx, field, words, docnums):
        checked.append(len(docnums))
        return real(sx, field, words, docnums)

    monkeypatch.setattr(phrases, "phrases_in", counting)
    monkeypatch.setattr(phrases, "PHRASE_FIRST_CHECKS", 1)
    for window in (1, 10_000):
        monkeypatch.setattr(phrases, "PHRASE_MAX_CHECKS_POSITIONS", window)
        per_window = []
        for q in ("pas og kørekort", "budget kommune", "rekruttering af medarbejdere"):
            p = keyword.plan(_query(engine, q), snap.sparse.columns)
            checked.clear()
            keyword.rank_sparse(snap, p, 100)
            assert max(checked, default=0) <= window
            per_window.append(sum(checked))
        if window == 1:
            assert max(per_window) > 0
        else:
            assert max(per_window) > 1  # the small window did cut work short


def test_both_ways_of_summing_columns_agree(engine, monkeypatch) -> None:
    """Term scores summed by scipy's column slice (long columns) and by one bincount (short
    ones) are the same numbers, so the ranking does not depend on which a query takes."""
    from index.building import sparse

    snap = engine.snapshot
    for q in QUERIES:
        p = keyword.plan(_query(engine, q), snap.sparse.columns)
        monkeypatch.setattr(sparse, "SLICE_MIN_POSTINGS", 0)
        sliced = snap.sparse.scores(p.terms)
        monkeypatch.setattr(sparse, "SLICE_MIN_POSTINGS", 10**12)
        counted = snap.sparse.scores(p.terms)
        assert np.allclose(sliced, counted, rtol=1e-12, atol=0) and counted.any()
