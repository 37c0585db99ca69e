"""Parse documents in a child process, so that one bad file can cost only itself.

A PDF can make pdfminer loop forever (a /MediaBox that refers to itself) or inflate a 2 MB
file to gigabytes; neither can be interrupted from inside the process doing it. The worker
is a spawned process (no inherited threads or model), given an address-space limit; the
build waits for each document at most `parse_seconds`, then kills the worker, reports the
document as skipped and starts a fresh worker for the next one.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from index.config import MIB, CorpusLimits
from index.document import Document, DocumentError, DocumentMeta

STARTUP_SECONDS = 120.0  # importing pdfplumber on a busy machine; not charged to a document


def _limit_memory(limit: int) -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # not on this platform: the time limit remains
        pass


def _serve(conn: Connection, limits: CorpusLimits, pdf: bool) -> None:
    """The worker's loop: (path, meta) in, ("ok", Document) or ("error", (message, line)) out."""
    _limit_memory(limits.worker_memory_bytes)
    from index.parse import parse_file

    if pdf:
        import pdfplumber  # noqa: F401 - slow to import; not while a document's clock runs
    conn.send("ready")
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        path, meta = task
        answer: tuple[str, Any]
        try:
            answer = ("ok", parse_file(Path(path), meta, limits))
        except DocumentError as exc:
            answer = ("error", (exc.message, exc.line))
        except MemoryError:
            mb = limits.worker_memory_bytes // MIB
            answer = ("error", (f"needs more than the {mb} MB memory limit to parse", None))
        except RecursionError:
            answer = ("error", ("too deeply nested to parse", None))
        except Exception as exc:  # a parser bug must cost this document only
            answer = ("error", (f"parser failed ({type(exc).__name__}: {exc})", None))
        conn.send(answer)


class ParseWorker:
    """One parsing child process at a time, restarted after a document it could not finish."""

    def __init__(self, limits: CorpusLimits, *, pdf: bool = False):
        self.limits = limits
        self.pdf = pdf  # preload pdfplumber
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Connection:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_serve, args=(child, self.limits, self.pdf), daemon=True,
            name="budget-search-parser",
        )  # fmt: skip
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        try:
            ready = parent.poll(STARTUP_SECONDS) and parent.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = proc.exitcode
            self._stop()
            raise RuntimeError(f"the document parser process did not start (exit code {code})")
        return parent

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(timeout=10)
            self._proc.close()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        """Let the worker end by itself; kill it if it does not."""
        if self._proc is not None and self._conn is not None:
            try:
                self._conn.send(None)
                self._proc.join(timeout=5)
            except (OSError, ValueError):
                pass
        self._stop()

    def parse(self, path: Path, meta: DocumentMeta) -> Document:
        """The parsed document; DocumentError for a bad one, a slow one or one that kills the
        worker (out of memory)."""
        source = str(path)
        conn = self._conn or self._start()
        conn.send((source, meta))
        if not conn.poll(self.limits.parse_seconds):
            self._stop()
            raise DocumentError(
                source,
                f"parsing took longer than the {self.limits.parse_seconds:g} s limit and was "
                "stopped",
            )
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            code = self._proc.exitcode if self._proc is not None else None
            self._stop()
            raise DocumentError(
                source, f"the parser process died on this file (exit code {code}; out of memory?)"
            ) from None
        if kind == "ok":
            return payload
        message, line = payload
        raise DocumentError(source, message, line)
