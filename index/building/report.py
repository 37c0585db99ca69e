"""What a build tells its user: the summary line, what each document gave, and why nothing
could be indexed when nothing could."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from index.documents.amounts import format_kr
from index.documents.corpus import plural
from index.documents.document import Reconciliation
from index.documents.printable import printable


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    generation: Path
    documents: int
    areas: int
    passages: int
    embedded: int  # passages embedded in this run (0: all vectors reused)
    reused: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    up_to_date: bool = False
    seconds: float = 0.0
    pieces_embedded: int = 0  # sentences and list items embedded besides whole passages
    ignored: list[tuple[str, str]] = field(default_factory=list)  # hidden files and folders
    warnings: list[str] = field(default_factory=list)  # "file:line: what the parser doubted"
    parsed: list[str] = field(default_factory=list)  # per document: areas, amounts, layout
    resumed: int = 0  # vectors taken from an interrupted build's flushed files, not embedded
    embed_seconds: float = 0.0  # wall time of this run's embedding
    device: str = ""  # what embedded this run's vectors ("cpu", "cuda"), and in which precision
    precision: str = ""

    def rate(self) -> str:
        """'12.3 passages/s (45.6 texts/s with their sentences) on cpu, float32', or ''."""
        texts = self.embedded + self.pieces_embedded
        if not texts or self.embed_seconds <= 0:
            return ""
        return (f"{self.embedded / self.embed_seconds:.1f} passages/s "
                f"({texts / self.embed_seconds:.1f} texts/s with their sentences) on "
                f"{self.device}, {self.precision}")  # fmt: skip

    def summary(self) -> str:
        if self.up_to_date:
            head = f"index is up to date ({self.passages} passages)"
        else:
            head = (
                f"indexed {plural(self.documents, 'document')}, {plural(self.areas, 'area')}, "
                f"{plural(self.passages, 'passage')}"
                f" ({self.embedded} embedded, {self.reused} reused"
                f"{f'; {self.pieces_embedded} sentences embedded' if self.pieces_embedded else ''}"
                f"{f'; {self.resumed} vectors resumed' if self.resumed else ''})"
                f" in {self.seconds:.1f} s"
            )
            if self.rate():
                head += f"; embedding: {self.rate()}"
        lines = [f"  {line}" for line in self.parsed]
        lines += [f"skipped {path}: {reason}" for path, reason in self.skipped]
        lines += [f"ignored {path}: {reason}" for path, reason in self.ignored]
        lines += [f"warning: {w}" for w in self.warnings]
        # a file name holds any character but "/": a newline in one must not print a line
        return "\n".join([head, *map(printable, lines)])


def reconciliation_line(r: Reconciliation) -> str:
    """'Driftsudgifter i alt 2.946.600.000 kr.: stemmer inden for afrunding (100.000 kr.)'."""
    return f"{r.label} {format_kr(r.stated_kr)}: {r.verdict()}"


def nothing_indexed(corpus_dir: Path, skipped: list[tuple[str, str]],
                    ignored: list[tuple[str, str]]) -> str:  # fmt: skip
    """Why a corpus gave no document: every file set aside, each with its reason (a lone
    scanned PDF must say it is one, not only that nothing could be indexed)."""
    head = f"no documents could be indexed from {printable(str(corpus_dir))}"
    if not skipped and not ignored and not Path(corpus_dir).is_dir():
        return f"{head}: there is no such folder"
    if not skipped and not ignored:
        return f"{head}: it holds no .txt or .pdf document with a .toml metadata file beside it"
    lines = [f"skipped {path}: {reason}" for path, reason in skipped]
    lines += [f"ignored {path}: {reason}" for path, reason in ignored]
    return "\n".join([f"{head}; each file and why:", *map(printable, lines)])
