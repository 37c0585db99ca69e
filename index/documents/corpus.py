"""Load every document of a corpus directory, reporting each file it could not use and why.

A document is a .txt or .pdf with a sidecar .toml of the same stem (title, municipality,
committee, year: index.documents.sidecar). One bad file must not stop the others, and none may
vanish unnoticed: everything not loaded is listed in CorpusReport.skipped (files that should
have been documents) or CorpusReport.ignored (hidden files and folders, by convention not
documents), from the folder's walk (index.documents.walk) on. Each document is parsed in a
worker process with limits (index.documents.worker), so a file that hangs or exhausts the parser
is a skip with its reason, not a stopped build; one that failed is remembered
(index.documents.failures).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.config import MIB, CorpusLimits
from index.documents.document import Document, DocumentError, DocumentMeta
from index.documents.failures import FailureMemory
from index.documents.parse import SUPPORTED_SUFFIXES
from index.documents.printable import display
from index.documents.sidecar import read_meta
from index.documents.walk import Skipped, walk
from index.documents.worker import ParseWorker


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class CorpusReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[Skipped] = field(default_factory=list)  # hidden files and folders

    @property
    def warnings(self) -> list[str]:
        """What the parser was unsure of, "file:line: message", document by document; then
        each municipality, committee and year that more than one document claims."""
        return [w for d in self.documents for w in d.warnings] + same_budget(self.documents)

    def summary(self) -> str:
        """One line for logs and the CLI: what was loaded and what was not."""
        areas = sum(len(d.areas) for d in self.documents)
        passages = sum(len(d.passages) for d in self.documents)
        text = f"{plural(len(self.documents), 'document')}, {plural(areas, 'area')}, " + plural(
            passages, "passage"
        )
        if self.skipped:
            listed = "; ".join(f"{s.path} ({s.reason})" for s in self.skipped)
            text += f"; skipped {len(self.skipped)}: {listed}"
        if self.ignored:
            listed = "; ".join(f"{s.path} ({s.reason})" for s in self.ignored)
            text += f"; ignored {len(self.ignored)}: {listed}"
        return text


def _reason(error: DocumentError) -> str:
    """The error without the path (Skipped has it), keeping the line: "line 2: binary file"."""
    return f"line {error.line}: {error.message}" if error.line else error.message


def _too_big(path: Path, limits: CorpusLimits) -> str | None:
    size = path.stat().st_size
    if size <= limits.max_file_bytes:
        return None
    return (
        f"file is {size / MIB:.1f} MB, over the {limits.max_file_bytes / MIB:g} MB limit "
        "(BUDGET_SEARCH_MAX_FILE_MB)"
    )


def load_corpus(corpus_dir: Path, limits: CorpusLimits | None = None, *,
                failures: Path | None = None, retry: bool = False) -> CorpusReport:  # fmt: skip
    """Parse every document under `corpus_dir`, each in isolation and within `limits`.

    `failures`: the file where documents that failed to parse are remembered (the build's is
    in its index folder, `FAILURES`); one that failed before and is unchanged since is skipped
    with the same reason, without being parsed again. `retry`: parse them all the same.

    When a stem has both a .pdf and a .txt (in any case: `b.TXT`), the .txt (the curated text)
    is used and the PDF is reported as skipped, since both would claim the same document id.
    Files whose names differ only in the case of the suffix (`b.txt`, `b.TXT`) are two
    documents, each with its own id (`_distinct_ids`).
    """
    corpus_dir = Path(corpus_dir)
    limits = limits or CorpusLimits()
    found = walk(corpus_dir)
    report = CorpusReport(skipped=list(found.skipped), ignored=list(found.ignored))
    todo: list[tuple[Path, DocumentMeta]] = []
    texts: dict[Path, Path] = {}  # stem -> its first .txt in any case ("b.TXT" sorts first)
    for path in found.files:
        if path.suffix.lower() == ".txt":
            texts.setdefault(path.with_suffix(""), path)
    for path in found.files:
        suffix = path.suffix.lower()
        shown = display(path)
        if suffix not in SUPPORTED_SUFFIXES:
            report.skipped.append(Skipped(shown, "unsupported extension"))
            continue
        text = path.with_suffix(".txt")
        text = text if text.is_file() else texts.get(path.with_suffix(""))
        if suffix == ".pdf" and text is not None:
            report.skipped.append(Skipped(shown, f"same document as {display(text.name)}"))
            continue
        try:
            too_big = _too_big(path, limits)
            if too_big:
                raise DocumentError(shown, too_big)
            todo.append((path, read_meta(path, corpus_dir)))
        except DocumentError as exc:
            report.skipped.append(Skipped(shown, _reason(exc)))
        except OSError as exc:
            report.skipped.append(Skipped(shown, f"cannot be read: {exc.strerror or exc}"))
    todo = _distinct_ids(todo, report)
    memory = FailureMemory(failures, corpus_dir, limits, retry=retry)
    fresh = []
    for path, meta in todo:
        known = memory.recall(path, meta)
        if known is None:
            fresh.append((path, meta))
        else:
            report.skipped.append(Skipped(display(path), known))
    for (path, meta), result in zip(fresh, _parse_all(fresh, limits), strict=True):
        if isinstance(result, DocumentError):
            report.skipped.append(Skipped(display(path), _reason(result)))
            memory.remember(path, meta, _reason(result))
        else:
            report.documents.append(result)
    memory.save()
    report.skipped.sort(key=lambda s: s.path)
    return report


def _distinct_ids(todo: list[tuple[Path, DocumentMeta]], report: CorpusReport
                  ) -> list[tuple[Path, DocumentMeta]]:  # fmt: skip
    """Each document with an id of its own. The id is the path without its suffix, so `b.txt`
    and `b.TXT` (or `b.pdf` and `b.PDF`) would claim one id and one of them would be lost: the
    first with a lower-case suffix keeps the id, each other takes its path, suffix and all
    (`b.TXT`), and both texts are searchable. Only where that path is itself another file's id
    (a `b.TXT.txt` beside them) is the file skipped, with a reason naming both."""
    claims: dict[str, list[int]] = {}
    for i, (_path, meta) in enumerate(todo):
        claims.setdefault(meta.id, []).append(i)
    if len(claims) == len(todo):
        return todo
    kept: list[tuple[Path, DocumentMeta]] = []
    for i, (path, meta) in enumerate(todo):
        rivals = claims[meta.id]
        keeper = next((j for j in rivals if todo[j][0].suffix == todo[j][0].suffix.lower()),
                      rivals[0])  # fmt: skip
        if i != keeper:
            if meta.path in claims:  # paths are unique: only another file's id can be taken
                other = todo[claims[meta.path][0]][1].path
                report.skipped.append(Skipped(display(path), (
                    f"same document id as {todo[keeper][1].path} (the name differs only in "
                    f"case), and the id that keeps them apart, {meta.path}, is {other}'s; "
                    "rename one of them")))  # fmt: skip
                continue
            meta = replace(meta, id=meta.path)
        kept.append((path, meta))
    return kept


def same_budget(documents: list[Document]) -> list[str]:
    """A warning for each municipality, committee and year that several documents claim
    (two versions of one budget, or a copy): their amounts are never added together, each is
    shown with its own document, and the warning names every file so one can be removed."""
    claims: dict[tuple[str, str, int], list[str]] = {}
    for d in documents:
        key = (d.meta.municipality, d.meta.committee, d.meta.year)
        claims.setdefault(key, []).append(d.meta.path)
    out = []
    for (municipality, committee, year), paths in claims.items():
        if len(paths) > 1:
            out.append(
                f"{', '.join(paths)}: {len(paths)} documents for {municipality}, {committee} "
                f"{year}; their amounts are shown side by side, never added together (remove "
                "the one that is not the budget, or correct its sidecar's year)"
            )
    return out


def _parse_all(
    todo: list[tuple[Path, DocumentMeta]], limits: CorpusLimits
) -> list[Document | DocumentError]:
    """Each document parsed (or its error), in the order given, by up to
    `limits.parse_workers` workers at once; a thread per worker takes the next document when
    its worker is free, and only waits on the worker's pipe meanwhile."""
    results: list[Document | DocumentError | None] = [None] * len(todo)
    if not todo:
        return []
    pdf = any(p.suffix.lower() == ".pdf" for p, _ in todo)
    queue = iter(range(len(todo)))
    lock = threading.Lock()

    def work() -> None:
        with ParseWorker(limits, pdf=pdf) as worker:
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                try:
                    results[i] = worker.parse(*todo[i])
                except DocumentError as exc:
                    results[i] = exc

    n = max(1, min(limits.parse_workers, len(todo)))
    if n == 1:
        work()
    else:
        with ThreadPoolExecutor(n, thread_name_prefix="parse") as pool:
            for done in [pool.submit(work) for _ in range(n)]:
                done.result()  # a worker that cannot start raises here
    assert all(r is not None for r in results)  # every index was taken by a worker
    return results  # type: ignore[return-value]
