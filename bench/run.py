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
import http.client
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOPICS = (
    "brandvæsen", "MitID", "jobcenter", "pas og kørekort", "hjemløshed", "Barnets Lov", "affald",
    "kultur og fritid", "digitalisering", "IT-sikkerhed", "NIS2", "DUT", "demografipulje",
    "ældreområdet", "sygedagpenge", "fleksjob", "rehabilitering", "borgerservice",
    "kommunikation", "HR og personale", "lønninger", "økonomi", "vejvedligeholdelse",
    "byggesager", "miljø", "forebyggelse", "sundhedsklynge", "integration", "flygtninge",
    "ukrainere", "boligventeliste", "helbredstillæg", "brandhaner", "beredskab", "landdistrikter",
    "arbejdsmiljø", "robotter", "kommunalbestyrelsen", "uddannelsesvejledning", "specialområdet",
)  # fmt: skip
TEMPLATES = (
    "{t}", "hvad koster {t}", "budget til {t}", "{t} udgifter", "udfordringer for {t}",
    "how much is spent on {t}", "{t} i kommunen", "nettobudget {t}", "hvem har ansvaret for {t}",
    "besparelser på {t}", "{t} 2024", "what does the municipality do about {t}",
)  # fmt: skip
MODES = ("keyword", "semantic", "hybrid")
CLIENTS = 8


def query_pool() -> list[str]:
    """Distinct, realistic queries in a fixed, interleaved order (len(TOPICS) * len(TEMPLATES))."""
    return [tpl.format(t=t) for tpl in TEMPLATES for t in TOPICS]


def queries(n: int, offset: int) -> list[str]:
    pool = query_pool()
    return [pool[(offset + i) % len(pool)] for i in range(n)]


# --------------------------------------------------------------------------- measuring


def pct(values: Sequence[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    i = (len(s) - 1) * p / 100
    lo = int(i)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (i - lo)


def summary(ms: Sequence[float]) -> dict[str, float]:
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99),
            "mean": statistics.fmean(ms) if ms else float("nan")}  # fmt: skip


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM (peak resident set) of a process in MB; ru_maxrss for ourselves as a fallback."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | str = "self") -> float:
    """VmRSS (resident set now) of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def torch_mapped(pid: int | str = "self") -> bool:
    """Whether a process has PyTorch's library mapped (a server should not)."""
    with open(f"/proc/{pid}/maps") as fh:
        return any("libtorch" in line for line in fh)


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def machine() -> dict[str, object]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(
            int(line.split()[1]) / 1024 / 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem = float("nan")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_at_start": os.getloadavg()}  # fmt: skip


# --------------------------------------------------------------------------- in-process stages


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
    from index.build import build_index
    from index.embed import load_encoder
    from index.provision import provision_model
    from search.engine import Engine

    work = Path(args.work)
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
    from index.build import embed_text

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
    from index.build import build_index
    from index.embed import load_encoder
    from index.encoder import Encoder
    from index.provision import provision_model

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

    def encode(texts, **kw):  # time the embedding step inside the build
        t = time.perf_counter()
        out = original(texts, **kw)
        stamps["embed_s"] = time.perf_counter() - t
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
    files["whoosh/"] = du_mb(cur / "whoosh")
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
    from index import store
    from index.build import build_index

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
    files["whoosh/"] = du_mb(cur / "whoosh")
    return {
        "size": args.size, "documents": len(manifest.documents), "passages": manifest.passages,
        "vectors": "synthesised (kept)", "build_s": manifest.build_seconds, "reused": True,
        "nochange_s": statistics.median(nochange), "nochange_max_s": max(nochange),
        "index_mb": du_mb(cur), "files_mb": files, "index_dir": str(settings.index_dir),
        "generate_s": float("nan"), "embed_s": float("nan"), "build_peak_rss_mb": float("nan"),
    }  # fmt: skip


def stage_query(args: argparse.Namespace) -> dict:
    """Open an index in a fresh process (model + snapshot) and measure latency and RSS."""
    from index.embed import load_encoder
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
        "floor": _floor(engine, enc, args.queries),
        "snapshot_load_s": load_s,
        "rss_model_mb": rss_model,
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
        "latency": lat,
    }


def _floor(engine, enc, n: int) -> dict:
    """What no hybrid query can beat: one query encoding (cache bypassed) + the vector lookup."""
    from search import engine as engine_mod
    from search import semantic

    snap = engine.snapshot
    ms = []
    for q in queries(n, 7 * n):
        t = time.perf_counter()
        vec = enc.encode_queries([q + " ."])[0]
        semantic.top_k(snap.vectors, vec, engine_mod.CANDIDATES, None, snap.hubness)
        ms.append((time.perf_counter() - t) * 1000)
    return summary(ms)


def stage_peers(args: argparse.Namespace) -> dict:
    """Tantivy, SQLite FTS5 and numpy cosine over the same generation: build, latency, and on
    the seed the judged queries' quality with evaluate.py (ours alongside)."""
    from bench import peers
    from index.embed import load_encoder
    from search.engine import Engine

    settings = _settings(Path(args.data_dir), Path(args.corpus), Path(args.index_dir))
    gen = (Path(args.index_dir) / "current").resolve()
    passages, kw, build = peers.build_keyword_peers(gen)
    enc = load_encoder(settings)
    engine = Engine(settings.index_dir, lambda: enc)
    out: dict = {"build_s": build, "latency": {}, "quality": {}}
    n = args.queries
    for name, peer in kw.items():
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
    from index import vectors as vq
    from index.embed import load_encoder
    from search import engine as engine_mod
    from search import semantic

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
    load_s, index = timed(lambda: vq.load(work, n, dim, exact_max=0))
    penalty = semantic.hubness(index)
    depth = engine_mod.CANDIDATES
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


def run_stage(name: str, args: argparse.Namespace, **extra: object) -> dict:
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


# --------------------------------------------------------------------------- HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(conn: http.client.HTTPConnection, path: str) -> float:
    t = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {resp.status}")
    return (time.perf_counter() - t) * 1000


def _path(q: str, mode: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, "mode": mode, "k": 10})


def http_bench(args: argparse.Namespace, index_dir: Path) -> dict:
    """Serve index_dir with waitress on loopback (a subprocess) and query it."""
    port = _free_port()
    code = "from webui.cli import main; main()"
    cmd = [sys.executable, "-c", code, "serve", "--host", "127.0.0.1", "--port", str(port),
           "--index-dir", str(index_dir)]  # fmt: skip
    env = {**os.environ, "BUDGET_SEARCH_HOME": str(args.data_dir), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}  # fmt: skip
    t0 = time.perf_counter()
    # stderr to a file, never an undrained pipe: the server logs a line per request, and a
    # full pipe would block it mid-request
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=log)  # fmt: skip
    try:
        while True:
            if server.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace")
                raise RuntimeError(f"server exited: {err[-2000:]}")
            try:  # ready = the first real answer (model and index loaded, one search run)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                _get(conn, _path("hvad koster brandvæsenet", "hybrid"))
                break
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("server did not start in 300 s")
        ready_s = time.perf_counter() - t0
        out: dict = {"server_ready_s": ready_s, "sequential": {}, "concurrent": {},
                     "server_rss_ready_mb": rss_mb(server.pid),
                     "server_torch_mapped": torch_mapped(server.pid)}  # fmt: skip
        n = args.queries
        for _ in range(5):
            _get(conn, _path("budget", "hybrid"))
        for m, mode in enumerate(MODES):  # sequential, one keep-alive connection
            ms = [_get(conn, _path(q, mode)) for q in queries(n, m * n)]
            out["sequential"][mode] = summary(ms)
        conn.close()
        for m, mode in enumerate(MODES):  # CLIENTS threads, each its own connection
            qs = queries(n, (3 + m) * n)
            lat: list[float] = []
            lock = threading.Lock()

            def client(part: list[str], mode: str = mode, lat: list[float] = lat,
                       lock: threading.Lock = lock) -> None:  # fmt: skip
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine = [_get(c, _path(q, mode)) for q in part]
                c.close()
                with lock:
                    lat.extend(mine)

            threads = [threading.Thread(target=client, args=(qs[i::CLIENTS],))
                       for i in range(CLIENTS)]  # fmt: skip
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t
            out["concurrent"][mode] = {**summary(lat), "throughput_qps": len(lat) / wall}
        out["server_peak_rss_mb"] = peak_rss_mb(server.pid)
        return out
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# --------------------------------------------------------------------------- report


def _lat_row(label: str, s: dict) -> str:
    extra = f" | {s['throughput_qps']:.0f}" if "throughput_qps" in s else " | "
    return f"| {label} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f}{extra} |"


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}; "
        f"load average at start {', '.join(f'{x:.1f}' for x in m['load_at_start'])}",
        "",
    ]
    seed = results.get("seed")
    if seed:
        lines += [
            f"Seed corpus: {seed['documents']} document(s), {seed['passages']} passages; "
            f"query encoder: {seed['query_backend']}",
            "",
            "| seed build | value |",
            "| --- | --- |",
            f"| cold build incl. model load | {seed['cold_build_s']:.1f} s |",
            f"| of which model load | {seed['model_load_s']:.1f} s |",
            f"| no-change rebuild (median of 7) | {seed['nochange_s'] * 1000:.0f} ms |",
            f"| snapshot load | {seed['snapshot_load_s'] * 1000:.0f} ms |",
            f"| index on disk | {seed['index_mb']:.2f} MB |",
            f"| passage embedding ({seed.get('passage_backend', 'torch')}) "
            f"| {seed['embed_passages_per_s']:.0f} passages/s |",
            f"| peak RSS (build + queries) | {seed['peak_rss_mb']:.0f} MB |",
            "",
            "| in-process latency (ms) | n | p50 | p95 | p99 | |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_lat_row(k, v) for k, v in seed["latency"].items()]
        lines.append("")
    http = results.get("http")
    if http:
        lines += [
            f"HTTP (waitress, 8 threads, 127.0.0.1, GET /api/search k=10; first answer "
            f"{http['server_ready_s']:.1f} s after start, RSS then "
            f"{http.get('server_rss_ready_mb', 0):.0f} MB, peak RSS "
            f"{http['server_peak_rss_mb']:.0f} MB; torch mapped: "
            f"{'yes' if http.get('server_torch_mapped') else 'no'})",
            "",
            "| HTTP latency (ms) | n | p50 | p95 | p99 | throughput (q/s) |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_lat_row(f"{k}, sequential", v) for k, v in http["sequential"].items()]
        lines += [_lat_row(f"{k}, {CLIENTS} clients", v) for k, v in http["concurrent"].items()]
        lines.append("")
    scale = results.get("scale") or []
    if scale:
        lines += [
            "| passages | docs | vectors | generate s | build s | embed s | no-change ms "
            "| index MB | load s | kw p50 | sem p50 | hyb p50 | hyb p95 | hyb+filter p95 "
            "| serving RSS MB | build RSS MB |",
            "| " + " | ".join(["---"] * 16) + " |",
        ]
        for s in scale:
            lat = s["query"]["latency"]
            lines.append(
                f"| {s['passages']} | {s['documents']} | {s['vectors']} | {s['generate_s']:.1f} "
                f"| {s['build_s']:.1f} | {s['embed_s']:.1f} | {s['nochange_s'] * 1000:.0f} "
                f"| {s['index_mb']:.1f} | {s['query']['snapshot_load_s']:.2f} "
                f"| {lat['keyword']['p50']:.1f} | {lat['semantic']['p50']:.1f} "
                f"| {lat['hybrid']['p50']:.1f} | {lat['hybrid']['p95']:.1f} "
                f"| {lat['hybrid + filters']['p95']:.1f} | {s['query']['peak_rss_mb']:.0f} "
                f"| {s['build_peak_rss_mb']:.0f} |"
            )
        lines.append("")
        for s in scale:
            f, lat = s["query"].get("floor"), s["query"]["latency"]
            if f:
                lines.append(
                    f"{s['passages']} passages: floor (one query encoding + vector lookup) p50 "
                    f"{f['p50']:.1f} ms; hybrid p50 {lat['hybrid']['p50']:.1f} ms = "
                    f"{lat['hybrid']['p50'] / f['p50']:.2f} x the floor; RSS after the queries "
                    f"{s['query'].get('rss_after_queries_mb', 0):.0f} MB"
                )
        lines.append("")
        for label, peers_result in [("seed", results.get("seed_peers"))] + [
            (f"{s['passages']} passages", s.get("peers")) for s in scale
        ]:
            if not peers_result:
                continue
            lines += [
                f"Peers, {label}: build s and latency ms (distinct bench queries)",
                "",
                "| engine | build s | p50 | p95 | p99 |",
                "| --- | --- | --- | --- | --- |",
            ]
            for name, lat in peers_result["latency"].items():
                b = peers_result["build_s"].get(name)
                lines.append(
                    f"| {name} | {'' if b is None else f'{b:.2f}'} | {lat['p50']:.2f} "
                    f"| {lat['p95']:.2f} | {lat['p99']:.2f} |"
                )
            lines.append("")
            if peers_result.get("quality"):
                keys = sorted(
                    {
                        k
                        for v in peers_result["quality"].values()
                        for k in v
                        if k.endswith("nDCG@10")
                    }
                )
                lines += [
                    "| queries | system | " + " | ".join(keys) + " |",
                    "| --- | --- |" + " --- |" * len(keys),
                ]
                for key, sc in peers_result["quality"].items():
                    set_name, system = key.split("|", 1)
                    lines.append(
                        f"| {set_name} | {system} | "
                        + " | ".join(sc.get(k, "") for k in keys)
                        + " |"
                    )
                lines.append("")
        for s in scale:
            if "embed_passages_per_s" in s:
                lines.append(
                    f"Embedding throughput (real model, {s['passages']} passages): "
                    f"{s['embed_passages_per_s']:.1f} passages/s"
                )
        lines.append("")
    vectors = results.get("vectors") or []
    if vectors:
        lines += [
            "Vector lookup alone (top 100 with the hubness penalty; synthetic vectors): 1-bit "
            "codes + exact rescoring vs the exact float32 scan",
            "",
            "| passages | rescored | binary p50 | binary p95 | exact p50 | exact p95 "
            "| recall@10 | recall@100 | codes MB | binary RSS MB | float32 matrix MB | load s |",
            "| " + " | ".join(["---"] * 12) + " |",
        ]
        for v in vectors:
            lines.append(
                f"| {v['size']} | {v['rescore']} | {v['binary']['p50']:.1f} "
                f"| {v['binary']['p95']:.1f} | {v['exact']['p50']:.1f} | {v['exact']['p95']:.1f} "
                f"| {v['recall10']:.3f} | {v['recall100']:.3f} | {v['codes_mb']:.0f} "
                f"| {v['rss_binary_mb']:.0f} | {v['exact_matrix_mb']:.0f} | {v['load_s']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def run_all(args: argparse.Namespace, echo: Callable[[str], None] = print) -> dict:
    own_work = args.work is None
    args.work = Path(args.work or tempfile.mkdtemp(prefix="budget-bench-"))
    args.work.mkdir(parents=True, exist_ok=True)
    args.data_dir = Path(args.data_dir).resolve()
    args.corpus = Path(args.corpus).resolve()
    results: dict = {"machine": machine(), "args": {"sizes": args.sizes, "queries": args.queries}}
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
