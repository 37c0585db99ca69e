"""How passage embedding uses every CPU core: the three ways of `onnx_encoder.PARALLEL`, measured.

`python -m bench.cpu_parallel [--passages 200] [--rounds 2]` embeds the same synthetic passages
(made from the seed's text by `bench.synth`) and their sentences, as the build does, with the
float32 ONNX passage encoder in each way: ``threads`` (a single-threaded session run per core in
one process), ``intra`` (one session with a thread per core) and ``processes`` (a worker process
per core, each with its own single-threaded session). The ways take turns, round after round, so a
shared machine's load falls on each alike; a worker pool's start is timed apart from its work.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def texts_of(passages: int) -> tuple[list[str], list[str]]:
    """(passage texts, their sentences' texts) of `passages` synthetic passages."""
    from bench.synth import generate
    from index.building.embed_texts import all_piece_texts, embed_text
    from index.documents.corpus import load_corpus

    with tempfile.TemporaryDirectory(prefix="cpu-parallel-") as tmp:
        generate(Path(tmp), passages, seed=1, corpus_dir=ROOT / "corpus")
        every = [p for d in load_corpus(Path(tmp)).documents for p in d.passages][:passages]
    return [embed_text(p) for p in every], [t for ps in all_piece_texts(every) for t in ps]


def main(argv: list[str] | None = None) -> None:
    from index.config import load_settings
    from index.embedding import onnx_encoder
    from index.embedding.e5convert import PASSAGE_PROMPT
    from index.embedding.provision import default_model_dir, provision_model, read_manifest

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--ways", default=",".join(onnx_encoder.PARALLEL))
    args = ap.parse_args(argv)

    settings = load_settings()
    provision_model(settings, quiet=True)
    model_dir = default_model_dir(settings)
    info = (read_manifest(model_dir) or {}).get("onnx") or {}
    enc = onnx_encoder.OnnxEncoder(model_dir, passage_file=info["passage_file"])
    passages, pieces = texts_of(args.passages)
    texts = passages + pieces
    la = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(passages)} passages + {len(pieces)} sentences = {len(texts)} texts; "
          f"{enc.workers} cores; load average {la}")  # fmt: skip
    ways = args.ways.split(",")
    started = time.perf_counter()
    enc.encode_many(texts[:4], PASSAGE_PROMPT, parallel="processes")  # the pool, started
    print(f"worker pool started in {time.perf_counter() - started:.1f} s (not in the figures)")
    for way in ways:  # every session made and warm before timing
        enc.encode_many(texts[:8], PASSAGE_PROMPT, parallel=way)
    reference = None
    print("| round | way | seconds | passages/s incl. their sentences | texts/s | min cosine |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in range(1, args.rounds + 1):
        for way in ways:
            t = time.perf_counter()
            vecs = enc.encode_many(texts, PASSAGE_PROMPT, parallel=way)
            dt = time.perf_counter() - t
            if reference is None:
                reference = vecs
            cos = float((reference * vecs).sum(axis=1).min())
            print(f"| {r} | {way} | {dt:.1f} | {len(passages) / dt:.2f} | {len(texts) / dt:.1f} "
                  f"| {cos:.6f} |", flush=True)  # fmt: skip
    print("load average at end " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    enc.close()


if __name__ == "__main__":
    main()
