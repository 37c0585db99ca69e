"""Peers on the same passages and queries: Tantivy, SQLite FTS5 and an exact numpy cosine scan.

Benchmark-only (the ``bench`` extra: ``pip install -e '.[bench]'`` for Tantivy; FTS5 is in the
standard library). Each peer indexes a built generation's ``passages.jsonl`` (area, section and
text as fields) and answers the bench's queries; quality is scored by writing what each returns
as ``{"query", "results": [{"area", "text"}]}`` lines for ``evaluate.py``.

- Tantivy: ``danish`` stopwords and Snowball stemmer, lowercase, BM25 (its defaults), the three
  fields searched by its lenient query parser with area and section boosted like ours (3, 2).
- SQLite FTS5: ``unicode61`` (no Danish stemmer exists for it), ``bm25()`` with the same weights,
  the query's words OR-ed (what a plain search box does).
- numpy: ``vectors @ query`` over the float32 matrix and argpartition, the query encoded by our
  ONNX encoder: the floor under our semantic ranking, without pieces or the hubness penalty.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

WEIGHTS = {"area": 3.0, "section": 2.0, "text": 1.0}
_WORD = re.compile(r"\w+", re.UNICODE)


def read_passages(gen: Path) -> list[dict]:
    with (gen / "passages.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


class Tantivy:
    name = "Tantivy"

    def __init__(self, passages: list[dict], path: Path | None = None) -> None:
        import tantivy

        analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stopword("danish"))
            .filter(tantivy.Filter.stemmer("danish"))
            .build()
        )
        sb = tantivy.SchemaBuilder()
        for field in WEIGHTS:
            sb.add_text_field(field, stored=False, tokenizer_name="da")
        sb.add_integer_field("row", stored=True, fast=True)
        schema = sb.build()
        self.index = tantivy.Index(schema, path=str(path) if path else None)
        self.index.register_tokenizer("da", analyzer)
        writer = self.index.writer(heap_size=256_000_000, num_threads=2)
        for row, p in enumerate(passages):
            writer.add_document(tantivy.Document(area=p["area"], section=p.get("section") or "",
                                                 text=p["text"], row=row))  # fmt: skip
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self._tantivy = tantivy

    def search(self, q: str, k: int = 10) -> list[int]:
        words = _WORD.findall(q)
        if not words:
            return []
        query, _errors = self.index.parse_query_lenient(
            " ".join(words), list(WEIGHTS), field_boosts=WEIGHTS
        )
        hits = self.searcher.search(query, k).hits
        return [self.searcher.doc(addr)["row"][0] for _score, addr in hits]


class Fts5:
    name = "SQLite FTS5"

    def __init__(self, passages: list[dict], path: Path | None = None) -> None:
        self.db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self.db.execute("CREATE VIRTUAL TABLE p USING fts5(area, section, text, "
                        "tokenize = 'unicode61 remove_diacritics 0')")  # fmt: skip
        self.db.executemany(
            "INSERT INTO p(rowid, area, section, text) VALUES (?, ?, ?, ?)",
            ((row, p["area"], p.get("section") or "", p["text"])
             for row, p in enumerate(passages)),
        )  # fmt: skip
        self.db.commit()
        self.db.execute("INSERT INTO p(p) VALUES ('optimize')")
        self.db.commit()
        w = ", ".join(str(WEIGHTS[f]) for f in ("area", "section", "text"))
        self.sql = f"SELECT rowid FROM p WHERE p MATCH ? ORDER BY bm25(p, {w}) LIMIT ?"

    def search(self, q: str, k: int = 10) -> list[int]:
        words = _WORD.findall(q)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        return [r for (r,) in self.db.execute(self.sql, (match, k))]


class OurKeywordRanking:
    """Our keyword ranking alone, as the peers are measured: the query read and expanded as
    the engine does (Danish analysis, compounds, synonyms), the sparse BM25F ranking with
    phrase bonuses, top k rows; none of the page around it (highlights, facets, answer cards,
    the related results) that the engine's keyword mode adds."""

    name = "budget-search keyword ranking"

    def __init__(self, engine) -> None:
        self.engine = engine

    def search(self, q: str, k: int = 10) -> list[int]:
        from search import expansion, keyword
        from search.query import parse

        snap = self.engine.snapshot
        parsed = parse(q)
        kq = keyword.build_query(parsed, expansion.expand(parsed, snap), snap)
        if kq is None:
            return []
        return [r for r, _ in keyword.rank(snap, kq, k, count=False)[0]]


class NumpyCosine:
    name = "numpy exact cosine"

    def __init__(self, vectors: np.ndarray, encode: Callable[[str], np.ndarray]) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.encode = encode

    def search(self, q: str, k: int = 10) -> list[int]:
        scores = self.vectors @ self.encode(q)
        k = min(k, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k]
        return [int(i) for i in idx[np.argsort(-scores[idx])]]


def build_keyword_peers(gen: Path) -> tuple[list[dict], dict, dict]:
    """(passages, {name: peer}, {name: build seconds}) for Tantivy (when installed) and FTS5."""
    passages = read_passages(gen)
    peers, build = {}, {}
    makers: list[type] = [Fts5]
    try:
        import tantivy  # noqa: F401

        makers.insert(0, Tantivy)
    except ImportError:
        pass
    for cls in makers:
        t = time.perf_counter()
        peers[cls.name] = cls(passages)
        build[cls.name] = time.perf_counter() - t
    return passages, peers, build


def latency(peer, qs: list[str]) -> list[float]:
    for q in qs[:3]:
        peer.search(q)
    ms = []
    for q in qs:
        t = time.perf_counter()
        peer.search(q)
        ms.append((time.perf_counter() - t) * 1000)
    return ms


def results_file(peer, passages: list[dict], judged: list[dict], out: Path) -> Path:
    with out.open("w", encoding="utf-8") as fh:
        for j in judged:
            rows = peer.search(j["q"], 10)
            res = [{"area": passages[r]["area"], "text": passages[r]["text"]} for r in rows]
            fh.write(json.dumps({"query": j["q"], "results": res}, ensure_ascii=False) + "\n")
    return out
