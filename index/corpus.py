"""Load every document of a corpus directory, reporting each file it could not use and why.

A document is a .txt or .pdf with a sidecar .toml of the same stem (title, municipality,
committee, year). One bad file must not stop the others, and none may vanish unnoticed:
everything not loaded is listed in CorpusReport.skipped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from index.document import Document, DocumentError, DocumentMeta
from index.parse import SUPPORTED_SUFFIXES, parse_file

#: Files that belong in a corpus but are not documents: metadata sidecars and notes.
COMPANION_SUFFIXES = (".toml", ".md")
META_FIELDS = ("title", "municipality", "committee", "year")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class CorpusReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

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
        return text


def read_meta(source: Path, corpus_dir: Path) -> DocumentMeta:
    """Metadata for `source` from its sidecar TOML; DocumentError when missing or incomplete."""
    sidecar = source.with_suffix(".toml")
    relative = source.relative_to(corpus_dir)
    if not sidecar.is_file():
        raise DocumentError(str(source), f"no metadata file {sidecar.name}")
    try:
        data = tomllib.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise DocumentError(str(source), f"unreadable metadata file {sidecar.name}: {exc}") from exc
    missing = [name for name in META_FIELDS if name not in data]
    if missing:
        raise DocumentError(str(source), f"metadata file {sidecar.name} lacks {', '.join(missing)}")
    try:
        year = int(data["year"])
    except (TypeError, ValueError) as exc:
        raise DocumentError(
            str(source), f"metadata file {sidecar.name}: year is not a number"
        ) from exc
    return DocumentMeta(
        id=relative.with_suffix("").as_posix(),
        path=relative.as_posix(),
        title=str(data["title"]),
        municipality=str(data["municipality"]),
        committee=str(data["committee"]),
        year=year,
    )


def _is_companion(path: Path) -> bool:
    return path.suffix.lower() in COMPANION_SUFFIXES or path.stem.upper() == "README"


def candidate_files(corpus_dir: Path) -> list[Path]:
    """The files that may be documents, sorted: not hidden, not metadata or READMEs."""
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
        and not _is_companion(p)
    )


def _reason(error: DocumentError) -> str:
    """The error without the path (Skipped has it), keeping the line: "line 2: binary file"."""
    where = f"{error.path}:{error.line}: " if error.line else f"{error.path}: "
    message = str(error).removeprefix(where)
    return f"line {error.line}: {message}" if error.line else message


def load_corpus(corpus_dir: Path) -> CorpusReport:
    """Parse every document under `corpus_dir` (hidden files and folders are ignored).

    When a stem has both a .pdf and a .txt, the .txt (the curated text) is used and the PDF
    is reported as skipped, since both would claim the same document id.
    """
    corpus_dir = Path(corpus_dir)
    report = CorpusReport()
    for path in candidate_files(corpus_dir):
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            report.skipped.append(Skipped(str(path), "unsupported extension"))
            continue
        if suffix == ".pdf" and path.with_suffix(".txt").is_file():
            report.skipped.append(
                Skipped(str(path), f"same document as {path.with_suffix('.txt').name}")
            )
            continue
        try:
            report.documents.append(parse_file(path, read_meta(path, corpus_dir)))
        except DocumentError as exc:
            report.skipped.append(Skipped(str(path), _reason(exc)))
    return report
