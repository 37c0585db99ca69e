"""The documents that failed to parse, remembered in the index folder (`failures.json`) so
that they are not parsed again while nothing they depend on changed (`FailureMemory`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from index.config import CorpusLimits
from index.documents.document import DocumentMeta
from index.documents.parse import PARSER_VERSION

#: The file in an index folder remembering the documents that failed to parse.
FAILURES = "failures.json"


class FailureMemory:
    """Documents that failed to parse, remembered by what decided the failure: the file's bytes
    (sha256), its metadata, the parser's version, the limits and the OCR engine at hand. A PDF
    that took the whole time limit would otherwise take it again on every `index`; one whose
    key is unchanged is skipped with the reason it had, and parsed again once anything in the
    key changes (or on `index --full`). Best effort: an unreadable file remembers nothing."""

    def __init__(self, file: Path | None, corpus_dir: Path, limits: CorpusLimits, *,
                 retry: bool = False) -> None:  # fmt: skip
        self.file = file
        self.root = Path(corpus_dir)
        self.limits = limits
        self.known = {} if file is None or retry else _read_failures(file)
        self.kept: dict[str, dict[str, str]] = {}  # what this run found failing

    def _name(self, path: Path) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def key(self, path: Path, meta: DocumentMeta) -> str:
        """What a parse's outcome depends on; OSError when the file cannot be read."""
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        limits = {k: v for k, v in asdict(self.limits).items() if k != "parse_workers"}
        blob = json.dumps([digest, asdict(meta), PARSER_VERSION, limits, _engine(path)],
                          sort_keys=True, ensure_ascii=False)  # fmt: skip
        return hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()

    def knows(self, path: Path) -> bool:
        """Whether `path` failed last time (whatever it holds now)."""
        return self._name(path) in self.known

    def recall(self, path: Path, meta: DocumentMeta) -> str | None:
        """The reason `path` failed, when it failed before and nothing it depends on changed."""
        entry = self.known.get(self._name(path))
        if entry is None:
            return None
        try:
            if entry["key"] != self.key(path, meta):
                return None
        except OSError:
            return None
        self.kept[self._name(path)] = entry
        return (f"{entry['reason']} (so when parsed on {entry['when']}; unchanged since, so not "
                "parsed again: `budget-search index --full` retries it)")  # fmt: skip

    def remember(self, path: Path, meta: DocumentMeta, reason: str) -> None:
        if self.file is None:
            return
        try:
            key = self.key(path, meta)
        except OSError:
            return
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.kept[self._name(path)] = {"key": key, "reason": reason, "when": when}

    def save(self) -> None:
        """Write what this run found failing (and nothing else: a fixed file is forgotten)."""
        if self.file is None or (not self.kept and not self.file.exists()):
            return
        data = json.dumps({"version": 1, "failures": self.kept}, ensure_ascii=False, indent=1)
        tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(data, encoding="utf-8", errors="surrogateescape")
            os.replace(tmp, self.file)
        except OSError:  # a read-only or full index folder: the build itself will say so
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _read_failures(file: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(file.read_text(encoding="utf-8", errors="surrogateescape"))
        failures = data["failures"] if data.get("version") == 1 else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not isinstance(failures, dict):
        return {}
    return {k: v for k, v in failures.items() if isinstance(v, dict)
            and all(isinstance(v.get(f), str) for f in ("key", "reason", "when"))}  # fmt: skip


def _engine(path: Path) -> str:
    """Besides the file, what reads it: for a PDF, the OCR engine (one installed since may
    read a scan that failed)."""
    if Path(path).suffix.lower() != ".pdf":
        return ""
    from index.documents.pdf import ocr_engine

    return ocr_engine() or ""
