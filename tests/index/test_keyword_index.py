"""The keyword index written from the analysed postings scores as Whoosh does: a Whoosh index of
the same passages, written and read through Whoosh's public API, is the oracle."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from whoosh.query import Phrase, Term

from index.building import fulltext, postings, sparse, store
from index.building.analysis import KIND_WEIGHT, Vocabulary
from index.config import Settings
from index.documents.document import Passage
from passages_file import read_passages, whoosh_written
from search import columns


@pytest.fixture(scope="module")
def passages(seed_settings: Settings) -> list[Passage]:
    """The seed's passages twelve times over (660: common terms span several of Whoosh's
    128-posting blocks), one with no heading, one with no text and one long one (lengths
    past what one byte holds exactly)."""
    base = read_passages(store.current_generation(seed_settings.index_dir))
    out = [replace(p, id=f"{p.id}-{i}") for i in range(12) for p in base]
    out[7] = replace(out[7], section="", subsection="")
    out[8] = replace(out[8], text="")
    out[9] = replace(out[9], text=" ".join(p.text for p in base[:6]))
    return out


@pytest.fixture(scope="module")
def vocab(passages: list[Passage]) -> Vocabulary:
    return Vocabulary.from_texts([p.text for p in passages] + [p.area for p in passages])


@pytest.fixture(scope="module")
def written(passages, vocab) -> sparse.SparseIndex:
    analysed = fulltext.postings(passages, vocab)
    return sparse.build(analysed, len(passages), fulltext.TEXT_FIELDS)


@pytest.fixture(scope="module")
def oracle(tmp_path_factory, passages, vocab):
    return whoosh_written(tmp_path_factory.mktemp("oracle") / "whoosh", passages, vocab)


def test_every_column_scores_as_whooshs_bm25f(written, oracle) -> None:
    """Each (field, term): the passages holding it and their scores are those Whoosh's
    searcher gives the term (its default weighting, BM25F)."""
    with oracle.searcher() as s:
        assert {(f, t.decode("utf-8")) for f in fulltext.TEXT_FIELDS for t in s.lexicon(f)} == set(
            written.columns
        )
        for (field, term), _ in sorted(written.columns.items(), key=lambda kv: kv[1])[::7]:
            rows, got = columns.column(written, field, term)
            want = dict(s.search(Term(field, term), limit=None).items())
            assert sorted(want) == rows.tolist(), (field, term)
            assert np.allclose(got, [want[r] for r in rows.tolist()], rtol=1e-6, atol=0)
    # what the comparison covered: terms in hundreds of passages, a passage with no heading
    assert max(np.diff(written.matrix.indptr)) > 2 * 128
    assert not written.matrix[7, [c for (f, _), c in written.columns.items() if f == "heading"]].nnz


def test_positions_are_whooshs(written, oracle) -> None:
    """Every posting's positions, as kept beside the matrix, are those Whoosh stores."""
    checked = 0
    with oracle.reader() as r:
        for (field, term), c in list(written.columns.items())[::5]:
            lo, hi = written.matrix.indptr[c], written.matrix.indptr[c + 1]
            owner, pos = columns.positions_of(written.positions, np.arange(lo, hi))
            m = r.postings(field, term.encode("utf-8"))
            for i, (doc, value) in enumerate(m.items_as("positions")):
                assert doc == written.matrix.indices[lo + i]
                assert pos[owner == i].tolist() == list(value)
                checked += 1
    assert checked > 1000


def test_phrase_checks_find_what_whooshs_phrase_query_finds(written, oracle, passages) -> None:
    from search import phrases

    rows = np.arange(len(passages))
    found = 0
    with oracle.searcher() as s:
        for field, words in [("body", ("pas", "kørekort")), ("body", ("kommun", "landsforening")),
                             ("body", ("kørekort", "pas")), ("body", ("the", "budget", "kommun")),
                             ("heading", ("udvikling", "udfordring"))]:  # fmt: skip
            got = np.flatnonzero(phrases.phrases_in(written, field, words, rows)).tolist()
            want = sorted(h.docnum for h in s.search(Phrase(field, list(words)), limit=None))
            assert got == want, (field, words)
            found += len(got)
    assert found >= 11


def test_written_and_read_back_whole(tmp_path: Path, written) -> None:
    files = (tmp_path / "k.npz", tmp_path / "k.offsets.npy", tmp_path / "k.positions.npy")
    sparse.write(written, fulltext.TEXT_FIELDS, *files)
    again = sparse.read(fulltext.TEXT_FIELDS, *files)
    assert again.columns == written.columns
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(again.matrix, name), getattr(written.matrix, name)), name
    assert isinstance(again.positions.data, np.memmap)  # a query pages in its phrases' postings
    assert np.array_equal(again.positions.data, written.positions.data)
    assert np.array_equal(again.positions.offsets, written.positions.offsets)
    # positions that do not fit the matrix are refused, not read as phrases that never match
    np.save(files[2], np.zeros(3, dtype=np.uint16))
    with pytest.raises(ValueError, match="positions"):
        sparse.read(fulltext.TEXT_FIELDS, *files)


def test_no_passages_no_terms(tmp_path: Path, vocab) -> None:
    for texts in ([], [""]):
        ps = [Passage(id=f"p{i}", document="d", municipality="m", committee="c", year=2024,
                      area="", amount_kr=None, section="", subsection="", text=t, amounts=(),
                      line_start=1, line_end=1) for i, t in enumerate(texts)]  # fmt: skip
        sx = sparse.build(fulltext.postings(ps, vocab), len(ps), fulltext.TEXT_FIELDS)
        assert sx.matrix.shape == (len(ps), 0) and not sx.columns
        files = (tmp_path / "k.npz", tmp_path / "o.npy", tmp_path / "p.npy")
        sparse.write(sx, fulltext.TEXT_FIELDS, *files)
        assert sparse.read(fulltext.TEXT_FIELDS, *files).matrix.shape == (len(ps), 0)
        assert not columns.scores(sx, [("body", "budget", 1.0)]).any()


def _same(a: dict[str, postings.FieldPostings], b: dict[str, postings.FieldPostings]) -> None:
    assert a.keys() == b.keys()
    for field in a:
        x, y = a[field], b[field]
        assert x.terms == y.terms, field
        for name in ("counts", "docnums", "weights", "offsets", "positions", "lengths"):
            assert np.array_equal(getattr(x, name), getattr(y, name)), (field, name)


def test_helper_processes_collect_what_one_process_does(monkeypatch, passages, vocab) -> None:
    one = fulltext.postings(passages, vocab, workers=1)
    monkeypatch.setattr(postings, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(postings, "_GATHER", 7)  # positions reordered in many small rounds
    three = fulltext.postings(passages, vocab, workers=3)
    _same(one, three)


def test_a_failing_helper_costs_only_time(monkeypatch, passages, vocab) -> None:
    one = fulltext.postings(passages, vocab, workers=1)
    monkeypatch.setattr(postings, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(postings, "_HELPER", ("sys", "exit"))  # exits at once, no reply
    _same(one, fulltext.postings(passages, vocab, workers=2))


def _scan_each(texts: list[str], vocab: Vocabulary | None) -> postings._Raw:
    """The reference scan: every text analysed, repeated or not."""
    ids: dict[str, int] = {}
    rows: list[tuple] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for d, text in enumerate(texts):
        if not text:
            continue
        tids, weights, freqs, flat, n = postings._analysed(text, vocab, ids, KIND_WEIGHT)
        lengths[d] = n
        rows.append((tids, [d] * len(tids), weights, freqs, flat))
    cols = [np.array([v for r in rows for v in r[k]]) for k in range(5)]
    return postings._Raw(list(ids), *cols, lengths)


def test_repeated_texts_are_scanned_as_if_each_were_analysed(passages, vocab) -> None:
    texts = [p.text for p in passages[:120]] + ["", "Pas og kørekort"] * 3
    texts += [passages[0].text, passages[200].text]
    ours, ref = postings._scan(texts, vocab), _scan_each(texts, vocab)
    assert ours.names == ref.names
    for name in ("term_of", "doc_of", "weight_of", "freq_of", "flat", "lengths"):
        assert getattr(ours, name).tolist() == getattr(ref, name).tolist(), name
