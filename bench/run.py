"""The benchmark runner: build time, query latency (in-process and over HTTP), throughput, memory.

    python -m bench [--sizes 1000,10000,100000] [--queries 100] [--skip-http] [--out FILE]
    make bench                    (the same, from the checkout's venv)

Each measured stage runs in its own Python process, so "cold" includes loading the model and every
peak-RSS figure (VmHWM) belongs to that stage alone:

- seed: cold build of corpus/ (model load + parse + embed + Whoosh), no-change rebuilds, snapshot
  load, in-process latency per mode; then a waitress server on 127.0.0.1 for HTTP latency,
  sequential and with concurrent clients, and its throughput and RSS.
- scale (per size): a synthetic corpus (bench/synth.py) is generated and built - real embeddings
  up to --real-embed-max passages, beyond that vectors synthesised from the seed's real ones
  (SynthEncoder) - then a fresh process loads it and measures latency and serving RSS.

Latency: distinct queries per mode (topics x templates), so every semantic/hybrid query misses the
query-embedding LRU cache, except the "repeat" row, which re-runs the hybrid queries (cache hits).
Figures are medians/percentiles of single runs; the machine may be shared, so repeat and compare.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_bench import http_bench  # noqa: E402
from bench.measure import machine  # noqa: E402
from bench.report import render  # noqa: E402
from bench.stages import STAGES, _settings  # noqa: E402


def _run_stage(name: str, args: argparse.Namespace, **extra: object) -> dict:
    """Run one stage in a fresh interpreter; its JSON result comes back through a file."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name,
           "--result", str(result), "--work", str(args.work), "--data-dir", str(args.data_dir),
           "--corpus", str(args.corpus), "--queries", str(args.queries),
           "--real-embed-max", str(args.real_embed_max)]  # fmt: skip
    if getattr(args, "eval_dir", None):
        cmd += ["--eval-dir", str(args.eval_dir)]
    for k, v in extra.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}  # fmt: skip
    try:
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        return json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)


def run_all(args: argparse.Namespace, echo: Callable[[str], None] = print) -> dict:
    own_work = args.work is None
    args.work = Path(args.work or tempfile.mkdtemp(prefix="budget-bench-"))
    args.work.mkdir(parents=True, exist_ok=True)
    args.data_dir = Path(args.data_dir).resolve()
    args.corpus = Path(args.corpus).resolve()
    results: dict = {"machine": machine(), "args": {"sizes": args.sizes, "queries": args.queries}}
    out = getattr(args, "out", None)

    def run_stage(name: str, args: argparse.Namespace, **extra: object) -> dict:
        """A stage, and every figure so far saved to --out: a late failure loses nothing."""
        result = _run_stage(name, args, **extra)
        if out:  # this stage's figures are filed by the caller: kept here until then
            partial = {**results, "last_stage": {name: result}}
            Path(out).write_text(json.dumps(partial, indent=1, ensure_ascii=False))
        return result

    try:
        if not args.skip_seed:
            echo("bench: seed build and in-process latency ...")
            results["seed"] = run_stage("seed", args)
            if not args.skip_http:
                echo("bench: HTTP latency against a local waitress server ...")
                results["http"] = http_bench(args, Path(results["seed"]["index_dir"]))
            if getattr(args, "peers", True):
                echo("bench: peers on the seed (speed and judged quality) ...")
                seed_index = results["seed"]["index_dir"]
                results["seed_peers"] = run_stage("peers", args, index_dir=seed_index)
        results["scale"] = []
        for size in args.sizes:
            kept = args.work / f"index-{size}" / "current"
            if getattr(args, "reuse", False) and kept.exists():
                echo(f"bench: {size} passages: kept index, no-change re-index ...")
                built = run_stage("reindex", args, size=size)
            else:
                echo(f"bench: {size} passages: generate and build ...")
                built = run_stage("build", args, size=size)
            echo(f"bench: {size} passages: query latency and memory ...")
            built["query"] = run_stage("query", args, index_dir=built["index_dir"])
            if getattr(args, "peers", True):
                echo(f"bench: {size} passages: peers ...")
                built["peers"] = run_stage("peers", args, index_dir=built["index_dir"],
                                           size=size)  # fmt: skip
            results["scale"].append(built)
            if not args.keep and not built.get("reused"):
                shutil.rmtree(Path(built["index_dir"]), ignore_errors=True)
                shutil.rmtree(args.work / f"corpus-{size}", ignore_errors=True)
        results["vectors"] = []
        for size in getattr(args, "vector_sizes", []):
            echo(f"bench: vector lookup alone at {size} passages ...")
            seed_index = results.get("seed", {}).get("index_dir") or str(
                _settings(args.data_dir, args.corpus, args.data_dir / "index").index_dir
            )
            results["vectors"].append(run_stage("vectors", args, size=size,
                                                index_dir=seed_index))  # fmt: skip
    finally:
        if own_work and not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    results["table"] = render(results)
    return results


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000",
                    help="synthetic corpus sizes in passages, comma-separated")  # fmt: skip
    ap.add_argument("--queries", type=int, default=100, help="queries per mode and measurement")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--skip-seed", action="store_true")
    ap.add_argument("--out", type=Path, help="also write the results as JSON here")
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep generated corpora and indexes")
    ap.add_argument("--reuse", action="store_true",
                    help="with --work: use the corpora and indexes a --keep run left there "
                         "(their build figures are the manifest's)")  # fmt: skip
    ap.add_argument("--data-dir", default=None, help="data dir with the model (default: var)")
    ap.add_argument("--corpus", default=str(ROOT / "corpus"), help="the seed corpus")
    ap.add_argument("--real-embed-max", type=int, default=1000,
                    help="embed with the real model up to this size; synthesise above")  # fmt: skip
    ap.add_argument(
        "--vector-sizes",
        default="",
        help="also time the vector lookup alone at these sizes (e.g. 300000,1000000)",
    )
    ap.add_argument(
        "--eval-dir",
        default=None,
        help="folder with evaluate.py and dev sets: peers' and our quality on them",
    )
    ap.add_argument("--no-peers", dest="peers", action="store_false",
                    help="skip Tantivy, SQLite FTS5 and numpy")  # fmt: skip
    # internal: run one stage in this process
    ap.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--index-dir", help=argparse.SUPPRESS)
    return ap


def parse_sizes(text: str) -> list[int]:
    return [int(x) for x in text.replace(" ", "").split(",") if x]


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.data_dir is None:
        from index.config import load_settings

        d = load_settings().data_dir
        args.data_dir = d if d.is_absolute() else ROOT / d
    if args.stage:
        result = STAGES[args.stage](args)
        args.result.write_text(json.dumps(result))
        return
    args.sizes = parse_sizes(args.sizes)
    args.vector_sizes = parse_sizes(args.vector_sizes)
    results = run_all(args, echo=lambda m: print(m, file=sys.stderr, flush=True))
    print(results["table"])
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
