"""Every passage's text fields analysed once, as posting arrays: what the keyword index
(index/building/sparse.py) is written from.

Whoosh's own writer analyses each field through its Python token stream, pickles every posting
into a pool, sorts the pool and writes it back one posting at a time: at 100k passages two
thirds of the build. Here a field's postings are plain numpy arrays, sorted by term (UTF-8
bytes, Whoosh's lexicon order) and docnum with one stable argsort, and scored in a few numpy
operations.
"""

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from index.building.analysis import KIND_WEIGHT, Vocabulary, analyze
from index.config import python_running


@dataclass
class FieldPostings:
    """One field's postings, term by term in lexicon order, docnums ascending within a term.

    Posting k has ``positions[offsets[k]:offsets[k + 1]]`` in the order the analyser gave them
    (what Whoosh stores), and ``weights[k]``, the sum of its tokens' boosts."""

    terms: list[str]  # lexicon order
    counts: np.ndarray  # postings per term, int64
    docnums: np.ndarray  # int32
    weights: np.ndarray  # float64
    offsets: np.ndarray  # nnz + 1, int64
    positions: np.ndarray  # int32
    lengths: np.ndarray  # per document: its number of tokens in the field, int64

    @property
    def freqs(self) -> np.ndarray:
        return np.diff(self.offsets)


#: Below this many documents the postings are collected in-process: a helper process costs
#: ~0.3 s to start (the seed has 55 passages).
PARALLEL_MIN_DOCS = 4000
#: What a helper process runs (index.config.python_running).
_HELPER = ("index.building.postings", "_helper")

_GATHER = 1 << 20

Fields = Mapping[str, tuple[Sequence[str], Vocabulary | None]]


@dataclass
class _Raw:
    """One field's postings in document order, as scanned; term ids index `names`."""

    names: list[str]
    term_of: np.ndarray
    doc_of: np.ndarray
    weight_of: np.ndarray
    freq_of: np.ndarray
    flat: np.ndarray
    lengths: np.ndarray


def collect_fields(fields: Fields, workers: int = 1) -> dict[str, FieldPostings]:
    """Each field's postings (`fields`: name -> (one text per docnum, vocabulary)).

    With `workers` > 1 and enough documents, the documents are cut into that many runs and all
    but the first are analysed by fresh Python processes while this one analyses the first:
    analysis is pure Python, one core each. A helper that fails costs only time (its run is
    analysed here)."""
    n = len(next(iter(fields.values()))[0]) if fields else 0
    workers = 1 if n < PARALLEL_MIN_DOCS else max(1, workers)
    cuts = [n * i // workers for i in range(workers + 1)]
    runs = [
        {name: (texts[lo:hi], vocab) for name, (texts, vocab) in fields.items()}
        for lo, hi in itertools.pairwise(cuts)
    ]
    helpers = [_start_helper(run) for run in runs[1:]]
    scanned = [_scan_fields(runs[0])]
    for helper, run in zip(helpers, runs[1:], strict=True):
        scanned.append(_finish_helper(helper) or _scan_fields(run))
    return {
        name: _sorted(_merge([part[name] for part in scanned], cuts)) for name in fields
    }


def _scan_fields(fields: Fields) -> dict[str, _Raw]:
    return {name: _scan(texts, vocab) for name, (texts, vocab) in fields.items()}


def _start_helper(run: Fields) -> subprocess.Popen[bytes] | None:
    return _start_process(python_running(*_HELPER), run)


def _start_process(command: list[str], work: object) -> subprocess.Popen[bytes] | None:
    """A process running `command`, fed `work` pickled on stdin, its stdout a pipe for a
    pickled reply. None when it cannot start or dies before reading its work: the caller then
    does the work itself."""
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)  # fmt: skip
    except OSError:
        return None
    try:
        assert proc.stdin is not None
        with proc.stdin:
            pickle.dump(work, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:  # it died before reading its work (a broken pipe)
        proc.kill()
        proc.wait()
        return None
    return proc


def _finish_helper(proc: subprocess.Popen[bytes] | None) -> dict[str, _Raw] | None:
    if proc is None:
        return None
    assert proc.stdout is not None
    try:
        with proc.stdout:
            result = pickle.load(proc.stdout)
    except (EOFError, OSError, pickle.UnpicklingError):
        result = None
    if proc.wait() != 0:
        return None
    return result


def _helper() -> None:
    """A helper process: fields to scan from stdin, their _Raw postings to stdout."""
    run = pickle.load(sys.stdin.buffer)
    pickle.dump(_scan_fields(run), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


def _merge(parts: list[_Raw], cuts: list[int]) -> _Raw:
    """Runs of documents scanned apart, as one scan: term ids into one list of names, docnums
    offset by where each run starts."""
    if len(parts) == 1:
        return parts[0]
    ids: dict[str, int] = {}
    term_of = []
    for part in parts:
        remap = np.array([ids.setdefault(t, len(ids)) for t in part.names], dtype=np.int32)
        term_of.append(remap[part.term_of] if len(remap) else part.term_of)
    return _Raw(
        names=list(ids),
        term_of=np.concatenate(term_of),
        doc_of=np.concatenate([p.doc_of + lo for p, lo in zip(parts, cuts, strict=False)]),
        weight_of=np.concatenate([p.weight_of for p in parts]),
        freq_of=np.concatenate([p.freq_of for p in parts]),
        flat=np.concatenate([p.flat for p in parts]),
        lengths=np.concatenate([p.lengths for p in parts]),
    )


T = TypeVar("T")


def once_each(texts: Sequence[str], make: Callable[[str], T]) -> Iterator[T]:
    """`make(text)` for each text in order, made once for a text that recurs and held only
    until its last occurrence (so only repeated texts are held, and only while they can recur)."""
    left = {t: c for t, c in Counter(texts).items() if c > 1}
    kept: dict[str, T] = {}
    for text in texts:
        made = kept[text] if text in kept else make(text)
        if text in left:
            left[text] -= 1
            if left[text]:
                kept[text] = made
            else:
                del left[text]
                kept.pop(text, None)
        yield made


def _scan(texts: Sequence[str], vocab: Vocabulary | None) -> _Raw:
    ids: dict[str, int] = {}
    # 4-byte integers: at a million passages, 50 million postings and 60 million positions
    term_of = array("i")
    doc_of = array("i")
    weight_of = array("d")
    freq_of = array("i")
    flat = array("i")
    lengths = np.zeros(len(texts), dtype=np.int64)
    boost = KIND_WEIGHT
    # a text met again (an area title, a heading, boilerplate repeated year after year: two
    # thirds of the bench corpus's bodies) is analysed once
    analysed = once_each(texts, lambda t: _analysed(t, vocab, ids, boost) if t else None)
    for d, hit in enumerate(analysed):
        if hit is None:
            continue
        tids, weights, freqs, positions, n = hit
        lengths[d] = n
        term_of.extend(tids)
        doc_of.extend(array("i", (d,)) * len(tids))
        weight_of.extend(weights)
        freq_of.extend(freqs)
        flat.extend(positions)

    def np_of(a: array, dtype) -> np.ndarray:
        return np.frombuffer(a, dtype=dtype).copy() if len(a) else np.zeros(0, dtype=dtype)

    return _Raw(
        names=list(ids),
        term_of=np_of(term_of, np.int32),
        doc_of=np_of(doc_of, np.int32),
        weight_of=np_of(weight_of, np.float64),
        freq_of=np_of(freq_of, np.int32),
        flat=np_of(flat, np.int32),
        lengths=lengths,
    )


#: One text's postings: term ids (first seen first), weights, frequencies, their positions
#: one after the other, and the number of tokens.
_Postings = tuple[array, array, array, array, int]


def _analysed(
    text: str, vocab: Vocabulary | None, ids: dict[str, int], boost: Mapping[str, float]
) -> _Postings:
    """One text's postings; new terms get the next ids."""
    poses: dict[str, list[int]] = {}
    weights: dict[str, float] = {}
    n = 0
    for t in analyze(text, vocab):
        ps = poses.get(t.text)
        if ps is None:
            poses[t.text] = [t.pos]
            weights[t.text] = 0.0 + boost[t.kind]  # as Whoosh: a float sum from 0.0
        else:
            ps.append(t.pos)
            weights[t.text] += boost[t.kind]
        n += 1
    tids, freqs, flat = array("i"), array("i"), array("i")
    for term, ps in poses.items():
        i = ids.get(term)
        if i is None:
            i = ids[term] = len(ids)
        tids.append(i)
        freqs.append(len(ps))
        flat.extend(ps)
    return tids, array("d", weights.values()), freqs, flat, n


def _sorted(raw: _Raw) -> FieldPostings:
    """Postings from document order into lexicon order: one stable sort by term rank (they
    were appended docnum by docnum, so each term's docnums stay ascending)."""
    names = raw.names
    by_bytes = sorted(range(len(names)), key=lambda i: names[i].encode("utf-8"))
    rank = np.empty(len(names), dtype=np.int64)
    rank[by_bytes] = np.arange(len(names))
    order = np.argsort(rank[raw.term_of], kind="stable")
    freqs = raw.freq_of.astype(np.int64)
    starts = np.cumsum(freqs) - freqs
    sorted_freqs = freqs[order]
    offsets = np.concatenate(([0], np.cumsum(sorted_freqs))).astype(np.int64)
    positions = np.empty(int(offsets[-1]), dtype=raw.flat.dtype)
    for lo in range(0, len(order), _GATHER):  # a million postings at a time: bounded temporaries
        o = order[lo : lo + _GATHER]
        f = sorted_freqs[lo : lo + _GATHER]
        owner = np.repeat(np.arange(len(o)), f)
        first = offsets[lo : lo + len(o)] - offsets[lo]
        at = np.arange(len(owner), dtype=np.int64) - first[owner] + starts[o][owner]
        positions[offsets[lo] : offsets[lo] + len(at)] = raw.flat[at]
    return FieldPostings(
        terms=[names[i] for i in by_bytes],
        counts=np.bincount(raw.term_of, minlength=len(names))[by_bytes].astype(np.int64),
        docnums=raw.doc_of[order].astype(np.int32),
        weights=raw.weight_of[order],
        offsets=offsets,
        positions=positions,
        lengths=raw.lengths,
    )
