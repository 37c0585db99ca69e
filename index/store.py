"""The built index on disk: one folder of named files per generation, and a `current` link.

    <index_dir>/current -> generations/<name>/
        manifest.json   model, dimension, corpus checksums, counts (written last)
        passages.jsonl  one Passage per line, in vector-row order
        vectors.npy     float32 (passages x dim), L2-normalised
        vocab.json      the corpus's words, for compound splitting and spelling
        whoosh/         the full-text index

A rebuild writes a new generation beside the old one and swaps the link atomically, so a
reader sees either the old index or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from index.document import Passage

FORMAT = 2  # 2: sentence and list-item vectors (pieces.npy, piece_rows.npy)
CURRENT = "current"
GENERATIONS = "generations"
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
    analysis: str = ""  # index.analysis.VERSION of the analyser that built the full-text index
    pieces: int = 0  # sentence and list-item vectors beside the passage vectors
    warnings: list[str] = field(default_factory=list)  # the parser's, "file:line: message"

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        names = {f.name for f in fields(cls)}
        missing = names - set(data) - {"skipped", "analysis", "pieces", "warnings"}
        if missing:
            raise ValueError(f"missing keys {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in names})


def ids_checksum(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def corpus_checksum(documents: dict[str, str]) -> str:
    blob = "\n".join(f"{k}\t{v}" for k, v in sorted(documents.items()))
    return hashlib.sha256(blob.encode()).hexdigest()


def current_generation(index_dir: Path) -> Path:
    link = index_dir / CURRENT
    if not link.exists():
        raise IndexNotReady(f"no index at {index_dir}")
    return link.resolve()


def read_manifest(gen: Path) -> Manifest:
    path = gen / "manifest.json"
    try:
        return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise IndexNotReady(f"index at {gen} has no manifest (an interrupted build?)") from None
    except (ValueError, TypeError) as exc:
        raise IndexNotReady(f"index manifest {path} is corrupt ({exc})") from None


def read_passages(gen: Path) -> list[Passage]:
    path = gen / "passages.jsonl"
    if not path.exists():
        raise IndexNotReady(f"index at {gen} has no passages.jsonl")
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                data = json.loads(line)
                data["amounts"] = tuple(data.get("amounts", ()))
                out.append(Passage(**data))
            except (ValueError, TypeError) as exc:
                raise IndexNotReady(f"{path}:{n} is corrupt ({exc})") from None
    return out


def read_vectors(gen: Path, manifest: Manifest) -> np.ndarray:
    path = gen / "vectors.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise IndexNotReady(f"index at {gen} has no vectors.npy") from None
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
    """Whether a (memory-mapped) matrix is free of NaN and infinities, read in slices."""
    return all(np.isfinite(vectors[i : i + rows]).all() for i in range(0, len(vectors), rows))


def read_vocab(gen: Path) -> list[str]:
    path = gen / "vocab.json"
    try:
        words = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"index at {gen} has no readable vocab.json ({exc})") from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise IndexNotReady(f"{path} is corrupt (not a list of words)")
    return words


def read_pieces(gen: Path, manifest: Manifest) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Sentence and list-item vectors (memory-mapped: only the rows a query re-ranks are read)
    and the passage row each belongs to, ascending."""
    if manifest.pieces == 0:
        return None, None
    try:
        vectors = np.load(gen / "pieces.npy", mmap_mode="r", allow_pickle=False)
        rows = np.load(gen / "piece_rows.npy", allow_pickle=False)
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
    """Write every file but the whoosh folder; the manifest goes last, and everything is fsynced."""
    with (gen / "passages.jsonl").open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
    np.save(gen / "vectors.npy", vectors.astype(np.float32, copy=False))
    (gen / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    names = ["passages.jsonl", "vectors.npy", "vocab.json"]
    if manifest.pieces:
        np.save(gen / "pieces.npy", np.asarray(pieces, dtype=np.float32))
        np.save(gen / "piece_rows.npy", np.asarray(piece_rows, dtype=np.int32))
        names += ["pieces.npy", "piece_rows.npy"]
    for name in names:
        _fsync(gen / name)
    tmp = gen / "manifest.json.tmp"
    tmp.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, gen / "manifest.json")


def publish(index_dir: Path, gen: Path) -> None:
    """Point `current` at `gen` in one atomic rename."""
    link = index_dir / CURRENT
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(gen.relative_to(index_dir))
    os.replace(tmp, link)
    _fsync_dir(index_dir)


def is_complete(gen: Path) -> bool:
    """Whether a generation was written to the end: its manifest reads, and every file it
    implies is there with the shape the manifest gives (checked from the headers only)."""
    try:
        manifest = read_manifest(gen)
        vectors = np.load(gen / "vectors.npy", mmap_mode="r", allow_pickle=False)
        if vectors.shape != (manifest.passages, manifest.dim):
            return False
        if manifest.pieces:
            pieces = np.load(gen / "pieces.npy", mmap_mode="r", allow_pickle=False)
            rows = np.load(gen / "piece_rows.npy", mmap_mode="r", allow_pickle=False)
            if pieces.shape != (manifest.pieces, manifest.dim) or rows.shape != (manifest.pieces,):
                return False
        needed = ("passages.jsonl", "vocab.json")
        return all((gen / n).is_file() and (gen / n).stat().st_size > 0 for n in needed) and any(
            (gen / "whoosh").glob("*.toc")
        )
    except (IndexNotReady, OSError, ValueError, EOFError):
        return False


def prune(index_dir: Path, keep: int = 2) -> None:
    """Remove old and unfinished generations, keeping the newest `keep` complete ones (readers
    may hold them) and the current one, whatever it is: never the last complete generation.

    Call it only while holding the build lock: an incomplete generation is then a crash.
    """
    root = index_dir / GENERATIONS
    if not root.is_dir():
        return
    current = (index_dir / CURRENT).resolve() if (index_dir / CURRENT).exists() else None
    gens = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)
    finished = [g for g in gens if is_complete(g)]
    keepers = set(finished[:keep]) | ({current} if current else set())
    for g in gens:
        if g not in keepers:
            shutil.rmtree(g, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:
        pass
