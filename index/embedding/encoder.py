"""What the index and the search need of an embedding model, as a Protocol.

The build only embeds passages; the engine also embeds queries. Tests and benchmarks pass their
own encoders (counting, synthetic) wherever the real one
(:class:`index.embedding.embed.ModelEncoder`) goes, so both stages type against these protocols, not
against the class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np


class PassageEncoder(Protocol):
    """Embeds passages for the build: vectors of one ``model_id`` never mix with another's.

    `progress` is False, True (a bar of its own) or a function the encoder calls with the number
    of texts done so far. An encoder may say what makes its vectors, as ``device`` ("cpu",
    "cuda") and ``precision`` ("float32", "float16"; known after its first call): the index
    records them (one without them counts as the CPU in float32)."""

    model_id: str
    dim: int

    def encode_passages(
        self, texts: list[str], *, batch_size: int = 32,
        progress: bool | Callable[[int], None] = False,
    ) -> np.ndarray: ...


class Encoder(PassageEncoder, Protocol):
    """Embeds queries too: L2-normalised float32 vectors comparable with the passages'."""

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...
