"""The built index on disk: one folder of named files per generation, and a `current` link.

    <index_dir>/current -> generations/<name>/
        manifest.json      model, dimension, corpus checksums, counts
        complete.json      written last of all, when everything else is on disk: only a
                           generation that has it is complete (`is_complete`, `prune`)
        passages.jsonl     one Passage per line, in vector-row order
        passages.table.npz the passages' metadata as columns (index/building/passage_table.py)
        vectors.npy        float32 (passages x dim), L2-normalised
        pieces.npy         float32 vectors of the passages' sentences and list items
        piece_rows.npy     the passage row of each piece, ascending
        vocab.json         the corpus's words, for compound splitting and spelling
        keys.txt           the text key of every vector row (passages, then pieces), one a
                           line: the next build reuses the vectors of unchanged texts
        build.json         counts the manifest lacks, for the no-change fast path
        sources.json       per source file, its stats when last read: the no-change fast path
                           (index/building/nochange.py)
        vectors.sq8.npy    8-bit vectors, above EXACT_MAX passages only
        vectors.codes.npz  1-bit codes, mean and centrality: the first stage at scale
                           (index/building/vectors.py)
        repeated.npy       per passage, the share of its text its document repeats under
                           several areas (index/building/repeats.py)
        keyword.npz        the keyword index: every text-field posting's BM25F score as a sparse
                           matrix, a column per (field, term) (index/building/sparse.py)
        keyword.offsets.npy, keyword.positions.npy
                           every posting's positions, in the matrix's order, for phrase
                           checks (the matrix file says how many there are)

This module names every one of them, and the build and the readers go through it;
index/building/generations.py publishes a generation and prunes the old ones.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from index.building import pages, sparse
from index.building.fulltext import TEXT_FIELDS
from index.documents.document import Passage

#: 2: sentence and list-item vectors (pieces.npy, piece_rows.npy); 3: no filter fields in whoosh/;
#: 4: whoosh/'s id only stored (no postings), its segment written from index/building/postings.py;
#: 5: no whoosh/, the sparse matrix and its positions are the keyword index
FORMAT = 5
CURRENT = "current"
GENERATIONS = "generations"
MANIFEST = "manifest.json"
COMPLETE = "complete.json"  # the mark of a generation written to the end: its last file
PASSAGES = "passages.jsonl"
PASSAGE_TABLE = "passages.table.npz"  # the passages' metadata as columns (passage_table.py)
VECTORS = "vectors.npy"
PIECES = "pieces.npy"
PIECE_ROWS = "piece_rows.npy"
VOCAB = "vocab.json"
KEYS = "keys.txt"
REPEATED = "repeated.npy"
#: the same file as format 4 named it: read, so that an upgrade reuses its vectors (a national
#: corpus is 40 hours of embedding on a CPU)
_KEYS_BEFORE = "keys.json"
STATS = "build.json"
SOURCES = "sources.json"  # per source file: its stats when last read (nochange.py)
CODES = "vectors.codes.npz"
SQ8 = "vectors.sq8.npy"  # 8-bit vectors, above index.building.vectors.EXACT_MAX passages only
KEYWORD = "keyword.npz"
KEYWORD_OFFSETS = "keyword.offsets.npy"
KEYWORD_POSITIONS = "keyword.positions.npy"
HINT = "run `budget-search index` to build it"


class IndexNotReady(Exception):
    """The index is missing, half-written or corrupt: one line, with the way out."""

    def __init__(self, message: str):
        super().__init__(f"{message}; {HINT}")


@dataclass(frozen=True)
class Manifest:
    format: int
    model: str  # the configured model name or path
    model_id: str  # the encoder's identity: vectors of different ids never mix
    dim: int
    passages: int
    ids_checksum: str
    corpus_checksum: str
    documents: dict[str, str]  # document id -> sha256 of its source
    built_at: str
    build_seconds: float
    skipped: list[list[str]] = field(default_factory=list)  # [path, reason]
    analysis: str = ""  # index.building.analysis.VERSION of the analyser of the full-text index
    pieces: int = 0  # sentence and list-item vectors beside the passage vectors
    warnings: list[str] = field(default_factory=list)  # the parser's, "file:line: message"
    layouts: dict[str, str] = field(default_factory=dict)  # document id -> layout recognised
    #: document id -> {area title: [its earlier titles]}, from the sidecars' [renamed] tables
    renamed: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: the corpus folder the index was built from, absolute ("" in manifests written before it
    #: was recorded): where `serve` finds the documents' PDFs
    corpus_dir: str = ""
    #: document id -> {area title: where its amount was read, AmountSource.to_json()}
    amount_sources: dict[str, dict[str, dict]] = field(default_factory=dict)
    #: document id -> its stated totals against its areas, [Reconciliation.to_json()]
    reconciliations: dict[str, list[dict]] = field(default_factory=dict)
    #: document id -> when its present version (fingerprint) was first indexed, ISO 8601 UTC:
    #: a search's Atom feed dates its entries by it, so a new document's passages come new
    indexed_at: dict[str, str] = field(default_factory=dict)
    #: the model's folder, absolute ('' for a model named on the hub, and in manifests written
    #: before): where a search run from another folder loads it (provision.recorded_model)
    model_dir: str = ""
    #: document id -> the http(s) address it is published at (its sidecar's `source`)
    sources: dict[str, str] = field(default_factory=dict)
    #: what made the vectors (index.embedding.devices): "cpu" or "cuda", and "float32" or
    #: "float16"; "cpu+cuda", "float16+float32" when they came from runs on both (vectors of
    #: unchanged text are reused). Manifests written before: the CPU in float32.
    device: str = "cpu"
    precision: str = "float32"

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        names = {f.name for f in fields(cls)}
        # a field with a default came later: a manifest written before it still reads
        required = {f.name for f in fields(cls) if f.default is MISSING
                    and f.default_factory is MISSING}  # fmt: skip
        missing = required - set(data)
        if missing:
            raise ValueError(f"missing keys {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in names})


def ids_checksum(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def corpus_checksum(documents: dict[str, str]) -> str:
    blob = "\n".join(f"{k}\t{v}" for k, v in sorted(documents.items()))
    return hashlib.sha256(blob.encode()).hexdigest()


def current_generation(index_dir: Path) -> Path:
    """The generation `current` points at; IndexNotReady when there is none."""
    gen = current_or_none(index_dir)
    if gen is None:
        raise IndexNotReady(f"no index at {index_dir}")
    return gen


def current_or_none(index_dir: Path) -> Path | None:
    """The generation `current` points at, resolved; None when the link is missing or
    dangling."""
    link = index_dir / CURRENT
    return link.resolve() if link.exists() else None


def read_manifest(gen: Path) -> Manifest:
    path = gen / MANIFEST
    try:
        return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise IndexNotReady(f"index at {gen} has no manifest (an interrupted build?)") from None
    except (ValueError, TypeError) as exc:
        raise IndexNotReady(f"index manifest {path} is corrupt ({exc})") from None


def read_vectors(gen: Path, manifest: Manifest) -> np.ndarray:
    path = gen / VECTORS
    try:
        vectors = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise IndexNotReady(f"index at {gen} has no {VECTORS}") from None
    except (ValueError, OSError, EOFError) as exc:
        raise IndexNotReady(f"vector file {path} is unreadable ({exc})") from None
    expected = (manifest.passages, manifest.dim)
    if vectors.dtype != np.float32 or vectors.shape != expected:
        raise IndexNotReady(
            f"vector file {path} holds {vectors.dtype} {vectors.shape}, expected float32 {expected}"
        )
    if not np.isfinite(vectors).all():  # a NaN score would be invalid JSON in every answer
        raise IndexNotReady(f"vector file {path} holds NaN or infinite values")
    return np.ascontiguousarray(vectors)


def _all_finite(vectors: np.ndarray, rows: int = 65536) -> bool:
    """Whether a (memory-mapped) matrix is free of NaN and infinities, read in slices whose
    pages are let go again: the sentence matrix is 1.4 GB at 300k passages, and checking it
    left all of it resident in the server (its peak RSS 2.96 GB)."""
    for i in range(0, len(vectors), rows):
        finite = bool(np.isfinite(vectors[i : i + rows]).all())
        pages.release(vectors)
        if not finite:
            return False
    return True


def read_vocab(gen: Path) -> list[str]:
    path = gen / VOCAB
    try:
        words = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"index at {gen} has no readable {VOCAB} ({exc})") from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise IndexNotReady(f"{path} is corrupt (not a list of words)")
    return words


def read_pieces(gen: Path, manifest: Manifest) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Sentence and list-item vectors (memory-mapped: only the rows a query re-ranks are read)
    and the passage row each belongs to, ascending."""
    if manifest.pieces == 0:
        return None, None
    try:
        vectors = np.load(gen / PIECES, mmap_mode="r", allow_pickle=False)
        rows = np.load(gen / PIECE_ROWS, allow_pickle=False)
    except (FileNotFoundError, ValueError, OSError, EOFError) as exc:
        raise IndexNotReady(f"sentence vectors at {gen} are unreadable ({exc})") from None
    if (
        vectors.dtype != np.float32
        or vectors.shape != (manifest.pieces, manifest.dim)
        or rows.shape != (manifest.pieces,)
        or (len(rows) and (rows.min() < 0 or rows.max() >= manifest.passages))
        or np.any(np.diff(rows) < 0)
    ):
        raise IndexNotReady(f"sentence vectors at {gen} do not match the manifest")
    if not _all_finite(vectors):
        raise IndexNotReady(f"sentence vectors at {gen} hold NaN or infinite values")
    return vectors, rows


def write_generation(
    gen: Path,
    manifest: Manifest,
    passages: list[Passage],
    vectors: np.ndarray,
    vocab: list[str],
    pieces: np.ndarray | None = None,
    piece_rows: np.ndarray | None = None,
) -> None:
    """Write the passages, vectors and words (not the whoosh folder, the keys, the stats or the
    codes); the manifest goes last, and everything is fsynced."""
    # a passage's fields are flat: one dict per line, not asdict's deep copy (2x the time)
    names = [f.name for f in fields(Passage)]
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    with (gen / PASSAGES).open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(dumps({n: getattr(p, n) for n in names}) + "\n")
    np.save(gen / VECTORS, vectors.astype(np.float32, copy=False))
    (gen / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    names = [PASSAGES, VECTORS, VOCAB]  # fsynced below
    if manifest.pieces:
        np.save(gen / PIECES, np.asarray(pieces, dtype=np.float32))
        np.save(gen / PIECE_ROWS, np.asarray(piece_rows, dtype=np.int32))
        names += [PIECES, PIECE_ROWS]
    for name in names:
        fsync(gen / name)
    _write_manifest(gen, manifest)


def _write_manifest(gen: Path, manifest: Manifest) -> None:
    tmp = gen / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
    fsync(tmp)
    os.replace(tmp, gen / MANIFEST)


def corpus_folder(corpus_dir: Path | str) -> str:
    """The corpus folder as a manifest records it: absolute and normalised, so that it means
    the same folder whatever the reader's working directory (links are kept, not resolved)."""
    return os.path.abspath(corpus_dir)


def record_corpus(gen: Path, manifest: Manifest, corpus_dir: Path | str,
                  model_dir: str = "") -> None:  # fmt: skip
    """Record in a generation's manifest (`manifest`, as read) the corpus folder a no-change
    `index` found it current for (the same documents, moved or copied to another folder), and
    the model's folder (an index built before it was recorded gets it), atomically; nothing is
    written when both are the ones recorded. Best effort: a read-only index keeps what it had."""
    folder = corpus_folder(corpus_dir)
    model_dir = model_dir or manifest.model_dir
    if manifest.corpus_dir != folder or manifest.model_dir != model_dir:
        try:
            _write_manifest(gen, replace(manifest, corpus_dir=folder, model_dir=model_dir))
        except OSError:
            pass


def write_keys(gen: Path, keys: list[str], areas: int) -> None:
    """The text key of every vector row and the area count: what the next build reuses."""
    (gen / KEYS).write_text("\n".join(keys), encoding="utf-8")
    (gen / STATS).write_text(json.dumps({"areas": areas}), encoding="utf-8")


def read_keys(gen: Path) -> list[str]:
    """The text keys of a generation's vector rows (raises OSError when there are none)."""
    path = gen / KEYS
    if not path.exists() and (gen / _KEYS_BEFORE).exists():
        path = gen / _KEYS_BEFORE
    return path.read_text(encoding="utf-8").split("\n")


def read_area_count(gen: Path) -> int:
    """The number of areas the generation's build found (raises on a missing or bad file)."""
    return int(json.loads((gen / STATS).read_text(encoding="utf-8"))["areas"])


def write_repeated(gen: Path, share: np.ndarray) -> None:
    """Each passage's repeated share (index/building/repeats.py), written atomically."""
    path = Path(gen) / REPEATED
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, np.asarray(share, dtype=np.float32))
    os.replace(tmp, path)


def read_repeated(gen: Path, n: int) -> np.ndarray:
    """Each passage's repeated share; IndexNotReady when the file is missing or not the
    passages' (a generation is rebuilt, not read with a ranking signal left out)."""
    try:
        share = np.load(Path(gen) / REPEATED, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"{Path(gen) / REPEATED} is unreadable ({exc})") from None
    if share.shape != (n,):
        raise IndexNotReady(f"{Path(gen) / REPEATED} holds {share.shape[0]} passages, not {n}")
    return share


def write_keyword(gen: Path, sx: sparse.SparseIndex) -> None:
    sparse.write(sx, TEXT_FIELDS, *_keyword_files(gen))


def read_keyword(gen: Path) -> sparse.SparseIndex:
    """The keyword index; IndexNotReady when its files are missing or do not fit together."""
    try:
        return sparse.read(TEXT_FIELDS, *_keyword_files(gen))
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise IndexNotReady(f"keyword index at {gen} is unreadable ({exc})") from None


def _keyword_files(gen: Path) -> tuple[Path, Path, Path]:
    return gen / KEYWORD, gen / KEYWORD_OFFSETS, gen / KEYWORD_POSITIONS


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fsync(path)
    except OSError:
        pass
