"""The Whoosh side of the index: schema, field boosts and writing passages.

Where the folder lives in a generation, and the sparse keyword matrix derived from it, is
:mod:`index.building.store`'s.
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import subprocess
import sys
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from whoosh import fields, formats, index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from index.building.analysis import DanishAnalyzer, Vocabulary
from index.building.postings import FieldPostings, collect_fields, start_process
from index.documents.document import Passage

#: Where a query word counts most: an area title names what the passage is about.
FIELD_BOOSTS = {"area": 2.5, "heading": 1.5, "body": 1.0}
TEXT_FIELDS = tuple(FIELD_BOOSTS)


def schema(vocab: Vocabulary | None = None) -> fields.Schema:
    """Text fields and the passage id. Filters (area, year, amount, …) are masks over the
    passage table's columns (search/filters.py), so they need no Whoosh fields: at 100k
    passages their 31 postings a passage were 40 % of the segment's postings and of its build
    time."""
    analyzer = DanishAnalyzer(vocab)
    return fields.Schema(
        id=fields.STORED(),  # docnum -> passage; never searched, so no postings
        # titles unsplit: "Borgerservice" is about citizen service, not about every "borger"
        area=fields.TEXT(analyzer=DanishAnalyzer(None), phrase=True),
        heading=fields.TEXT(analyzer=analyzer, phrase=True),
        body=fields.TEXT(analyzer=analyzer, phrase=True),
    )


def heading(p: Passage) -> str:
    return " ".join(x for x in (p.section, p.subsection) if x)


def field_texts(passages: Sequence[Passage]) -> dict[str, list[str]]:
    """Each text field's value per passage, in docnum order."""
    return {
        "area": [p.area for p in passages],
        "heading": [heading(p) for p in passages],
        "body": [p.text for p in passages],
    }


def postings(
    passages: Sequence[Passage], vocab: Vocabulary, workers: int = 1
) -> dict[str, FieldPostings]:
    """The text fields' postings, each analysed with its schema analyser's vocabulary (none for
    titles, kept unsplit), by up to `workers` processes."""
    declared = schema(vocab)
    return collect_fields(
        {
            name: (texts, declared[name].analyzer.vocab)
            for name, texts in field_texts(passages).items()
        },
        workers,
    )


def write(
    path: Path,
    passages: Sequence[Passage],
    vocab: Vocabulary,
    analysed: dict[str, FieldPostings] | None = None,
) -> index.Index:
    """One optimised segment holding the passages, docnum = position in `passages`.

    The same segment Whoosh's ``add_document`` + ``commit`` would write (tests/index/
    test_fulltext.py compares them term by term), written from `analysed` postings through
    Whoosh's own codec a block at a time: Whoosh's writer spends ~25 µs of Python per posting."""
    if analysed is None:
        analysed = postings(passages, vocab)
    return _write_segment(path, [p.id for p in passages], analysed)


def _write_segment(path: Path, ids: list[str], analysed: dict[str, FieldPostings]) -> index.Index:
    # the schema's vocabulary only serves analysing, which bulk writing does not do (nor is it
    # pickled into the segment's table of contents): one without writes the same files
    path.mkdir(parents=True, exist_ok=True)
    ix = FileStorage(str(path)).create_index(schema(None))
    writer = _BulkWriter(ix, ids, analysed)
    writer.commit(optimize=True)
    return ix


#: From this many passages on, the segment is written by a helper process (~0.3 s to start).
BACKGROUND_MIN_DOCS = 4000
#: What the helper process runs: this very `index` package (its folder is argv[1]).
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from index.building.fulltext import _writer; _writer()"
)


class Segment:
    """A segment being written by a helper process; `index()` waits for it."""

    def __init__(self, path: Path, ids: list[str], analysed: dict[str, FieldPostings],
                 proc: subprocess.Popen[bytes] | None) -> None:  # fmt: skip
        self.path, self._ids, self._analysed, self._proc = path, ids, analysed, proc

    def index(self) -> index.Index:
        """The written index: the helper's, or written here when it could not write it."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.wait() == 0:
            with contextlib.suppress(Exception):  # a segment that does not open is rewritten
                return FileStorage(str(self.path)).open_index()
        shutil.rmtree(self.path, ignore_errors=True)
        return _write_segment(self.path, self._ids, self._analysed)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None


@contextlib.contextmanager
def writing(
    path: Path, passages: Sequence[Passage], analysed: dict[str, FieldPostings]
) -> Iterator[Segment]:
    """`write`, by a helper process while the caller writes its other files: the segment is
    ~14 s of one core at 100k passages, all of it Python. Small indexes (and a helper that
    fails) are written in this process, when `index()` is asked for."""
    ids = [p.id for p in passages]
    proc = _start_writer(path, ids, analysed) if len(ids) >= BACKGROUND_MIN_DOCS else None
    segment = Segment(path, ids, analysed, proc)
    try:
        yield segment
    finally:
        segment.stop()


def _start_writer(
    path: Path, ids: list[str], analysed: dict[str, FieldPostings]
) -> subprocess.Popen[bytes] | None:
    return start_process(_BOOT, (str(path), ids, analysed), reply=False)


def _writer() -> None:
    """The helper process: (path, ids, postings) from stdin, the segment written at path."""
    path, ids, analysed = pickle.load(sys.stdin.buffer)
    _write_segment(Path(path), ids, analysed)


def open_fulltext(path: Path) -> index.Index:
    """The index for reading, its files read through file handles, not memory-mapped.

    With mmap, Whoosh hands each reader its compound segment as a ``BytesIO`` over the mapped
    bytes, which copies the postings and term files whole: at 100k passages 85 MB and 50 ms
    for every searcher, and a server keeps one searcher per thread.

    The schema is this module's, not the one Whoosh pickled into the table of contents: that
    pickle names the analyser's module (``index.analysis`` before the split into sub-packages),
    and a generation must open whatever its code's module paths were when it was built."""
    return FileStorage(str(path), supports_mmap=False).open_index(schema=schema(None))


class _BulkWriter(SegmentWriter):
    """A Whoosh segment writer fed whole posting lists instead of documents.

    It writes what ``add_document`` does per document (stored id, field lengths) into the
    codec's per-document columns a column at a time; at commit, each term's postings go to the
    codec's postings writer in blocks of its size, with the statistics its own ``add_posting``
    would keep."""

    def __init__(
        self, ix: index.Index, ids: list[str], analysed: dict[str, FieldPostings]
    ) -> None:
        super().__init__(ix)
        self._analysed = analysed
        self._ids = ids
        schema = self.schema
        names = sorted(schema.names())  # add_document's field order
        self._indexed = [n for n in names if schema[n].indexed]
        missing = [n for n in self._indexed if n not in analysed]
        if missing or schema["id"].indexed or not schema["id"].stored:
            raise ValueError(f"bulk writing needs postings of {missing} and a stored id only")
        _write_columns(self.perdocwriter, ids, {n: analysed[n].lengths for n in self._indexed})
        self.docnum = len(self._ids)
        self._added = bool(self._ids)  # as add_document: no documents, no segment

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for name in self._indexed:  # the pool's order: by field name
            fieldobj = self.schema[name]
            fw.start_field(name, fieldobj)
            _write_field(fw, fieldobj, self._analysed[name])
            fw.finish_field()
        fw.close()


def _write_columns(pdw, ids: list[str], lengths: dict[str, np.ndarray]) -> None:
    """What ``start_doc``, ``add_field`` and ``finish_doc`` store for each document, column by
    column (each column is a file of its own, so the order of adds across columns is no matter):
    a length byte where a field has tokens, the stored id; length columns are created in the
    order documents would create them (at the first document with that field)."""
    if not ids:
        return
    names = list(lengths)  # add_document's order: by name
    firsts = sorted((int(nz[0]), i) for i, n in enumerate(names)
                    if len(nz := np.flatnonzero(lengths[n])))  # fmt: skip
    for _first, i in firsts:
        name = names[i]
        column = _lenfield(name)
        pdw._create_column(column, LENGTHS_COLUMN)
        add = pdw._get_column(column).add
        docs = np.flatnonzero(lengths[name])
        values, inverse = np.unique(lengths[name][docs], return_inverse=True)
        table = [length_to_byte(int(v)) for v in values]
        for d, k in zip(docs.tolist(), inverse.reshape(-1).tolist(), strict=True):
            add(d, table[k])
        pdw._fieldlengths[name] += int(lengths[name].sum())
    add = pdw._get_column("_stored").add
    for d, pid in enumerate(ids):
        add(d, {"id": pid})
    # as after the last finish_doc
    pdw._doccount, pdw._docnum, pdw._storedfields, pdw._indoc = len(ids), len(ids) - 1, {}, False


#: Postings whose encoded positions are made at once (bounded memory at a million passages).
_ENCODE_CHUNK = 1 << 20


def _encoded(fp: FieldPostings, encode, lo: int, hi: int, single: dict[int, bytes]) -> list:
    """The encoded positions of postings lo..hi-1: those with one position (most) shared by
    position from `single`, the others encoded one by one."""
    offsets = fp.offsets[lo : hi + 1]
    freqs = np.diff(offsets)
    out = np.empty(hi - lo, dtype=object)
    one = freqs == 1
    pos = fp.positions[offsets[:-1][one]]
    values, inverse = np.unique(pos, return_inverse=True)
    table = np.empty(len(values), dtype=object)
    for k, v in enumerate(values.tolist()):
        b = single.get(v)
        if b is None:
            b = single[v] = encode([v])
        table[k] = b
    out[one] = table[inverse.reshape(-1)]
    positions = fp.positions
    for k in np.flatnonzero(~one).tolist():
        out[k] = encode(positions[offsets[k] : offsets[k + 1]].tolist())
    return out.tolist()


def _write_field(fw, fieldobj: fields.FieldType, fp: FieldPostings) -> None:
    fmt = fieldobj.format
    if type(fmt) is not formats.Positions:
        raise ValueError(f"bulk writing needs a Positions format, not {type(fmt).__name__}")
    weights = fp.weights * fmt.field_boost
    # the length add_posting is given is the stored one: the length byte read back
    lengths = _quantised(fp.lengths)[fp.docnums]
    bounds = np.concatenate(([0], np.cumsum(fp.counts))).tolist()
    # a posting with one position is most postings: its bytes are shared, by position (those
    # with more vary too much to keep: millions of distinct lists at a million passages)
    single: dict[int, bytes] = {}
    encode = fmt.encode
    done, encoded = 0, []  # postings done..done+len(encoded)-1 encoded
    for t, term in enumerate(fp.terms):
        fw.start_term(term.encode("utf-8"))
        pw = fw._postwriter
        lo, hi = bounds[t], bounds[t + 1]
        for b in range(lo, hi, pw._blocklimit):
            e = min(b + pw._blocklimit, hi)
            if e > done + len(encoded):
                done = b
                encoded = _encoded(fp, encode, b, max(e, min(b + _ENCODE_CHUNK, len(weights))),
                                   single)  # fmt: skip
            values = encoded[b - done : e - done]
            w = weights[b:e]
            block_lengths = lengths[b:e]
            # what add_posting would have gathered, posting by posting
            pw._ids = array("I", fp.docnums[b:e].tolist())
            pw._weights = array("f", w.tolist())
            pw._values = values
            pw._maxweight = max(0, float(w.max()))
            pw._minlength = int(block_lengths.min())
            pw._maxlength = int(block_lengths.max())
            pw._write_block(last=e == hi)
        fw.finish_term()


def _quantised(lengths: np.ndarray) -> np.ndarray:
    """Each length as Whoosh reads it back from its one-byte length column."""
    values, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([byte_to_length(length_to_byte(int(v))) for v in values], dtype=np.int64)
    return table[inverse.reshape(-1)]
