"""Build the index: corpus → passages → vectors + keyword index, written aside and swapped in.

Incremental where it costs: vectors are reused for every passage whose embedded text is
unchanged, so re-indexing an unchanged corpus embeds nothing and a changed document
re-embeds only its own passages. An unchanged corpus with the same model is a no-op.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index import locking
from index.building import (
    analysis,
    fulltext,
    generations,
    nochange,
    passage_table,
    repeats,
    resume,
    reuse,
    sparse,
    store,
)
from index.building import vectors as vector_index
from index.building.analysis import Vocabulary
from index.building.embed_texts import all_piece_texts, embed_text, text_key
from index.building.report import BuildReport, nothing_indexed, reconciliation_line
from index.config import BUILD_WORKERS, Settings
from index.documents.corpus import load_corpus, plural
from index.documents.failures import FAILURES
from index.embedding.encoder import PassageEncoder
from index.embedding.provision import model_location

#: From this size on, the embedding step's matrix lives in a file in the index folder, not in
#: anonymous memory: at a million passages and their sentences it is 7 GB, which the kernel
#: can then write out and drop instead of the build running out of memory.
SCRATCH_MIN_BYTES = 256 * 2**20


class BuildError(Exception):
    pass


def write_failure(exc: OSError, index_dir: Path) -> BuildError:
    """A failed write to the index folder as one line that says what to do."""
    what = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BuildError(
            f"no space left for the index at {index_dir} ({what}); the previous index is "
            "still in use; free some space and run `budget-search index` again"
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return BuildError(
            f"cannot write the index folder {index_dir} ({what}); choose a writable one "
            "with --index-dir or BUDGET_SEARCH_INDEX"
        )
    where = f" ({exc.filename})" if exc.filename else ""
    return BuildError(f"writing the index at {index_dir} failed: {what}{where}")


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    held = contextlib.ExitStack()
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        held.enter_context(locking.exclusive(index_dir / ".build.lock", wait=False))
    except BlockingIOError:
        raise BuildError(f"another build is running on {index_dir}") from None
    except OSError as exc:
        raise write_failure(exc, index_dir) from None
    with held:
        yield


def build_index(
    settings: Settings,
    *,
    encoder_factory: Callable[[], PassageEncoder],
    full: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> BuildReport:
    """Build or refresh the index at settings.index_dir from settings.corpus_dir."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    if not full:
        quick = nochange.unchanged(settings)
        if quick is not None:
            manifest, gen, areas, ignored, skipped = quick
            store.record_corpus(gen, manifest, settings.corpus_dir, model_location(settings))
            return BuildReport(
                index_dir, gen, len(manifest.documents), areas, manifest.passages, 0,
                manifest.passages, skipped, up_to_date=True, seconds=time.perf_counter() - started,
                ignored=ignored, warnings=list(manifest.warnings),
            )  # fmt: skip
    seen = nochange.stats(Path(settings.corpus_dir))  # before parsing: a change shows later
    # documents that failed to parse are remembered in the index folder, not parsed again
    # while unchanged (a PDF that took the whole time limit would take it on every run)
    report = load_corpus(settings.corpus_dir, settings.limits,
                         failures=settings.index_dir / FAILURES, retry=full)  # fmt: skip
    skipped = [(str(s.path), s.reason) for s in report.skipped]
    ignored = [(str(s.path), s.reason) for s in report.ignored]
    warnings = report.warnings
    docs = report.documents
    parsed = [
        line
        for d in docs
        for line in (
            f"{d.meta.path}: {plural(len(d.areas), 'area')}, "
            f"{sum(a.amount_kr is not None for a in d.areas)} with an amount ({d.layout})",
            *(f"  {reconciliation_line(r)}" for r in d.reconciliations),
        )
    ]
    if not docs:
        raise BuildError(nothing_indexed(settings.corpus_dir, skipped, ignored))
    checksums = {d.meta.id: nochange.fingerprint(d.checksum, d.meta) for d in docs}
    passages = [p for d in docs for p in d.passages]
    n_areas = sum(len(d.areas) for d in docs)

    with build_lock(index_dir):
        previous = nochange.previous(index_dir)
        if (
            not full
            and previous is not None
            and previous[0].documents == checksums
            and previous[0].model == settings.model
            and previous[0].format == store.FORMAT
            and previous[0].analysis == analysis.VERSION
        ):
            nochange.write_sources(store.current_generation(index_dir), seen, docs, checksums)
            store.record_corpus(previous[1], previous[0], settings.corpus_dir,
                                model_location(settings))  # fmt: skip
            return BuildReport(
                index_dir,
                store.current_generation(index_dir),
                len(docs),
                n_areas,
                len(passages),
                0,
                len(passages),
                skipped,
                up_to_date=True,
                seconds=time.perf_counter() - started,
                ignored=ignored,
                warnings=warnings,
            )

        # The model loads only when something needs embedding: vectors are keyed by model id
        # and text, so a re-index that reuses them all never pays for loading it.
        encoder: PassageEncoder | None = None
        same_model = previous is not None and previous[0].model == settings.model
        model_id = previous[0].model_id if previous is not None and same_model else ""
        if not model_id:
            encoder = encoder_factory()
            model_id = encoder.model_id
        # passages and their pieces (sentences, list items) are embedded alike, in one pass
        pieces = all_piece_texts(passages)
        piece_rows = np.array([r for r, ps in enumerate(pieces) for _ in ps], dtype=np.int32)
        texts = [embed_text(p) for p in passages] + [t for ps in pieces for t in ps]
        keys = [text_key(model_id, t) for t in texts]
        cache = reuse.Reusable.of(previous, model_id)
        todo = [i for i, k in enumerate(keys) if k not in cache.rows]
        if todo and encoder is None:
            encoder = encoder_factory()
            if encoder.model_id != model_id:
                model_id = encoder.model_id
                keys = [text_key(model_id, t) for t in texts]
                cache, todo = reuse.Reusable(), list(range(len(texts)))
        if encoder is not None:
            dim = encoder.dim
        else:  # every vector is reused, so the model id (and dimension) came from `previous`
            assert previous is not None
            dim = previous[0].dim
        with _scratch(index_dir, len(texts), dim) as embedded:
            cache.fill(embedded, keys)
            del cache
            n = len(passages)
            run = resume.EmbedRun()
            # what made the vectors: the previous generation's (for those reused), this run's
            sources = set() if len(todo) == len(texts) else _made_by(previous)
            if todo:
                assert encoder is not None  # loaded above whenever anything is left to embed
                todo_passages = sum(1 for i in todo if i < n)
                device, _ = resume.made_by(encoder)
                log(f"embedding {todo_passages} passages and {len(todo) - todo_passages} of their "
                    f"sentences with {model_id} on {device}")  # fmt: skip
                # in steps, each flushed to disk: a stopped build resumes from them (resume.py)
                run = resume.embed_missing(embedded, texts, keys, todo, encoder=encoder,
                                           index_dir=index_dir, flush=settings.embed_flush,
                                           progress=progress, log=log)  # fmt: skip
                sources |= run.made_by
            todo_passages = sum(1 for i in run.embedded if i < n)
            vectors, piece_vectors = embedded[:n], embedded[n:]
            del texts, pieces  # at a million passages, 4-5 million strings

            gen = index_dir / store.GENERATIONS / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            try:
                gen.mkdir(parents=True)
                words = Vocabulary.from_texts(
                    [p.text for p in passages] + [p.area for p in passages]
                )
                analysed = fulltext.postings(passages, words, BUILD_WORKERS)
                ids = [p.id for p in passages]
                built_at = datetime.now(UTC).isoformat(timespec="seconds")
                manifest = store.Manifest(
                    format=store.FORMAT,
                    model=settings.model,
                    model_id=model_id,
                    dim=int(vectors.shape[1]),
                    passages=len(passages),
                    pieces=len(piece_rows),
                    ids_checksum=store.ids_checksum(ids),
                    corpus_checksum=store.corpus_checksum(checksums),
                    documents=checksums,
                    corpus_dir=store.corpus_folder(settings.corpus_dir),
                    built_at=built_at,
                    build_seconds=round(time.perf_counter() - started, 3),
                    skipped=[list(s) for s in skipped],
                    warnings=warnings,
                    analysis=analysis.VERSION,
                    layouts={d.meta.id: d.layout for d in docs},
                    renamed={
                        d.meta.id: {t: list(old) for t, old in d.meta.renamed}
                        for d in docs
                        if d.meta.renamed
                    },  # fmt: skip
                    amount_sources={
                        d.meta.id: {
                            a.title: a.source.to_json()
                            for a in d.areas
                            if a.source is not None and a.amount_kr is not None
                        }
                        for d in docs
                    },  # fmt: skip
                    reconciliations={
                        d.meta.id: [r.to_json() for r in d.reconciliations]
                        for d in docs
                        if d.reconciliations
                    },  # fmt: skip
                    indexed_at=_indexed_at(checksums, previous, built_at),
                    model_dir=model_location(settings),
                    sources={d.meta.id: d.meta.source for d in docs if d.meta.source},
                    device="+".join(sorted({d for d, _ in sources})) or "cpu",
                    precision="+".join(sorted({p for _, p in sources})) or "float32",
                )
                store.write_generation(
                    gen, manifest, passages, vectors, words.listing(), piece_vectors, piece_rows
                )
                # the 1-bit first stage used at scale, and the sentence vectors' mean
                vector_index.write_codes(gen, vectors, piece_vectors)
                store.write_repeated(gen, repeats.repeated_share(passages))
                passage_table.load(gen)  # the columns a server reads instead of every passage
                store.write_keys(gen, keys, n_areas)
                keywords = sparse.build(analysed, len(passages), fulltext.TEXT_FIELDS)
                del analysed
                store.write_keyword(gen, keywords)
                del keywords
                nochange.write_sources(gen, seen, docs, checksums)
                generations.publish(index_dir, gen)
                resume.Progress(index_dir).clear()  # published: nothing left to resume
                generations.prune(index_dir)
            except OSError as exc:  # disk full, read-only: the half-written generation goes
                shutil.rmtree(gen, ignore_errors=True)
                raise write_failure(exc, index_dir) from None
    return BuildReport(
        index_dir,
        gen,
        len(docs),
        n_areas,
        len(passages),
        todo_passages,
        len(passages) - todo_passages,
        skipped,
        seconds=time.perf_counter() - started,
        pieces_embedded=len(run.embedded) - todo_passages,
        ignored=ignored,
        warnings=warnings,
        parsed=parsed,
        resumed=len(run.resumed),
        embed_seconds=run.seconds,
        device=resume.made_by(encoder)[0] if run.embedded and encoder is not None else "",
        precision=resume.made_by(encoder)[1] if run.embedded and encoder is not None else "",
    )


def _made_by(previous: tuple[store.Manifest, Path] | None) -> set[tuple[str, str]]:
    """(device, precision) pairs of a generation's vectors, as its manifest records them."""
    if previous is None:
        return set()
    devices = previous[0].device.split("+")
    precisions = previous[0].precision.split("+")
    return {(d, p) for d in devices for p in precisions}


def _indexed_at(checksums: dict[str, str], previous: tuple[store.Manifest, Path] | None,
                now: str) -> dict[str, str]:  # fmt: skip
    """Per document, when its present version was first indexed: the previous generation's
    time for a document it held unchanged (same fingerprint), else now."""
    before = previous[0] if previous is not None else None
    return {
        d: (before.indexed_at.get(d) or before.built_at)
        if before is not None and before.documents.get(d) == fp
        else now
        for d, fp in checksums.items()
    }


@contextlib.contextmanager
def _scratch(index_dir: Path, rows: int, dim: int) -> Iterator[np.ndarray]:
    """A zeroed float32 matrix for the vectors being assembled; file-backed when large."""
    if rows * dim * 4 < SCRATCH_MIN_BYTES:
        yield np.zeros((rows, dim), dtype=np.float32)
        return
    path = index_dir / f".embedding-{os.getpid()}.npy"
    for stale in index_dir.glob(".embedding-*.npy"):  # a killed build's (the lock is held)
        stale.unlink(missing_ok=True)
    try:
        matrix = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, dim))
        with open(path, "r+b") as fh:  # the disk reserved now: a mapped page would SIGBUS
            os.posix_fallocate(fh.fileno(), 0, os.fstat(fh.fileno()).st_size)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise write_failure(exc, index_dir) from None
    try:
        yield matrix
    finally:
        del matrix
        path.unlink(missing_ok=True)
