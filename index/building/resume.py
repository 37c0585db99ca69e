"""Embedding what a build needs, resumably: vectors flushed as they come, taken up after a stop.

A build embeds the texts it has no vector for (:func:`embed_missing`) in steps of about
``FLUSH_SECONDS`` each (or ``Settings.embed_flush`` texts). After each step, the step's vectors
and their text keys (model id and text, as in a generation's ``keys.txt``) go to a file of their
own in ``<index>/.vectors-in-progress/``, written aside, fsynced and renamed into place: a file
there is whole or absent, whatever stops the build. The next build, finding the folder, takes
every vector whose key it needs from those files and embeds only the rest; nothing is embedded
twice (a text that recurs in a build is embedded once, too). The folder goes when a build
publishes its generation. A stop loses at most the step under way.

The step's texts per second give the build its passages per second, and a ``tqdm`` bar with the
time left runs over all of them on a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.embedding.encoder import PassageEncoder

PROGRESS_DIR = ".vectors-in-progress"
#: About this long between two flushes (a stop loses at most this much work)...
FLUSH_SECONDS = 20.0
#: ...in steps of this many texts at least and at most; the first step's size, before the rate
#: is known (~30 s on 2 cores, well under a second on a GPU).
MIN_STEP = 64
MAX_STEP = 65_536
FIRST_STEP = 256


@dataclass
class EmbedRun:
    """What :func:`embed_missing` did."""

    embedded: list[int] = field(default_factory=list)  # rows embedded by this run
    copied: list[int] = field(default_factory=list)  # rows whose text another row had
    resumed: list[int] = field(default_factory=list)  # rows taken from an interrupted run
    seconds: float = 0.0  # embedding wall time (not the resumed rows')
    #: (device, precision) of the vectors this run put in, its own and the resumed ones
    made_by: set[tuple[str, str]] = field(default_factory=set)


def made_by(encoder: PassageEncoder) -> tuple[str, str]:
    """(device, precision) of an encoder's vectors: the CPU in float32 unless it says."""
    device = getattr(encoder, "device", None) or "cpu"
    precision = getattr(encoder, "precision", None) or "float32"
    return str(device), str(precision)


class Progress:
    """The flushed vectors of unfinished builds in one index folder (the build lock held)."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = Path(index_dir) / PROGRESS_DIR

    def files(self) -> list[Path]:
        return sorted(self.dir.glob("chunk-*.npz")) if self.dir.is_dir() else []

    def drop_partial(self) -> None:
        """Files a stop cut short while they were written (never renamed into place)."""
        if self.dir.is_dir():
            for tmp in self.dir.glob("*.tmp"):
                tmp.unlink(missing_ok=True)

    def take(self, out: np.ndarray, keys: list[str],
             rows: list[int]) -> tuple[list[int], set[tuple[str, str]]]:  # fmt: skip
        """Fill each of `rows` (of `out`, distinct keys) that a flushed file holds the vector
        of; returns (the rows filled, the (device, precision) of the files used). An unreadable
        or foreign file (another dimension) is passed over."""
        want = {keys[i]: i for i in rows}
        filled: list[int] = []
        sources: set[tuple[str, str]] = set()
        for path in self.files():
            if not want:
                break
            try:
                with np.load(path, allow_pickle=False) as z:
                    got = [str(k) for k in z["keys"]]
                    vecs = z["vectors"]
                    source = (str(z["device"]), str(z["precision"]))
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                continue
            if (vecs.ndim != 2 or vecs.shape != (len(got), out.shape[1])
                    or vecs.dtype != np.float32 or not np.isfinite(vecs).all()):  # fmt: skip
                continue
            hits = [(want.pop(k), j) for j, k in enumerate(got) if k in want]
            if not hits:
                continue
            dst, src = (np.array(x, dtype=np.int64) for x in zip(*hits, strict=True))
            out[dst] = vecs[src]
            filled += dst.tolist()
            sources.add(source)
        return filled, sources

    def write(self, keys: list[str], vectors: np.ndarray, device: str, precision: str) -> Path:
        """One step's vectors, whole or not at all (written aside, fsynced, renamed)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        last = self.files()
        number = int(last[-1].name[6:-4]) + 1 if last else 1
        path = self.dir / f"chunk-{number:06d}.npz"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=np.array(keys, dtype=str),
                     vectors=np.ascontiguousarray(vectors, dtype=np.float32),
                     device=np.array(device), precision=np.array(precision))  # fmt: skip
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return path

    def clear(self) -> None:
        """The build is published: nothing left to resume."""
        shutil.rmtree(self.dir, ignore_errors=True)


def embed_missing(
    out: np.ndarray,
    texts: list[str],
    keys: list[str],
    todo: list[int],
    *,
    encoder: PassageEncoder,
    index_dir: Path,
    flush: int = 0,
    progress: bool = True,
    log: Callable[[str], None] = lambda m: None,
) -> EmbedRun:
    """Put the vector of each row of `todo` (of `texts`, keyed by `keys`) into `out`: from an
    interrupted build's flushed files where they hold it, else embedded and flushed in steps
    (`flush` texts each; 0: about FLUSH_SECONDS each). `progress`: a bar on a terminal."""
    run = EmbedRun()
    first: dict[str, int] = {}
    for i in todo:
        if first.setdefault(keys[i], i) != i:
            run.copied.append(i)
    unique = list(first.values())
    store = Progress(index_dir)
    store.drop_partial()
    run.resumed, run.made_by = store.take(out, keys, unique)
    if run.resumed:
        log(f"resuming an interrupted build: {len(run.resumed)} vectors were already embedded")
    taken = set(run.resumed)
    rest = [i for i in unique if i not in taken]
    if rest:
        run.seconds, source = _embed_steps(out, texts, keys, rest, encoder, store, flush, progress)
        run.embedded = rest
        run.made_by.add(source)
    if run.copied:
        dst = np.array(run.copied, dtype=np.int64)
        out[dst] = out[np.array([first[keys[i]] for i in run.copied], dtype=np.int64)]
    return run


def _embed_steps(out: np.ndarray, texts: list[str], keys: list[str], rows: list[int],
                 encoder: PassageEncoder, store: Progress, flush: int,
                 progress: bool) -> tuple[float, tuple[str, str]]:  # fmt: skip
    from tqdm import tqdm

    bar = tqdm(total=len(rows), desc="Embedding", unit="text", file=sys.stderr,
               disable=None if progress else True, dynamic_ncols=True)  # fmt: skip
    step = flush or FIRST_STEP
    started = time.perf_counter()
    source = made_by(encoder)
    try:
        lo = 0
        while lo < len(rows):
            part = rows[lo : lo + step]
            begun = time.perf_counter()
            base = bar.n

            def moved(done: int, base: int = base) -> None:
                bar.update(base + done - bar.n)

            vecs = encoder.encode_passages([texts[i] for i in part],
                                           progress=False if bar.disable else moved)  # fmt: skip
            vecs = np.asarray(vecs, dtype=np.float32)
            out[part] = vecs
            source = made_by(encoder)  # a GPU encoder knows its precision after its first call
            store.write([keys[i] for i in part], vecs, *source)
            bar.update(base + len(part) - bar.n)
            lo += len(part)
            if not flush:
                rate = len(part) / max(time.perf_counter() - begun, 1e-3)
                step = int(min(MAX_STEP, max(MIN_STEP, rate * FLUSH_SECONDS)))
    finally:
        bar.close()
    return time.perf_counter() - started, source
