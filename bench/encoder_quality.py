"""Passage encoders side by side: search quality on judged queries and embedding throughput.

    .venv/bin/python bench/encoder_quality.py [--eval-dir DIR] [--speed-passages 400]

Builds the seed index once per configuration (query encoder / passage encoder):

- ``fp32/fp32``  sentence-transformers float32 for both (the reference);
- ``int8/fp32``  the int8 ONNX query encoder, float32 passages (the product before this change);
- ``int8/onnx``  int8 ONNX queries, passages by the ONNX passage export (float32 since int8
  passages lost 0.02-0.03 nDCG@10 on tests/data/judged_passages.jsonl; the product now);

and scores each with ``evaluate.py`` (area nDCG@10, passage nDCG@10 with ``--units`` and the
index's passages as ``--universe``) on the dev set in ``--eval-dir`` when there is one, and on
``tests/data/judged_queries.jsonl``, in semantic and hybrid mode (keyword mode does not read
vectors). Then it times passage embedding with each backend on passages of a synthetic corpus
(real text, ``bench/synth.py``): passages alone and with their sentences, as the build embeds
them. Every configuration runs in this one process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CONFIGS = {"fp32/fp32": ("torch", "torch"), "int8/fp32": ("onnx", "torch"),
           "int8/onnx": ("onnx", "onnx")}  # fmt: skip
MODES = ("semantic", "hybrid")


def run_eval(evaluate: Path, queries: Path, results: Path, units: Path | None,
             universe: Path) -> dict:  # fmt: skip
    cmd = [sys.executable, str(evaluate), str(queries)]
    if units is not None:
        cmd += ["--units", str(units), "--universe", str(universe)]
    cmd += ["--results", str(results)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    scores: dict = {}
    for line in out.splitlines():
        head, _, rest = line.partition(":")
        for part in rest.split():
            if "=" in part:
                k, v = part.split("=", 1)
                scores[f"{head.strip()}.{k}"] = v
    return scores


def quality(args: argparse.Namespace, work: Path) -> dict:
    from index.building.build import build_index
    from index.config import load_settings
    from index.embedding.embed import load_encoder
    from index.embedding.provision import provision_model
    from search.engine import Engine

    base = load_settings().with_overrides(corpus_dir=ROOT / "corpus")
    if args.data_dir:
        base = base.with_overrides(data_dir=Path(args.data_dir))
    provision_model(base, quiet=True)
    data = ROOT / "tests" / "data"
    sets = [("judged", data / "judged_queries.jsonl", None)]
    if (data / "judged_passages.jsonl").is_file():
        sets.append(("judged passages", data / "judged_passages.jsonl", data / "paragraphs.jsonl"))
    dev = Path(args.eval_dir) if args.eval_dir else None
    if dev and (dev / "dev_queries.jsonl").is_file():
        sets.insert(0, ("dev", dev / "dev_queries.jsonl", dev / "paragraphs.jsonl"))
    evaluate = dev / "evaluate.py" if dev else None
    if evaluate is None or not evaluate.is_file():
        raise SystemExit("--eval-dir must hold evaluate.py (and dev_queries.jsonl)")
    out: dict = {}
    for name, (qb, pb) in CONFIGS.items():
        enc = load_encoder(base, query_backend=qb, passage_backend=pb)
        settings = base.with_overrides(index_dir=work / name.replace("/", "-"))
        build_index(settings, encoder_factory=lambda enc=enc: enc, full=True, progress=False,
                    log=lambda m: None)  # fmt: skip
        engine = Engine(settings.index_dir, lambda enc=enc: enc)
        universe = settings.index_dir / "current" / "passages.jsonl"
        for set_name, queries, units in sets:
            judged = [json.loads(x) for x in queries.read_text().splitlines() if x.strip()]
            for mode in MODES:
                res = work / f"{name.replace('/', '-')}-{set_name}-{mode}.jsonl"
                with res.open("w", encoding="utf-8") as fh:
                    for j in judged:
                        resp = engine.search(j["q"], mode=mode, k=10)
                        fh.write(json.dumps(resp.to_json(), ensure_ascii=False) + "\n")
                out[(name, set_name, mode)] = run_eval(evaluate, queries, res, units, universe)
    return out


def speed(args: argparse.Namespace, work: Path) -> dict:
    from bench.synth import generate
    from index.building.embed_texts import embed_text, piece_texts
    from index.config import load_settings
    from index.documents.corpus import load_corpus
    from index.embedding.embed import load_encoder

    corpus = work / "speed-corpus"
    generate(corpus, args.speed_passages, seed=1, corpus_dir=ROOT / "corpus")
    passages = [p for d in load_corpus(corpus).documents for p in d.passages]
    passages = passages[: args.speed_passages]
    texts = [embed_text(p) for p in passages]
    pieces = [t for p in passages for t in piece_texts(p)]
    base = load_settings()
    if args.data_dir:
        base = base.with_overrides(data_dir=Path(args.data_dir))
    out: dict = {"passages": len(texts), "pieces": len(pieces)}
    for name, backend in (("torch fp32", "torch"), ("onnx fp32", "onnx")):
        enc = load_encoder(base, query_backend="onnx", passage_backend=backend)
        enc.encode_passages(texts[:8])  # warm up (and load torch for the torch path)
        t = time.perf_counter()
        enc.encode_passages(texts)
        alone = time.perf_counter() - t
        t = time.perf_counter()
        enc.encode_passages(texts + pieces)
        both = time.perf_counter() - t
        out[name] = {"passages_per_s": len(texts) / alone,
                     "passages_with_pieces_per_s": len(texts) / both,
                     "texts_per_s": (len(texts) + len(pieces)) / both}  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--eval-dir",
        default=os.environ.get("BUDGET_SEARCH_EVAL_DIR"),
        help="folder with evaluate.py, dev_queries.jsonl, paragraphs.jsonl",
    )
    ap.add_argument("--data-dir", help="data directory holding models/ (default: settings)")
    ap.add_argument("--speed-passages", type=int, default=400)
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    with tempfile.TemporaryDirectory(prefix="encq-") as tmp:
        work = Path(tmp)
        if not args.skip_quality:
            q = quality(args, work)
            keys = sorted({k for v in q.values() for k in v if k.endswith("nDCG@10")})
            print("\n| queries / encoders (query/passage) | mode | " + " | ".join(keys) + " |")
            print("| --- | --- |" + " --- |" * len(keys))
            for (name, set_name, mode), scores in q.items():
                vals = " | ".join(scores.get(k, "") for k in keys)
                print(f"| {set_name}, {name} | {mode} | {vals} |")
        if not args.skip_speed:
            s = speed(args, work)
            print(f"\nembedding {s['passages']} synthetic passages (+ {s['pieces']} sentences)")
            print("| backend | passages/s | passages/s incl. their sentences | texts/s |")
            print("| --- | --- | --- | --- |")
            for name in ("torch fp32", "onnx fp32"):
                r = s[name]
                print(
                    f"| {name} | {r['passages_per_s']:.1f} | "
                    f"{r['passages_with_pieces_per_s']:.1f} | {r['texts_per_s']:.1f} |"
                )
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
