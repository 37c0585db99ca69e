"""Load every document of a corpus directory, reporting each file it could not use and why.

A document is a .txt or .pdf with a sidecar .toml of the same stem (title, municipality,
committee, year). One bad file must not stop the others, and none may vanish unnoticed:
everything not loaded is listed in CorpusReport.skipped (files that should have been
documents) or CorpusReport.ignored (hidden files and folders, by convention not documents).
Each document is parsed in a worker process with limits (index.documents.worker), so a file that
hangs or exhausts the parser is a skip with its reason, not a stopped build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import stat
import threading
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from index.config import MIB, CorpusLimits
from index.documents.amounts import MAX_KR
from index.documents.document import Document, DocumentError, DocumentMeta
from index.documents.parse import PARSER_VERSION, SUPPORTED_SUFFIXES
from index.documents.worker import ParseWorker

#: Files that belong in a corpus but are not documents: metadata sidecars and notes.
COMPANION_SUFFIXES = (".toml", ".md")
META_FIELDS = ("title", "municipality", "committee", "year")
TEXT_FIELDS = ("title", "municipality", "committee")
YEARS = (1900, 2100)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def display(path: Path | str) -> str:
    """A path as it can be printed and stored: bytes that are not UTF-8 shown as U+FFFD, and
    control characters escaped (`printable`)."""
    return printable(os.fsencode(path).decode("utf-8", "replace"))


#: Characters that break or rewrite a line of output: C0 and C1 controls (newline, carriage
#: return, escape sequences) and Unicode's line and paragraph separators.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` as one line of output, each control character written as its Python escape: a
    file named "a\\nskipped b.txt: …" must not print a line of its own."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


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


def _text_field(data: dict, name: str, sidecar: str, source: str) -> str:
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(
            source, f"metadata file {sidecar}: {name} must be a non-empty text in quotes "
            f"(got {value!r})",
        )  # fmt: skip
    return value.strip()


def _year(value: object, sidecar: str, source: str) -> int:
    """The year as written: a TOML integer from 1900 to 2100; nothing is coerced
    (`true`, `2024.9`, `inf` and "2024" are refused, not read as some year)."""
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        shown = value if not isinstance(value, float) or math.isfinite(value) else str(value)
        raise DocumentError(
            source,
            f"metadata file {sidecar}: year is not a whole number from {YEARS[0]} to {YEARS[1]} "
            f"(got {shown!r})",
        )
    return value


def _renamed(value: object, sidecar: str, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The [renamed] table: `"title here" = "earlier title"` or a list of earlier titles.
    Checked like the other fields: a wrong shape names the sidecar instead of being guessed."""
    problem = f"metadata file {sidecar}: [renamed] maps an area's title to its earlier title(s)"
    if not isinstance(value, dict):
        raise DocumentError(source, f"{problem}; got {value!r}")
    out = []
    for title, old in value.items():
        earlier = [old] if isinstance(old, str) else old
        if (not title.strip() or not isinstance(earlier, list) or not earlier
                or not all(isinstance(o, str) and o.strip() for o in earlier)):  # fmt: skip
            raise DocumentError(source, f"{problem}; got {title!r} = {old!r}")
        out.append((title.strip(), tuple(o.strip() for o in earlier)))
    return tuple(out)


def _amounts(value: object, sidecar: str, source: str) -> tuple[tuple[str, int], ...]:
    """The [amounts] table: `"area title" = kroner` (a whole number), as the reader's
    correction where no rule reads the amount."""
    problem = f"metadata file {sidecar}: [amounts] maps an area's title to its net budget in kr."
    if not isinstance(value, dict):
        raise DocumentError(source, f"{problem}; got {value!r}")
    out = []
    for title, kr in value.items():
        if not title.strip() or isinstance(kr, bool) or not isinstance(kr, int) or \
                abs(kr) >= MAX_KR:  # fmt: skip
            raise DocumentError(source, f"{problem} (a whole number); got {title!r} = {kr!r}")
        out.append((title.strip(), kr))
    return tuple(out)


def _headings(value: object, sidecar: str, source: str) -> tuple[str, ...]:
    """headings = ["Vej og Park", ...]: the lines of the text that start an area."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DocumentError(source, f"metadata file {sidecar}: headings is a list of area "
                            f"titles as the text writes them; got {value!r}")  # fmt: skip
    return tuple(v.strip() for v in value)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")


def _source(value: object, sidecar: str, source: str) -> str:
    """source = "https://…": where the document is published, shown as "Kilde" with a link. An
    http(s) address with a host, or an error; words without a scheme (a description of the
    source, as older sidecars hold) are no address and give none."""
    problem = f"metadata file {sidecar}: source is the http(s) address the document is " \
              "published at"  # fmt: skip
    if not isinstance(value, str):
        raise DocumentError(source, f"{problem}; got {value!r}")
    value = value.strip()
    spaced = any(c.isspace() for c in value)
    if not _SCHEME.match(value) or (spaced and not value.lower().startswith(("http:", "https:"))):
        return ""  # prose, not an address
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError when not a port number
    except ValueError:
        parts = urlsplit("")
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or "@" in parts.netloc or spaced or not value.isprintable()
            or any(c in value for c in '\\<>"\'`{}|^')):  # fmt: skip
        raise DocumentError(source, f"{problem}; got {value!r}")
    return value


def read_meta(source: Path, corpus_dir: Path) -> DocumentMeta:
    """Metadata for `source` from its sidecar TOML; DocumentError when missing or invalid."""
    sidecar = source.with_suffix(".toml")
    relative = source.relative_to(corpus_dir)
    where = display(source)
    if not sidecar.is_file():
        raise DocumentError(where, f"no metadata file {display(sidecar.name)}")
    name = display(sidecar.name)
    if not _inside(sidecar.resolve(), Path(corpus_dir).resolve()):
        raise DocumentError(where, f"metadata file {name} links outside the corpus folder; refused")
    try:
        data = tomllib.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise DocumentError(where, f"unreadable metadata file {name}: {exc}") from exc
    except RecursionError as exc:  # "x = [[[…]]]" nested hundreds deep
        raise DocumentError(where, f"unreadable metadata file {name}: nested too deep") from exc
    missing = [field_ for field_ in META_FIELDS if field_ not in data]
    if missing:
        raise DocumentError(where, f"metadata file {name} lacks {', '.join(missing)}")
    title, municipality, committee = (_text_field(data, f, name, where) for f in TEXT_FIELDS)
    return DocumentMeta(
        id=relative.with_suffix("").as_posix(),
        path=relative.as_posix(),
        title=title,
        municipality=municipality,
        committee=committee,
        year=_year(data["year"], name, where),
        renamed=_renamed(data.get("renamed", {}), name, where),
        amounts=_amounts(data.get("amounts", {}), name, where),
        headings=_headings(data.get("headings", []), name, where),
        source=_source(data.get("source", ""), name, where),
    )


def _is_companion(name: str) -> bool:
    stem, suffix = os.path.splitext(name)
    return suffix.lower() in COMPANION_SUFFIXES or stem.upper() == "README"


def _utf8(path: Path | str) -> bool:
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _inside(target: Path, root: Path) -> bool:
    return target == root or target.is_relative_to(root)


@dataclass
class Walk:
    """The corpus folder, looked at once: candidate documents and everything set aside."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[Skipped] = field(default_factory=list)


def walk(corpus_dir: Path) -> Walk:
    """Every file under `corpus_dir` that may be a document (sorted), and every one that is
    set aside with its reason: hidden files and folders, links that leave the corpus folder
    or lead nowhere, names that are not UTF-8, anything that is not a regular file. Metadata
    sidecars and READMEs are neither."""
    corpus_dir = Path(corpus_dir)
    root = corpus_dir.resolve()
    out = Walk()

    def visit(folder: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            out.skipped.append(Skipped(display(folder), f"folder cannot be read: {exc.strerror}"))
            return
        out.ignored += _lone_sidecars(entries)
        for entry in entries:
            # plain strings until a file is kept: at a million passages (~27k files) the Path
            # objects were most of a no-change re-index
            path, name = entry.path, entry.name
            if name.startswith("."):
                kind = "folder" if entry.is_dir() else "file"
                out.ignored.append(Skipped(display(path), f"hidden {kind}, not read"))
                continue
            if not _utf8(name):
                reason = "the name is not valid UTF-8; rename the file"
                out.skipped.append(Skipped(display(path), reason))
                continue
            if entry.is_symlink():
                target = Path(path).resolve()
                if not target.exists():
                    reason = "broken symbolic link (its target is gone)"
                    out.skipped.append(Skipped(display(path), reason))
                    continue
                if not _inside(target, root):
                    reason = (f"symbolic link to {display(target)}, outside the corpus folder; "
                              "refused")  # fmt: skip
                    out.skipped.append(Skipped(display(path), reason))
                    continue
                if target.is_dir():
                    reason = ("symbolic link to a folder inside the corpus, not followed (its "
                              "documents are read where they are)")  # fmt: skip
                    out.ignored.append(Skipped(display(path), reason))
                    continue
            if entry.is_dir(follow_symlinks=False):
                visit(Path(path))
                continue
            if _is_companion(name):
                continue
            try:
                mode = entry.stat().st_mode  # cached by scandir where it can be
            except OSError as exc:
                out.skipped.append(Skipped(display(path), f"cannot be read: {exc.strerror}"))
                continue
            if not stat.S_ISREG(mode):
                reason = "not a regular file (a pipe or device?)"
                out.skipped.append(Skipped(display(path), reason))
                continue
            out.files.append(Path(path))

    if corpus_dir.is_dir():
        visit(corpus_dir)
    return out


def _lone_sidecars(entries: list[os.DirEntry]) -> list[Skipped]:
    """The .toml files of a folder that no document reads: one without a document of its
    stem beside it (the document moved, renamed or not yet added), or one whose suffix is not
    the lower-case `.toml` a document's metadata is looked up by."""
    stems = {os.path.splitext(e.name)[0] for e in entries
             if not e.name.startswith(".") and not _is_companion(e.name)}  # fmt: skip
    out = []
    for e in entries:
        stem, suffix = os.path.splitext(e.name)
        if e.name.startswith(".") or suffix.lower() != ".toml":
            continue
        if stem not in stems:
            reason = (f"metadata file without a document: no {display(stem)}.txt or "
                      f"{display(stem)}.pdf beside it; not read")  # fmt: skip
        elif suffix != ".toml":
            reason = f"metadata files end in lower-case .toml: rename it {display(stem)}.toml"
        else:
            continue
        out.append(Skipped(display(e.path), reason))
    return out


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
