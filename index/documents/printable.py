"""Paths and texts as one line of output: a file name may hold bytes that are not UTF-8 and
control characters, and must neither stop a message nor print a line of its own."""

from __future__ import annotations

import os
import re
from pathlib import Path


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
