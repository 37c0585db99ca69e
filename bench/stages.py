"""The measured stages of the benchmark, each run in its own interpreter by bench/run.py:
seed (cold build, latency), build (a synthetic corpus), reindex (a kept one), query (latency and
memory of a built index), peers (Tantivy, SQLite FTS5, numpy) and vectors (the lookup alone)."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import MODES, du_mb, peak_rss_mb, queries, rss_mb, summary, timed  # noqa: E402


def _settings(data_dir: Path, corpus_dir: Path, index_dir: Path):
    from index.config import load_settings

    return load_settings().with_overrides(
        data_dir=data_dir, corpus_dir=corpus_dir, index_dir=index_dir
    )


def _latency(engine, n: int, offset: int, filtered: bool = False) -> dict[str, dict]:
    """Per mode: n distinct queries (after a few warm-ups), and a repeat of the hybrid ones."""
    out: dict[str, dict] = {}
    for q in ("budget", "brandvæsen", "MitID"):
        for mode in MODES:
            engine.search(q, mode=mode)
    for m, mode in enumerate(MODES):
        qs = queries(n, offset + m * n)
        ms = []
        for q in qs:
            t = time.perf_counter()
            engine.search(q, mode=mode)
            ms.append((time.perf_counter() - t) * 1000)
        out[mode] = summary(ms)
        if mode == "hybrid":
            ms = []
            for q in qs:
                t = time.perf_counter()
                engine.search(q, mode=mode)
                ms.append((time.perf_counter() - t) * 1000)
            out["hybrid repeat (cached embedding)"] = summary(ms)
    if filtered:
        snap = engine.snapshot
        munis = snap.values("municipality")
        years = snap.values("year")
        ms = []
        for i, q in enumerate(queries(n, offset + 3 * n)):
            fq = f'{q} kommune:"{munis[i % len(munis)]}" år:{years[i % len(years)]}'
            t = time.perf_counter()
            engine.search(fq, mode="hybrid")
            ms.append((time.perf_counter() - t) * 1000)
        out["hybrid + filters"] = summary(ms)
    return out


def stage_seed(args: argparse.Namespace) -> dict:
    """Cold build of the seed corpus with the real model, no-change rebuilds, latency."""
    from index.building.build import build_index
    from index.embedding.embed import load_encoder
    from index.embedding.provision import provision_model
    from search.engine import Engine

    work = Path(args.work)
    # cold means no earlier index to reuse vectors from (a kept --work folder holds one)
    shutil.rmtree(work / "seed-index", ignore_errors=True)
    settings = _settings(Path(args.data_dir), Path(args.corpus), work / "seed-index")
    quiet: Callable[[str], None] = lambda m: None  # noqa: E731
    started = time.perf_counter()
    encoders: dict[str, float] = {}

    def factory():
        t = time.perf_counter()
        provision_model(settings, quiet=True)
        enc = load_encoder(settings)
        encoders["load_s"] = time.perf_counter() - t
        return enc

    report = build_index(settings, encoder_factory=factory, full=True, progress=False, log=quiet)
    cold = time.perf_counter() - started
    enc = load_encoder(settings)
    nochange = []
    for _ in range(7):
        r = build_index(settings, encoder_factory=lambda: enc, progress=False, log=quiet)
        assert r.up_to_date
        nochange.append(r.seconds)
    load_s, engine = timed(lambda: Engine(settings.index_dir, lambda: enc))
    lat = _latency(engine, args.queries, 0)
    # embedding throughput of the real passage encoder, on the seed's passages
    from index.building.embed_texts import embed_text

    texts = [embed_text(p) for p in engine.snapshot.passages]  # type: ignore[attr-defined]
    emb_s, _ = timed(lambda: enc.encode_passages(texts))
    return {
        "passages": report.passages,
        "documents": report.documents,
        "cold_build_s": cold,
        "model_load_s": encoders.get("load_s"),
        "query_backend": getattr(enc, "query_backend", "?"),
        "passage_backend": getattr(enc, "passage_backend", "?"),
        "nochange_s": statistics.median(nochange),
        "nochange_max_s": max(nochange),
        "snapshot_load_s": load_s,
        "index_mb": du_mb(settings.index_dir / "current"),
        "embed_passages_per_s": len(texts) / emb_s,
        "latency": lat,
        "peak_rss_mb": peak_rss_mb(),
        "index_dir": str(settings.index_dir),
    }


def stage_build(args: argparse.Namespace) -> dict:
    """Generate a synthetic corpus of args.size passages and build its index (timed)."""
    from bench.synth import SynthEncoder, generate
    from index.building.build import build_index
    from index.embedding.embed import load_encoder
    from index.embedding.encoder import Encoder
    from index.embedding.provision import provision_model

    work = Path(args.work)
    corpus = work / f"corpus-{args.size}"
    shutil.rmtree(corpus, ignore_errors=True)
    gen_s, rep = timed(lambda: generate(corpus, args.size, seed=0, corpus_dir=Path(args.corpus)))
    settings = _settings(Path(args.data_dir), corpus, work / f"index-{args.size}")
    provision_model(settings, quiet=True)
    load_s, real = timed(lambda: load_encoder(settings))
    synthetic = args.size > args.real_embed_max
    enc: Encoder = real
    if synthetic:
        enc = SynthEncoder(real, Path(args.corpus))
    quiet: Callable[[str], None] = lambda m: None  # noqa: E731
    stamps: dict[str, float] = {}
    t0 = time.perf_counter()
    original = enc.encode_passages

    def encode(texts, **kw):  # time the embedding step inside the build: all its slices
        t = time.perf_counter()
        out = original(texts, **kw)
        stamps["embed_s"] = stamps.get("embed_s", 0.0) + time.perf_counter() - t
        return out

    enc.encode_passages = encode  # type: ignore[method-assign]
    report = build_index(
        settings, encoder_factory=lambda: enc, full=True, progress=False, log=quiet
    )
    build_s = time.perf_counter() - t0
    enc.encode_passages = original  # type: ignore[method-assign]
    nochange = []
    for _ in range(5):
        r = build_index(settings, encoder_factory=lambda: enc, progress=False, log=quiet)
        nochange.append(r.seconds)
    cur = settings.index_dir / "current"
    files = {p.name: p.stat().st_size / 1e6 for p in cur.iterdir() if p.is_file()}
    out = {
        "size": args.size,
        "generate_s": gen_s,
        "documents": report.documents,
        "passages": report.passages,
        "written_passages": rep.passages,
        "vectors": "synthesised" if synthetic else "real",
        "build_s": build_s,
        "embed_s": stamps.get("embed_s", 0.0),
        "model_load_s": load_s,
        "nochange_s": statistics.median(nochange),
        "index_mb": du_mb(cur),
        "files_mb": files,
        "build_peak_rss_mb": peak_rss_mb(),
        "index_dir": str(settings.index_dir),
    }
    if not synthetic:
        out["embed_passages_per_s"] = report.passages / max(stamps.get("embed_s", 1e-9), 1e-9)
    return out


def stage_reindex(args: argparse.Namespace) -> dict:
    """A kept index of args.size passages (--reuse): its no-change re-index and its size."""
    from index.building import store
    from index.building.build import build_index

    work = Path(args.work)
    settings = _settings(Path(args.data_dir), work / f"corpus-{args.size}",
                         work / f"index-{args.size}")  # fmt: skip

    def refuse() -> object:  # a kept corpus is unchanged: nothing may need the model
        raise RuntimeError(f"the kept corpus of {args.size} passages changed")

    quiet: Callable[[str], None] = lambda m: None  # noqa: E731
    nochange = []
    for _ in range(5):
        r = build_index(settings, encoder_factory=refuse, progress=False, log=quiet)  # type: ignore[arg-type]
        assert r.up_to_date
        nochange.append(r.seconds)
    cur = (settings.index_dir / store.CURRENT).resolve()
    manifest = store.read_manifest(cur)
    files = {p.name: p.stat().st_size / 1e6 for p in cur.iterdir() if p.is_file()}
    return {
        "size": args.size, "documents": len(manifest.documents), "passages": manifest.passages,
        "vectors": "synthesised (kept)", "build_s": manifest.build_seconds, "reused": True,
        "nochange_s": statistics.median(nochange), "nochange_max_s": max(nochange),
        "index_mb": du_mb(cur), "files_mb": files, "index_dir": str(settings.index_dir),
        "generate_s": float("nan"), "embed_s": float("nan"), "build_peak_rss_mb": float("nan"),
    }  # fmt: skip


def stage_query(args: argparse.Namespace) -> dict:
    """Open an index in a fresh process (model + snapshot) and measure latency and RSS."""
    from index.embedding.embed import load_encoder
    from search.engine import Engine

    settings = _settings(Path(args.data_dir), Path(args.corpus), Path(args.index_dir))
    enc = load_encoder(settings)
    rss_model = peak_rss_mb()
    load_s, engine = timed(lambda: Engine(settings.index_dir, lambda: enc))
    rss_loaded = peak_rss_mb()
    lat = _latency(engine, args.queries, 0, filtered=True)
    rss_queried = rss_mb()
    return {
        "rss_after_queries_mb": rss_queried,
        "rss_anon_after_queries_mb": rss_mb(field="RssAnon"),
        "floor": _floor(engine, enc, args.queries),
        "snapshot_load_s": load_s,
        "rss_model_mb": rss_model,
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
        "latency": lat,
    }


def _floor(engine, enc, n: int) -> dict:
    """What no hybrid query can beat: one query encoding (cache bypassed) + the vector lookup."""
    from search import semantic
    from search.tuning import TUNING

    snap = engine.snapshot
    ms = []
    for q in queries(n, 7 * n):
        t = time.perf_counter()
        vec = enc.encode_queries([q + " ."])[0]
        penalty = snap.hubness(TUNING.hub_penalty, TUNING.repeat_penalty, TUNING.repeat_power)
        semantic.top_k(snap.vectors, vec, TUNING.candidates, None, penalty)
        ms.append((time.perf_counter() - t) * 1000)
        snap.after_mapped_reads()  # as the engine does after its reads (untimed there too)
    return summary(ms)


def stage_peers(args: argparse.Namespace) -> dict:
    """Tantivy, SQLite FTS5 and numpy cosine over the same generation: build, latency, and on
    the seed the judged queries' quality with evaluate.py (ours alongside)."""
    from bench import peers
    from index.embedding.embed import load_encoder
    from search.engine import Engine

    settings = _settings(Path(args.data_dir), Path(args.corpus), Path(args.index_dir))
    gen = (Path(args.index_dir) / "current").resolve()
    passages, kw, build = peers.build_keyword_peers(gen)
    enc = load_encoder(settings)
    engine = Engine(settings.index_dir, lambda: enc)
    out: dict = {"build_s": build, "latency": {}, "quality": {}}
    n = args.queries
    ours = peers.OurKeywordRanking(engine)
    for name, peer in {**kw, ours.name: ours}.items():
        out["latency"][name] = summary(peers.latency(peer, queries(n, 0)))
    cos = peers.NumpyCosine(engine.snapshot.vectors, lambda q: enc.encode_queries([q])[0])
    if isinstance(engine.snapshot.vectors, np.ndarray):
        out["latency"][cos.name] = summary(peers.latency(cos, queries(n, n)))
    eval_dir = Path(args.eval_dir) if getattr(args, "eval_dir", None) else None
    if args.size is None and eval_dir and (eval_dir / "evaluate.py").is_file():
        from bench.encoder_quality import run_eval

        sets = [("judged", ROOT / "tests" / "data" / "judged_queries.jsonl", None)]
        if (eval_dir / "dev_queries.jsonl").is_file():
            sets.insert(0, ("dev", eval_dir / "dev_queries.jsonl", eval_dir / "paragraphs.jsonl"))
        work = Path(args.work)
        systems = {**kw, cos.name: cos}
        for set_name, qfile, units in sets:
            judged = [json.loads(x) for x in qfile.read_text().splitlines() if x.strip()]
            for mode in MODES:
                res = work / f"ours-{set_name}-{mode}.jsonl"
                with res.open("w", encoding="utf-8") as fh:
                    for j in judged:
                        resp = engine.search(j["q"], mode=mode, k=10)
                        fh.write(json.dumps(resp.to_json(), ensure_ascii=False) + "\n")
                out["quality"][f"{set_name}|budget-search {mode}"] = run_eval(
                    eval_dir / "evaluate.py", qfile, res, units, gen / "passages.jsonl"
                )
            for name, peer in systems.items():
                res = peers.results_file(
                    peer, passages, judged, work / f"peer-{set_name}-{len(name)}.jsonl"
                )
                out["quality"][f"{set_name}|{name}"] = run_eval(
                    eval_dir / "evaluate.py", qfile, res, units, gen / "passages.jsonl"
                )
    return out


def stage_vectors(args: argparse.Namespace) -> dict:
    """The vector lookup alone at args.size passages: synthetic vectors (the seed index's real
    ones + noise, as SynthEncoder makes them), 1-bit codes + exact rescoring against the exact
    scan: latency, recall of the exact top 10 and top 100, memory."""
    from index.building import vectors as vq
    from index.embedding.embed import load_encoder
    from search import binary_index, semantic
    from search.tuning import TUNING

    seed_gen = (Path(args.index_dir) / "current").resolve()
    real = np.load(seed_gen / "vectors.npy")
    pieces = seed_gen / "pieces.npy"
    if pieces.is_file():
        real = np.concatenate([real, np.load(pieces)])
    work = Path(args.work) / f"vectors-{args.size}"
    work.mkdir(parents=True, exist_ok=True)
    n, dim = args.size, real.shape[1]
    full = np.lib.format.open_memmap(work / "vectors.npy", mode="w+", dtype=np.float32,
                                     shape=(n, dim))  # fmt: skip
    rng = np.random.default_rng(0)
    for start in range(0, n, 65536):
        m = min(65536, n - start)
        block = real[rng.integers(0, len(real), m)] + rng.normal(0, 0.015, (m, dim))
        full[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    full.flush()
    del full
    t = time.perf_counter()
    vq.write_codes(work, np.load(work / "vectors.npy", mmap_mode="r"))
    codes_s = time.perf_counter() - t
    enc = load_encoder(_settings(Path(args.data_dir), Path(args.corpus), seed_gen))
    qs = queries(args.queries, 0)
    qv = enc.encode_queries(qs)
    rss0 = rss_mb()
    load_s, index = timed(lambda: binary_index.load(work, n, dim))
    penalty = TUNING.hub_penalty * semantic.centrality(index)
    depth = TUNING.candidates
    got, ms = [], []
    for v in qv:
        t = time.perf_counter()
        got.append([r for r, _ in semantic.top_k(index, v, depth, None, penalty)])
        ms.append((time.perf_counter() - t) * 1000)
    rss_binary = rss_mb() - rss0
    exact = np.array(np.load(work / "vectors.npy", mmap_mode="r"))  # in RAM, as below EXACT_MAX
    want, ems = [], []
    for v in qv:
        t = time.perf_counter()
        want.append([r for r, _ in semantic.top_k(exact, v, depth, None, penalty)])
        ems.append((time.perf_counter() - t) * 1000)
    r10 = [len(set(g[:10]) & set(w[:10])) / 10 for g, w in zip(got, want, strict=True)]
    r100 = [len(set(g) & set(w)) / len(w) for g, w in zip(got, want, strict=True)]
    shutil.rmtree(work, ignore_errors=True)
    return {"size": n, "codes_s": codes_s, "load_s": load_s, "binary": summary(ms),
            "exact": summary(ems), "recall10": statistics.fmean(r10),
            "recall100": statistics.fmean(r100), "rescore": index.rescore,
            "rss_binary_mb": rss_binary, "exact_matrix_mb": exact.nbytes / 1e6,
            "codes_mb": index.codes.nbytes / 1e6}  # fmt: skip


STAGES = {"seed": stage_seed, "build": stage_build, "reindex": stage_reindex, "query": stage_query,
          "peers": stage_peers, "vectors": stage_vectors}  # fmt: skip
