"""Keyword ranking from the keyword index ranks exactly as Whoosh does: a Whoosh index of the
seed's passages, written and searched through Whoosh's public API, is the oracle."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from whoosh import query as wq

from index.building import fulltext, sparse, store
from passages_file import read_passages, whoosh_written
from search import columns, expansion, keyword, phrases
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


def whoosh_rank(searcher, q: wq.Query, limit: int, mask: np.ndarray | None = None
                ) -> tuple[list[tuple[int, float]], int]:  # fmt: skip
    """Whoosh's own ranking of the query (docnum = row), the filter given as the docnums it
    allows; block-quality skipping off, as it can drop matches of an exclusion."""
    allowed = None if mask is None else set(np.flatnonzero(mask).tolist())
    if allowed is not None and not allowed:  # Whoosh reads an empty set as no filter at all
        return [], 0
    results = searcher.search(q, limit=limit, filter=allowed, optimize=False)
    return [(int(d), float(s)) for d, s in results.items()], len(results)


@pytest.fixture(scope="module")
def passages(seed_settings):
    return read_passages(store.current_generation(seed_settings.index_dir))


@pytest.fixture(scope="module")
def oracle(engine, passages, tmp_path_factory):
    ix = whoosh_written(tmp_path_factory.mktemp("oracle") / "whoosh", passages,
                        engine.snapshot.vocab)  # fmt: skip
    with ix.searcher() as s:
        yield s


def test_keyword_index_loaded(engine) -> None:
    sx = engine.snapshot.sparse
    assert sx.matrix.nnz > 0 and sx.n_docs == len(engine.snapshot.passages)
    assert sx.matrix.data.dtype == np.float32 and sx.matrix.indices.dtype == np.int32
    assert isinstance(sx.positions.data, np.memmap)


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("limit", [100, 3])
def test_ranks_as_whoosh(engine, oracle, q: str, limit: int) -> None:
    snap = engine.snapshot
    kq = _query(engine, q)
    assert keyword.plan(kq, snap.sparse.columns) is not None
    ref, ref_total = whoosh_rank(oracle, kq, limit)
    got, total = keyword.rank(snap, kq, limit)
    _same(ref, got)
    assert total == ref_total


@pytest.mark.parametrize(("q", "filters"), FILTERED)
def test_filters_as_whoosh(engine, oracle, q: str, filters: Filters) -> None:
    snap = engine.snapshot
    kq = _query(engine, q)
    mask = filters.mask(snap)
    ref, ref_total = whoosh_rank(oracle, kq, 100, mask)
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


def _holding(engine, passages, words: list[str]) -> set[int]:
    """The rows whose analysed text fields hold one of the words' terms: read from the
    analyser, not from the index."""
    from index.building.analysis import analyze, term_forms

    terms = {t for w in words for t, _ in term_forms(w, None)}
    vocab = engine.snapshot.vocab
    out = set()
    for r, p in enumerate(passages):
        texts = [(p.area, None), (fulltext.heading(p), vocab), (p.text, vocab)]
        if any(t.text in terms for text, v in texts for t in analyze(text, v)):
            out.add(r)
    return out


EXCLUDED = [("budget -kommune", ["kommune"]), ("MitID -borger", ["borger"]),
            ("brandvæsen -beredskab -brand", ["beredskab", "brand"])]


@pytest.mark.parametrize(("q", "without"), EXCLUDED)
def test_exclusions_leave_out_every_passage_holding_the_word(engine, passages, q, without):
    snap = engine.snapshot
    kq = _query(engine, q)
    assert type(kq) is wq.AndNot and keyword.plan(kq, snap.sparse.columns) is not None
    kept, total = keyword.rank(snap, kq, 1000)
    plain, _ = keyword.rank(snap, kq.a, 1000)
    gone = _holding(engine, passages, without)
    assert gone and [r for r, _ in kept] == [r for r, _ in plain if r not in gone]
    assert total == len(kept)


def test_a_prefix_finds_every_passage_with_a_word_it_begins(engine, passages) -> None:
    """A prefix scores a constant (its field's boost) where a term begins with it, however
    often: the area title first, then headings, then text; filters apply as to words."""
    snap = engine.snapshot
    kq = _query(engine, "brand*")
    got, total = keyword.rank(snap, kq, 1000)
    want = {r for r, p in enumerate(passages)
            if any(t.startswith("brand") for t in _terms(engine, p))}  # fmt: skip
    assert {r for r, _ in got} == want and total == len(want) >= 3
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True)
    in_title = {r for r, p in enumerate(passages) if "brand" in p.area.casefold()}
    assert {r for r, _ in got[: len(in_title)]} == in_title
    top = snap.passages[got[0][0]].amount_kr
    for f in (Filters(max_amount=top - 1), Filters(min_amount=top)):
        kept, n = keyword.rank(snap, kq, 1000, mask=f.mask(snap))
        assert [r for r, _ in kept] == [r for r, _ in got if _passes(snap.passages[r], f)]
        assert n == len(kept)


def _terms(engine, p) -> set[str]:
    from index.building.analysis import analyze

    vocab = engine.snapshot.vocab
    texts = [(p.area, None), (fulltext.heading(p), vocab), (p.text, vocab)]
    return {t.text for text, v in texts for t in analyze(text, v)}


@pytest.mark.parametrize("filters", [Filters(), Filters(max_amount=30_000_000), Filters(year=1999)])
def test_every_ranks_as_whoosh(engine, oracle, filters: Filters) -> None:
    """A filter with no words lists its passages, as Whoosh's `Every` does."""
    snap = engine.snapshot
    mask = filters.mask(snap)
    for limit in (5, 100):
        got = keyword.rank(snap, wq.Every(), limit, mask=mask)
        assert got == whoosh_rank(oracle, wq.Every(), limit, mask)
    assert got[1] == (len(snap.passages) if mask is None else int(mask.sum()))


def test_phrase_bonus_is_exercised(engine) -> None:
    """Some seed query gets a phrase bonus, so the phrase check is really compared."""
    snap = engine.snapshot
    changed = 0
    for q in QUERIES:
        p = keyword.plan(_query(engine, q), snap.sparse.columns)
        with_phrases, _ = keyword._rank_plan(snap, p, 100)
        p.phrases = []
        without, _ = keyword._rank_plan(snap, p, 100)
        changed += with_phrases != without
    assert changed >= 2


def test_other_shapes_are_refused(engine) -> None:
    snap = engine.snapshot
    for q in (wq.And([wq.Term("body", "pas"), wq.Term("body", "kørekort")]),
              wq.FuzzyTerm("body", "kørekort"), wq.Phrase("body", ["pas", "kørekort"], slop=3)):
        assert keyword.plan(q) is None
        with pytest.raises(ValueError, match="not a query"):
            keyword.rank(snap, q, 10)


def test_near_duplicates_rank_as_whoosh_with_one_round_of_phrase_checks(
    engine, passages, tmp_path, monkeypatch
) -> None:
    """Boilerplate shared by many municipalities scores exactly alike; the lower row decides
    among equals, so the phrase check stops after its first round instead of walking every
    copy."""
    from dataclasses import replace

    from search import phrases

    q = "pas og kørekort"
    shared = [p for p in passages if "kørekort" in p.text.casefold()]
    assert shared
    copies = 3 * phrases.PHRASE_FIRST_CHECKS // len(shared) + 1
    dups = passages + [
        replace(p, id=f"{p.id}-{i}", municipality=f"Kommune {i}")
        for i in range(copies)
        for p in shared
    ]
    vocab = engine.snapshot.vocab
    sx = sparse.build(fulltext.postings(dups, vocab), len(dups), fulltext.TEXT_FIELDS)
    dup = SimpleNamespace(sparse=sx)
    kq = _query(engine, q)
    p = keyword.plan(kq, sx.columns)
    assert p is not None and p.phrases

    checked: list[int] = []
    real = phrases.phrases_in

    def counting(source, field, words, docnums):
        checked.append(len(docnums))
        return real(source, field, words, docnums)

    monkeypatch.setattr(phrases, "phrases_in", counting)
    with whoosh_written(tmp_path / "dups", dups, vocab).searcher() as s:
        for limit in (10, 100):
            checked.clear()
            got, matched = keyword._rank_plan(dup, p, limit)
            want, want_total = whoosh_rank(s, kq, limit)
            _same(got, want)
            assert len(matched) == want_total
            assert 0 < sum(checked) <= phrases.PHRASE_FIRST_CHECKS < len(shared) * copies


def test_rows_with_all_is_the_intersection_of_the_columns(engine) -> None:
    sx = engine.snapshot.sparse
    body = sorted((t for f, t in sx.columns if f == "body"),
                  key=lambda t: -len(columns.column(sx, "body", t)[0]))  # fmt: skip
    common, rare = body[:3], body[-3:]
    for words in ([common[0]], common[:2], [common[0], rare[0]], [rare[1], common[1], common[2]],
                  [common[0], "ikke-et-ord"]):  # fmt: skip
        want = None
        for w in words:
            col = columns.column(sx, "body", w)
            docs = set() if col is None else set(col[0].tolist())
            want = docs if want is None else want & docs
        got = columns.rows_with_all(sx, "body", words)
        assert got.tolist() == sorted(want)
    assert len(columns.rows_with_all(sx, "body", common[:2])) > 0


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
        monkeypatch.setattr(phrases, "PHRASE_MAX_CHECKS", window)
        per_window = []
        for q in ("pas og kørekort", "budget kommune", "rekruttering af medarbejdere"):
            p = keyword.plan(_query(engine, q), snap.sparse.columns)
            checked.clear()
            keyword._rank_plan(snap, p, 100)
            assert max(checked, default=0) <= window
            per_window.append(sum(checked))
        if window == 1:
            assert max(per_window) > 0
        else:
            assert max(per_window) > 1  # the small window did cut work short


def test_both_ways_of_summing_columns_agree(engine, monkeypatch) -> None:
    """Term scores summed by scipy's column slice (long columns) and by one bincount (short
    ones) are the same numbers, so the ranking does not depend on which a query takes."""
    snap = engine.snapshot
    for q in QUERIES:
        p = keyword.plan(_query(engine, q), snap.sparse.columns)
        monkeypatch.setattr(columns, "SLICE_MIN_POSTINGS", 0)
        sliced = columns.scores(snap.sparse, p.terms)
        monkeypatch.setattr(columns, "SLICE_MIN_POSTINGS", 10**12)
        counted = columns.scores(snap.sparse, p.terms)
        assert np.allclose(sliced, counted, rtol=1e-12, atol=0) and counted.any()


@pytest.mark.parametrize("q", ["konsulentudgifter", "kommunalvalg", "lønudgifter", "cybertrusler",
                               "sygeplejeelever", "personaleledelse", "valgudgifter"])
def test_parts_near_each_other_as_the_analyser_places_them(engine, passages, q: str) -> None:
    """A compound's parts within a window of each other, in either order, read from the
    positions beside the matrix: the same rows as the analyser's own positions give."""
    from index.building.analysis import analyze

    snap = engine.snapshot
    group = expansion.expand(parse(q), snap).groups[0]
    parts = [t for t, kind in group.items() if kind == "part"]
    assert len(parts) == 2
    at = [{r: [t.pos for t in analyze(p.text, snap.vocab) if t.text == w]
           for r, p in enumerate(passages)} for w in parts]  # fmt: skip
    seen = set()
    for window in (0, 1, 2, 3, 50):
        want = {r for r in range(len(passages))
                if any(abs(a - b) <= window for a in at[0][r] for b in at[1][r])}  # fmt: skip
        got = phrases.near_rows(snap.sparse, "body", parts, window)
        assert got.tolist() == sorted(want)
        seen.add(len(want))
    assert len(seen) > 1 or q == "cybertrusler"  # the window decides, for most of them
