"""Parse documents in a child process, so that one bad file can cost only itself.

A PDF can make pdfminer loop forever (a /MediaBox that refers to itself) or inflate a 2 MB
file to gigabytes; neither can be interrupted from inside the process doing it. The worker
is a fresh Python process (no inherited threads, model or main module: any script may call
load_corpus) with an address-space limit; the build waits for each document at most
`parse_seconds`, then kills the worker, reports the document as skipped and starts a fresh
worker for the next one. The worker leads a process group of its own, and the whole group is
killed: a program it runs (Tesseract, for OCR) dies with it. Tasks and answers travel as
pickles over two pipes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from index.config import MIB, CorpusLimits, python_running
from index.documents.document import Document, DocumentError, DocumentMeta

STARTUP_SECONDS = 120.0  # importing pdfplumber on a busy machine; not charged to a document


def _limit_memory(limit: int) -> None:
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # not on this platform: the time limit remains
        pass


def _answer(path: str, meta: DocumentMeta, limits: CorpusLimits) -> tuple[str, Any]:
    from index.documents.parse import parse_file

    try:
        return "ok", parse_file(Path(path), meta, limits)
    except DocumentError as exc:
        return "error", (exc.message, exc.line)
    except MemoryError:
        mb = limits.worker_memory_bytes // MIB
        return "error", (f"needs more than the {mb} MB memory limit to parse", None)
    except RecursionError:
        return "error", ("too deeply nested to parse", None)
    except Exception as exc:  # a parser bug must cost this document only
        return "error", (f"parser failed ({type(exc).__name__}: {exc})", None)


def main() -> None:
    """The worker: (limits, pdf) first, then (path, meta) tasks until None or end of input;
    ("ok", Document) or ("error", (message, line)) for each."""
    tasks = Connection(int(sys.argv[2]), writable=False)
    answers = Connection(int(sys.argv[3]), readable=False)
    limits, pdf = tasks.recv()
    _limit_memory(limits.worker_memory_bytes)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # per-object chatter, not news
    import index.documents.parse  # noqa: F401 - before the first document's clock runs

    if pdf:
        import pdfplumber  # noqa: F401 - slow to import
    answers.send("ready")
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        answers.send(_answer(*task, limits))


class ParseWorker:
    """One parsing child process at a time, restarted after a document it could not finish."""

    def __init__(self, limits: CorpusLimits, *, pdf: bool = False):
        self.limits = limits
        self.pdf = pdf  # preload pdfplumber
        self._proc: subprocess.Popen[bytes] | None = None
        self._tasks: Connection | None = None
        self._answers: Connection | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> tuple[Connection, Connection]:
        task_r, task_w = os.pipe()
        answer_r, answer_w = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [*python_running("index.documents.worker", "main"), str(task_r), str(answer_w)],
                pass_fds=(task_r, answer_w), stdin=subprocess.DEVNULL,
                start_new_session=True,  # its group: OCR's tesseract is stopped with it
            )  # fmt: skip
        finally:
            os.close(task_r)
            os.close(answer_w)
        self._tasks = Connection(task_w, readable=False)
        self._answers = Connection(answer_r, writable=False)
        try:
            self._tasks.send((self.limits, self.pdf))
            ready = self._answers.poll(STARTUP_SECONDS) and self._answers.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = self._proc.poll()
            self._stop()
            raise RuntimeError(f"the document parser process did not start (exit code {code})")
        return self._tasks, self._answers

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.returncode is None:  # not yet reaped: its group id is still its own
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.kill()
            self._proc.wait()
        for conn in (self._tasks, self._answers):
            if conn is not None:
                conn.close()
        self._proc = self._tasks = self._answers = None

    def close(self) -> None:
        """Let the worker end by itself; kill it if it does not."""
        if self._proc is not None and self._tasks is not None:
            try:
                self._tasks.send(None)
                self._proc.wait(timeout=5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def parse(self, path: Path, meta: DocumentMeta) -> Document:
        """The parsed document; DocumentError for a bad one, a slow one or one that kills the
        worker (out of memory)."""
        source = str(path)
        if self._tasks is None or self._answers is None:
            tasks, answers = self._start()
        else:
            tasks, answers = self._tasks, self._answers
        try:
            tasks.send((source, meta))
            done = answers.poll(self.limits.parse_seconds)
        except OSError:
            done = True  # the worker is gone: recv says how
        if not done:
            self._stop()
            raise DocumentError(
                source,
                f"parsing took longer than the {self.limits.parse_seconds:g} s limit and was "
                "stopped",
            )
        try:
            kind, payload = answers.recv()
        except (EOFError, OSError):
            code = self._proc.wait() if self._proc is not None else None
            self._stop()
            raise DocumentError(
                source, f"the parser process died on this file (exit code {code}; out of memory?)"
            ) from None
        if kind == "ok":
            return payload
        message, line = payload
        raise DocumentError(source, message, line)
