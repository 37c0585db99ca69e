"""Passages as columns in RAM and text on disk: what a million passages cost a server.

`passages.jsonl` stays the generation's record of every passage. A query needs the metadata of
many rows (filters, facets, areas) but the text of only the hits it shows, so the metadata is
kept as numpy columns (a code per row for the repeated strings) and a passage's full record is
read from the memory-mapped file by its byte offset when asked for. The columns and offsets are
derived once into `passages.table.npz` beside the file (by the build, or by the first reader),
stamped with the file's size and mtime, and rebuilt when stale; it carries the checksum of the
ids it read, for the reader to compare with the manifest's.
"""

from __future__ import annotations

import functools
import json
import mmap
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import overload

import numpy as np

from index.building import store
from index.documents.document import Passage

#: Repeated strings: one int32 code per row and the distinct values once.
CODED = ("document", "municipality", "committee", "area", "section", "subsection")
#: Integers; None is stored as NONE (page, amount_kr with `known`).
NUMERIC = ("year", "line_start", "line_end", "page", "ordinal")
NONE = -1
VERSION = 1
DECODED_CACHE = 4096  # passages kept decoded (~2 KB each)


class TableError(ValueError):
    """passages.jsonl cannot be read into columns (a corrupt line: its number is in the text)."""


class PassageTable(Sequence[Passage]):
    """A read-only sequence of Passages over `passages.jsonl`; columns for bulk reads."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray]) -> None:
        self.path = path
        self._offsets = arrays["offsets"]
        self._ids = arrays["ids"]
        self._sorted = arrays["id_order"]
        self._codes = {a: arrays[f"code:{a}"] for a in CODED}
        self._values = {a: arrays[f"values:{a}"].tolist() for a in CODED}
        self._numbers = {a: arrays[f"num:{a}"] for a in NUMERIC}
        self._amount = arrays["amount"]
        self._known = arrays["amount_known"]
        self.ids_checksum = str(arrays["ids_checksum"])
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        # the passages a server shows again and again (hits, answer cards) decoded once each;
        # Passage is frozen, so sharing one object between requests is safe
        self._decoded = functools.lru_cache(maxsize=DECODED_CACHE)(self._decode)

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, row: int) -> Passage: ...
    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...
    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._decoded(row)

    def _decode(self, row: int) -> Passage:
        line = self._map[int(self._offsets[row]) : int(self._offsets[row + 1])]
        return _passage(json.loads(line))

    def __iter__(self) -> Iterator[Passage]:
        for row in range(len(self)):
            yield self[row]

    # -- columns ---------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        return [i.decode() for i in self._ids.tolist()]

    def row_of(self, pid: str) -> int | None:
        """The row of a passage id (binary search over the sorted ids), None if absent."""
        key = pid.encode()
        order = self._sorted
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._ids[order[mid]] < key:
                lo = mid + 1
            else:
                hi = mid
        return int(order[lo]) if lo < len(order) and self._ids[order[lo]] == key else None

    def codes(self, attr: str) -> tuple[np.ndarray, list]:
        """(code per row, the distinct values): attr of row r is values[codes[r]]."""
        if attr in self._codes:
            return self._codes[attr], self._values[attr]
        column = self.column(attr)
        values, codes = np.unique(column, return_inverse=True)
        return codes.astype(np.int32), values.tolist()

    def column(self, attr: str) -> np.ndarray:
        """An integer attribute per row (NONE where None; amount_kr: 0 where unknown)."""
        if attr == "amount_kr":
            return self._amount
        return self._numbers[attr]

    def amounts(self) -> tuple[np.ndarray, np.ndarray]:
        """(amount_kr with 0 where unknown, whether it is known) per row."""
        return self._amount, self._known

    def counts(self, attr: str, rows: Sequence[int]) -> dict[object, int]:
        """How many of `rows` have each value of the attribute (values that occur only)."""
        idx = np.asarray(rows, dtype=np.int64)
        if attr in self._codes:
            found = np.bincount(self._codes[attr][idx], minlength=0)
            values = self._values[attr]
            return {values[c]: int(n) for c, n in enumerate(found.tolist()) if n}
        return dict(Counter(self.value(attr, r) for r in idx.tolist()))

    def value(self, attr: str, row: int) -> object:
        """One attribute of one row without reading the file."""
        if attr in self._codes:
            return self._values[attr][self._codes[attr][row]]
        if attr == "amount_kr":
            return int(self._amount[row]) if self._known[row] else None
        if attr == "id":
            return self._ids[row].decode()
        v = int(self._numbers[attr][row])
        return None if attr == "page" and v == NONE else v


def _passage(data: dict) -> Passage:
    data["amounts"] = tuple(data.get("amounts", ()))
    return Passage(**data)


def load(gen: Path) -> PassageTable:
    """The table of a generation, from its cache when that matches, else built (and cached)."""
    source = gen / store.PASSAGES
    cache = gen / store.PASSAGE_TABLE
    st = source.stat()
    stamp = np.array([st.st_size, st.st_mtime_ns], dtype=np.int64)
    try:
        with np.load(cache, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        if int(arrays["version"]) == VERSION and np.array_equal(arrays["stamp"], stamp):
            return PassageTable(source, arrays)
    except (OSError, ValueError, KeyError, EOFError):
        pass  # missing, partial or old: derived data, rebuilt below
    arrays = build(source)
    arrays["stamp"] = stamp
    try:
        tmp = cache.with_name(f".{store.PASSAGE_TABLE}.{os.getpid()}.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only generation: serve from memory
    return PassageTable(source, arrays)


def build(source: Path) -> dict[str, np.ndarray]:
    """Read passages.jsonl once into columns and line offsets."""
    offsets = [0]
    ids: list[bytes] = []
    coded: dict[str, dict[str, int]] = {a: {} for a in CODED}
    codes: dict[str, list[int]] = {a: [] for a in CODED}
    numbers: dict[str, list[int]] = {a: [] for a in NUMERIC}
    amount: list[int] = []
    known: list[bool] = []
    names = {f.name for f in fields(Passage)}
    with source.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or not {"id", "text"} <= set(data) <= names:
                    raise ValueError("not a passage")
                _passage(dict(data))  # the same check a reader of the file makes
            except (ValueError, TypeError) as exc:
                raise TableError(f"{source}:{n} is corrupt ({exc})") from None
            offsets.append(offsets[-1] + len(line))
            ids.append(data["id"].encode())
            for a in CODED:
                codes[a].append(coded[a].setdefault(data[a], len(coded[a])))
            for a in NUMERIC:
                v = data.get(a)
                numbers[a].append(NONE if v is None else int(v))
            amount.append(data["amount_kr"] or 0)
            known.append(data["amount_kr"] is not None)
    id_array = np.array(ids, dtype=bytes) if ids else np.zeros(0, dtype="S1")
    out: dict[str, np.ndarray] = {
        "version": np.array(VERSION),
        "ids_checksum": np.array(store.ids_checksum([i.decode() for i in ids])),
        "offsets": np.array(offsets, dtype=np.int64),
        "ids": id_array,
        "id_order": np.argsort(id_array, kind="stable").astype(np.int64),
        "amount": np.array(amount, dtype=np.int64),
        "amount_known": np.array(known, dtype=bool),
    }
    for a in CODED:
        out[f"code:{a}"] = np.array(codes[a], dtype=np.int32)
        out[f"values:{a}"] = np.array(list(coded[a]), dtype=str)
    for a in NUMERIC:
        out[f"num:{a}"] = np.array(numbers[a], dtype=np.int64)
    return out
