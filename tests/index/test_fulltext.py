"""The Whoosh segment written from analysed postings is the one Whoosh's own writer writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Phrase

from index.building import fulltext, postings, sparse, store
from index.building.analysis import KIND_WEIGHT, Vocabulary
from index.config import Settings
from index.documents.document import Passage


@pytest.fixture(scope="module")
def passages(seed_settings: Settings) -> list[Passage]:
    """The seed's passages twelve times over (660: common terms span three 128-posting blocks),
    and one with no heading and one with no text."""
    base = store.read_passages(store.current_generation(seed_settings.index_dir))
    out = [replace(p, id=f"{p.id}-{i}") for i in range(12) for p in base]
    out[7] = replace(out[7], section="", subsection="")
    out[8] = replace(out[8], text="")
    return out


@pytest.fixture(scope="module")
def vocab(passages: list[Passage]) -> Vocabulary:
    return Vocabulary.from_texts([p.text for p in passages] + [p.area for p in passages])


def whoosh_written(path: Path, passages: list[Passage], vocab: Vocabulary):
    """The reference: Whoosh's add_document and commit."""
    path.mkdir()
    ix = FileStorage(str(path)).create_index(fulltext.schema(vocab))
    writer = ix.writer()
    for p in passages:
        writer.add_document(id=p.id, area=p.area, heading=fulltext.heading(p), body=p.text)
    writer.commit(optimize=True)
    return ix


def everything(ix) -> dict:
    """All a reader can tell of a segment: terms, their statistics, postings (docnum, weight,
    encoded positions), lengths and stored fields."""
    out: dict = {}
    with ix.reader() as r:
        for field in fulltext.TEXT_FIELDS:
            terms = {}
            for t in r.lexicon(field):
                info = r.term_info(field, t)
                m = r.postings(field, t)
                plist = []
                while m.is_active():
                    plist.append((m.id(), m.weight(), m.value()))
                    m.next()
                terms[t] = (
                    info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                    info.max_weight(), info.min_id(), info.max_id(), plist,
                )  # fmt: skip
            out[field] = terms
            docs = range(r.doc_count_all())
            out[f"{field} lengths"] = [r.doc_field_length(d, field) for d in docs]
            out[f"{field} total"] = r.field_length(field)
        out["stored"] = list(r.all_stored_fields())
    return out


def test_bulk_segment_equals_whooshs_own(tmp_path: Path, passages, vocab) -> None:
    ours = fulltext.write(tmp_path / "ours", passages, vocab)
    theirs = whoosh_written(tmp_path / "whoosh", passages, vocab)
    a, b = everything(ours), everything(theirs)
    assert a == b
    # what the comparison covered: multi-block terms, phrases' positions, empty fields
    counts = [len(v[-1]) for v in a["body"].values()]
    assert max(counts) > 2 * 128 and a["heading lengths"][7] is None
    assert a["stored"][0] == {"id": passages[0].id}
    # and Whoosh's phrase search reads the positions back alike
    phrase = Phrase("body", ["pas", "kørekort"])
    with ours.searcher() as s, theirs.searcher() as t:
        found = [h.docnum for h in s.search(phrase, limit=None)]
        assert found == [h.docnum for h in t.search(phrase, limit=None)] and len(found) >= 11


def test_sparse_matrix_from_the_postings_equals_the_one_read_back(tmp_path: Path, passages, vocab):
    analysed = fulltext.postings(passages, vocab)
    ix = fulltext.write(tmp_path / "ix", passages, vocab, analysed)
    with ix.searcher() as s:
        direct = sparse.build(s, fulltext.TEXT_FIELDS, analysed)
        read = sparse.build(s, fulltext.TEXT_FIELDS)
    assert direct is not None and read is not None and direct.positions is not None
    assert direct.columns == read.columns
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(direct.matrix, name), getattr(read.matrix, name)), name
    assert np.array_equal(direct.positions.offsets, read.positions.offsets)
    assert np.array_equal(direct.positions.data, read.positions.data)


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
    monkeypatch.setattr(postings, "_BOOT", "import sys; sys.exit(3)")
    _same(one, fulltext.postings(passages, vocab, workers=2))


def test_no_passages_write_what_whoosh_writes(tmp_path: Path, vocab) -> None:
    ours = fulltext.write(tmp_path / "ours", [], vocab)
    theirs = whoosh_written(tmp_path / "whoosh", [], vocab)
    assert ours.doc_count_all() == theirs.doc_count_all() == 0
    assert everything(ours) == everything(theirs)


def test_a_generation_opens_whatever_the_analysers_module_path_was(
    tmp_path: Path, monkeypatch, vocab
) -> None:
    """Whoosh pickles the schema, the analyser's module path with it; reading uses our own."""
    from index.building import analysis

    written = fulltext.write(tmp_path / "w", [], vocab)
    monkeypatch.delattr(analysis, "DanishAnalyzer")  # what unpickling the schema would look up
    assert fulltext.open_fulltext(tmp_path / "w").schema == written.schema


@pytest.mark.slow
def test_a_helper_process_writes_the_same_segment(tmp_path: Path, monkeypatch, passages, vocab):
    analysed = fulltext.postings(passages, vocab)
    here = fulltext.write(tmp_path / "here", passages, vocab, analysed)
    monkeypatch.setattr(fulltext, "BACKGROUND_MIN_DOCS", 1)
    with fulltext.writing(tmp_path / "helper", passages, analysed) as segment:
        assert segment._proc is not None  # the helper is at work
        helper = segment.index()
    assert everything(helper) == everything(here)
    assert helper.schema == here.schema


def test_a_failing_segment_helper_costs_only_time(tmp_path: Path, monkeypatch, passages, vocab):
    analysed = fulltext.postings(passages, vocab)
    here = fulltext.write(tmp_path / "here", passages, vocab, analysed)
    monkeypatch.setattr(fulltext, "BACKGROUND_MIN_DOCS", 1)
    # one that dies after writing half a segment: its files go, the segment is written here
    monkeypatch.setattr(fulltext, "_BOOT", "import sys, pathlib; "
                        "pathlib.Path(sys.argv[1], 'junk').write_text('x'); sys.exit(3)")
    monkeypatch.setattr(postings, "_ROOT", str(tmp_path / "broken"))  # start_process passes it
    (tmp_path / "broken").mkdir()
    with fulltext.writing(tmp_path / "broken", passages, analysed) as segment:
        broken = segment.index()
    assert everything(broken) == everything(here)
    assert not (tmp_path / "broken" / "junk").exists()


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


def test_positions_encoded_in_small_rounds_write_the_same(tmp_path: Path, monkeypatch, passages,
                                                          vocab) -> None:  # fmt: skip
    monkeypatch.setattr(fulltext, "_ENCODE_CHUNK", 7)  # windows end inside blocks and terms
    ours = fulltext.write(tmp_path / "ours", passages, vocab)
    assert everything(ours) == everything(whoosh_written(tmp_path / "whoosh", passages, vocab))
