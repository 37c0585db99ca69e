"""Loading a sentence-transformers model offline, and the error every model step raises.

Its own module so that the provisioning (`index.embedding.provision`), the verification of a
converted model (`index.embedding.e5verify`) and the encoder (`index.embedding.embed`) use it
without importing each other.
"""

from __future__ import annotations

import os


class ModelError(Exception):
    """The embedding model is missing, broken or cannot be loaded."""


def offline() -> None:
    """No hub look-ups: models come from a package or a local path (offline by design)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def load_st(name_or_path: str, device: str = "cpu"):
    """A SentenceTransformer in float32 on `device` (the CPU unless asked), offline."""
    offline()
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    try:
        model = SentenceTransformer(
            name_or_path,
            device=device,
            local_files_only=True,
            model_kwargs={"dtype": torch.float32},
        )
    except Exception as exc:
        raise ModelError(f"could not load embedding model {name_or_path!r}: {exc}") from exc
    return model.float().eval()
