"""Is the corpus what the current generation indexed? Answered without parsing.

A re-index of an unchanged corpus must cost next to nothing, also at a million passages
(~27k files): each document's fingerprint (its bytes' sha256, its metadata, the parser's
version) is compared with the manifest's, and a file whose size and mtime (and its sidecar's)
are what they were when last fingerprinted is trusted without being read again, as git's index
trusts a file's stat (`sources.json` in the generation). Anything unsure answers None: the
build's full path (parse, then compare) decides.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path

from index.building import analysis, store
from index.config import Settings
from index.documents.document import DocumentError, DocumentMeta
from index.documents.failures import FAILURES, FailureMemory
from index.documents.parse import PARSER_VERSION, SUPPORTED_SUFFIXES
from index.documents.printable import display
from index.documents.sidecar import read_meta
from index.documents.walk import walk


def fingerprint(source_sha256: str, meta: DocumentMeta) -> str:
    """What makes a document's passages what they are: its bytes, its metadata (a corrected
    year or committee in the .toml must reach the index too) and the parser's version."""
    fields = dataclasses.asdict(meta)
    if not fields["source"]:  # a document without one keeps the fingerprint it had before
        del fields["source"]
    blob = json.dumps([source_sha256, fields, PARSER_VERSION], sort_keys=True,
                      ensure_ascii=False)  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()


def unchanged(
    settings: Settings,
) -> tuple[store.Manifest, Path, int, list[tuple[str, str]], list[tuple[str, str]]] | None:
    """The current generation when the corpus is byte-for-byte what it indexed, checked
    without parsing: the same document files (by load_corpus's rules), the same sha256 of
    each, readable metadata beside each, the same model and formats, and nothing skipped
    last time or now but documents that failed to parse then and are unchanged since (their
    reasons remembered: failures.FailureMemory). None means "not sure": the full path (parse,
    then compare) decides. Also gives what was ignored and what was skipped.
    """
    found_previous = previous(settings.index_dir)
    if found_previous is None:
        return None
    manifest, gen = found_previous
    if (
        manifest.model != settings.model
        or manifest.format != store.FORMAT
        or manifest.analysis != analysis.VERSION
    ):
        return None
    try:
        areas = store.read_area_count(gen)
        corpus_dir = Path(settings.corpus_dir)
        found_files = walk(corpus_dir)
        if found_files.skipped:
            return None
        known = _read_sources(gen)
        failed = FailureMemory(settings.index_dir / FAILURES, corpus_dir, settings.limits)
        skipped: list[tuple[str, str]] = []
        now: dict[str, list] = {}
        found: dict[str, str] = {}
        for path in found_files.files:
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                return None  # load_corpus would skip it: let the full path report it
            rel, stat = _relative(path, corpus_dir), _stat(path)
            cached = known.get(rel)
            if cached is not None and stat != [-1] and cached[:-2] == stat:
                doc_id, print_ = cached[-2:]  # the same file and sidecar as last time
            elif failed.knows(path):  # it failed to parse last time
                reason = failed.recall(path, read_meta(path, corpus_dir))
                if reason is None:
                    return None  # it changed: parse it again
                skipped.append((display(path), reason))
                continue
            else:
                meta = read_meta(path, corpus_dir)
                doc_id = meta.id
                print_ = fingerprint(hashlib.sha256(path.read_bytes()).hexdigest(), meta)
            if doc_id in found:
                return None  # a .pdf beside its .txt
            found[doc_id] = print_
            if stat != [-1]:
                now[rel] = [*stat, doc_id, print_]
    except (OSError, ValueError, KeyError, TypeError, DocumentError):
        return None
    if found != manifest.documents or sorted(p for p, _ in skipped) != sorted(
            p for p, _ in manifest.skipped):  # fmt: skip
        return None
    if now != known:  # files hashed this time: trusted by their stats from now on
        _save_sources(gen, now)
    return manifest, gen, areas, [(s.path, s.reason) for s in found_files.ignored], skipped


# store.SOURCES holds, per source file (relative path), its and its sidecar's size and mtime
# when last read, its document id and fingerprint. A no-change re-index trusts a file whose
# stats are unchanged (as git's index does) instead of hashing it and parsing its TOML: 1M
# passages are ~27k files.


def _stat(path: Path) -> list[int]:
    """Size and mtime of a document and of its sidecar (lstat: a sidecar swapped for a link
    shows). On strings: pathlib's objects cost more than the two system calls."""
    name = str(path)
    try:
        doc, side = os.stat(name), os.lstat(os.path.splitext(name)[0] + ".toml")
    except OSError:
        return [-1]
    return [doc.st_size, doc.st_mtime_ns, side.st_size, side.st_mtime_ns]


def _relative(path: Path, root: Path) -> str:
    """path.relative_to(root).as_posix(), by slicing the string where it can."""
    name, base = str(path), str(root) + os.sep
    if os.sep == "/" and name.startswith(base):
        return name[len(base) :]
    return path.relative_to(root).as_posix()


def _scheme() -> str:
    """What a fingerprint depends on besides the files (the parser's version, the metadata's
    fields): a cache written under another scheme is not trusted."""
    try:
        probe = DocumentMeta(id="", path="", title="", municipality="", committee="", year=0)
    except TypeError:
        return ""
    return fingerprint("", probe)


def stats(corpus_dir: Path) -> dict[str, list[int]]:
    try:
        return {f.relative_to(corpus_dir).as_posix(): _stat(f) for f in walk(corpus_dir).files}
    except OSError:
        return {}


def write_sources(gen: Path, seen: dict[str, list[int]], docs: list, checksums: dict) -> None:
    """Record what `_unchanged` may trust next time (best effort: it is only a shortcut)."""
    files = {d.meta.path: [*seen[d.meta.path], d.meta.id, checksums[d.meta.id]]
             for d in docs if d.meta.path in seen and seen[d.meta.path] != [-1]}  # fmt: skip
    _save_sources(gen, files)


#: A file modified this recently may change again within its mtime's resolution unseen
#: ("racy git"): it is not trusted by its stats, it is hashed again next time.
RACY_NS = 2_000_000_000


def _save_sources(gen: Path, files: dict[str, list]) -> None:
    racy = time.time_ns() - RACY_NS
    files = {k: v for k, v in files.items() if v[1] < racy and v[3] < racy}
    data = {"scheme": _scheme(), "files": files}
    try:
        (gen / store.SOURCES).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass


def _read_sources(gen: Path) -> dict[str, list]:
    try:
        data = json.loads((gen / store.SOURCES).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not data.get("scheme") or data["scheme"] != _scheme():
            return {}
        files = data.get("files")
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def previous(index_dir: Path) -> tuple[store.Manifest, Path] | None:
    """The current generation's manifest, or None when there is no usable one."""
    try:
        gen = store.current_generation(index_dir)
        return store.read_manifest(gen), gen
    except store.IndexNotReady:
        return None
