"""Publishing a generation and pruning old ones. A rebuild writes a new generation beside the
old one and swaps the `current` link atomically, so a reader sees either the old index or the
new one, never half of one; a generation is complete only once its mark is written, last.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from index.building import store


def publish(index_dir: Path, gen: Path) -> None:
    """Mark `gen` complete (`mark_complete`: the last write into it), then point `current` at
    it in one atomic rename."""
    link = index_dir / store.CURRENT
    before = store.current_or_none(index_dir)
    if before is not None and before != gen.resolve():
        _mark_published(before)
    if gen.is_dir():  # (a test may point `current` at nothing)
        mark_complete(gen)
    tmp = index_dir / f".{store.CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(gen.relative_to(index_dir))
    os.replace(tmp, link)
    store.fsync_dir(index_dir)


def mark_complete(gen: Path) -> None:
    """Mark `gen` as written to the end, as the very last step of its build: every file in it
    is flushed to disk first, then the mark is written to a temporary name, flushed, renamed
    into place and the folder flushed. A build killed at any point before leaves no mark (a
    generation with every file but no mark is not complete), and a mark on disk vouches for
    files that are on disk too."""
    for folder, _dirs, files in os.walk(gen):
        for name in files:
            store.fsync(Path(folder) / name)
        store.fsync_dir(Path(folder))
    tmp = gen / (store.COMPLETE + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"complete": True, "generation": gen.name}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, gen / store.COMPLETE)
    store.fsync_dir(gen)


def _mark_published(gen: Path) -> None:
    """The generation that was current (published) when this version first publishes: complete
    by its structure, marked so that prune keeps it (best effort: a build of before had no
    mark)."""
    try:
        if not (gen / store.COMPLETE).exists() and _structure_complete(gen):
            mark_complete(gen)
    except OSError:
        pass


def is_complete(gen: Path) -> bool:
    """Whether a generation was written to the end: its mark (`store.COMPLETE`, written last) is
    there, its manifest reads, and every file it implies is there with the shape the manifest
    gives (checked from the headers only)."""
    try:
        mark = json.loads((gen / store.COMPLETE).read_text(encoding="utf-8"))
        if not (isinstance(mark, dict) and mark.get("complete") is True):
            return False
    except (OSError, ValueError):
        return False
    return _structure_complete(gen)


def _structure_complete(gen: Path) -> bool:
    """Every file the manifest implies, with the shapes it gives; the mark not looked at."""
    try:
        manifest = store.read_manifest(gen)
        vectors = np.load(gen / store.VECTORS, mmap_mode="r", allow_pickle=False)
        if vectors.shape != (manifest.passages, manifest.dim):
            return False
        if manifest.pieces:
            pieces = np.load(gen / store.PIECES, mmap_mode="r", allow_pickle=False)
            rows = np.load(gen / store.PIECE_ROWS, mmap_mode="r", allow_pickle=False)
            if pieces.shape != (manifest.pieces, manifest.dim) or rows.shape != (manifest.pieces,):
                return False
        needed = (store.PASSAGES, store.VOCAB, store.KEYWORD, store.KEYWORD_OFFSETS,
                  store.KEYWORD_POSITIONS, store.REPEATED)  # fmt: skip
        return all((gen / n).is_file() and (gen / n).stat().st_size > 0 for n in needed)
    except (store.IndexNotReady, OSError, ValueError, EOFError):
        return False


def prune(index_dir: Path, keep: int = 2) -> None:
    """Remove old and unfinished generations, keeping the newest `keep` complete ones (readers
    may hold them) and the current one, whatever it is: never the last complete generation.
    Complete is marked (`is_complete`): a generation killed midway, even one with every file,
    is unfinished however new.

    Call it only while holding the build lock: an incomplete generation is then a crash.
    """
    root = index_dir / store.GENERATIONS
    if not root.is_dir():
        return
    current = store.current_or_none(index_dir)
    gens = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)
    finished = [g for g in gens if is_complete(g)]
    keepers = set(finished[:keep]) | ({current} if current else set())
    for g in gens:
        if g not in keepers:
            shutil.rmtree(g, ignore_errors=True)
