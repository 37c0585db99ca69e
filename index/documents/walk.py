"""The corpus folder, looked at once: the files that may be documents, and every other file
set aside with its reason.

Nothing vanishes unnoticed: a file that should have been a document and cannot be (a link out
of the folder, a name that is not UTF-8, a pipe) is skipped with its reason; hidden files and
folders, by convention not documents, are ignored, and so is a sidecar no document reads.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from index.documents.printable import display

#: Files that belong in a corpus but are not documents: metadata sidecars and notes.
COMPANION_SUFFIXES = (".toml", ".md")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


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
