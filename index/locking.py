"""One process at a time: an exclusive lock on a file, for the build of an index and the
provisioning of a model."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created) for the block. With `wait` False, raise
    BlockingIOError at once when another process holds it. The kernel lets go when a holder
    dies, so a killed process never leaves a stale lock."""
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
