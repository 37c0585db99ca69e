"""The default model in onnxruntime: queries (int8) and passages (float32) without PyTorch.

Files written by provisioning (:mod:`index.embedding.onnx_export`) next to the converted
model:

* ``onnx/encoder_int8.onnx`` (queries) — BERT + mean pooling + L2 normalisation, exported from
  the same float32 weights sentence-transformers runs, its attention fused by onnxruntime's BERT
  optimizer (:func:`index.embedding.onnx_export.fuse_attention`), and quantised to int8
  (dynamic, per-channel, 7-bit weights; the FFN output projections, whose inputs have the
  widest range, stay float32). 7-bit because x86 CPUs without VNNI (AVX2, AVX-512F) multiply
  u8 x s8 pairs into a saturating int16: with 8-bit weights the query vectors drifted (min
  cosine 0.995 to float32 on our judged queries, 0.998 with 7 bits) and cost 0.01-0.016
  passage nDCG@10.
  Its input is the token embeddings, not token ids: the 250k x 384 word-embedding matrix (96 MB
  even in int8, and a Danish query touches a few hundred rows of it) stays out of the session and
  is read from ``model.safetensors`` memory-mapped, so only the pages of tokens seen are resident.
* ``onnx/encoder_fp32.onnx`` (passages) — the same graph in float32 (cosine 1.0000 to torch):
  int8 passage vectors cost 0.02-0.03 nDCG@10 on our judged passage set.
* ``onnx/tokenizer.model`` — the same XLM-R unigram vocabulary as ``tokenizer.json``, as a
  SentencePiece model: the `tokenizers` library builds a 270 MB trie for 250k pieces,
  SentencePiece a double array of 50 MB, and it tokenises several times faster. Both give the
  same ids on stripped text (checked at export on awkward Unicode); the encoder strips.

Passages are batched by length (sorted, a token budget per batch, so short sentences are not
padded to a long passage's length) and run on every core. Three ways to do that
(:data:`PARALLEL`): ``"threads"``, one single-threaded session run per core at a time in this
process, each core on its own batch; ``"intra"``, one session whose intra-op threads are the
cores, a batch at a time; ``"processes"``, one single-threaded session per worker process, a
worker per core. :data:`DEFAULT_PARALLEL` is the one that measured fastest here
(``python -m bench.cpu_parallel``, BENCHMARKS.md). Queries use one session with a thread per core.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import struct
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np

VERSION = 4  # bumped whenever the exported files change, so provisioning re-exports them
ONNX_FILE = "onnx/encoder_int8.onnx"
FP32_FILE = "onnx/encoder_fp32.onnx"  # passages: int8 costs too much ranking quality there
SPM_FILE = "onnx/tokenizer.model"
EMBEDDINGS = "embeddings.word_embeddings.weight"
MAX_LENGTH = 512
BATCH_TOKENS = 8192  # padded tokens per passage batch: big enough to amortise, small for cache
MAX_BATCH = 64
_ST_DTYPES = {"F32": np.float32, "F16": np.float16}
#: How passage batches use the cores (module doc).
PARALLEL = ("threads", "intra", "processes")
DEFAULT_PARALLEL = "threads"


class EncoderFilesError(Exception):
    """The ONNX encoder's files are missing, stale or do not match the model."""


# --------------------------------------------------------------------------- loading pieces


def safetensors_memmap(path: Path, name: str) -> np.ndarray:
    """One tensor of a .safetensors file, memory-mapped read-only (nothing is read up front).

    The format is an 8-byte little-endian header length, a JSON header naming each tensor's
    dtype, shape and byte range, then the raw little-endian data.
    """
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    info = header.get(name)
    if info is None or info.get("dtype") not in _ST_DTYPES:
        raise EncoderFilesError(f"{path} has no float tensor {name}")
    start, end = info["data_offsets"]
    dtype = np.dtype(_ST_DTYPES[info["dtype"]]).newbyteorder("<")
    shape = tuple(info["shape"])
    if end - start != int(np.prod(shape)) * dtype.itemsize:
        raise EncoderFilesError(f"{path}: tensor {name} has the wrong byte length")
    return np.memmap(path, dtype=dtype, mode="r", offset=8 + n + start, shape=shape)


class Tokens:
    """SentencePiece ids with <s> ... </s>, truncated like the model's own tokenizer."""

    def __init__(self, spm_path: Path, max_length: int = MAX_LENGTH) -> None:
        import sentencepiece

        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(spm_path))
        self.bos, self.eos, self.pad = self.sp.bos_id(), self.sp.eos_id(), self.sp.pad_id()
        self.max_length = max_length

    def encode(self, texts: list[str]) -> list[list[int]]:
        ids = self.sp.encode([t.strip() for t in texts], num_threads=1)
        keep = self.max_length - 2
        return [[self.bos, *x[:keep], self.eos] for x in ids]


# --------------------------------------------------------------------------- the encoder


def _session(path: Path, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Worker threads spin within a run (a query is ~400 small ops: waking a sleeping thread
    # for each cost 9.9 ms a query against 6.1 ms spinning, 14 tokens on 2 cores) and stop
    # when the run ends, so idle threads do not take the cores from the web server's threads
    # between queries (1 s with a query every 50 ms: 0.36 s CPU; spinning on, 1.14 s).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1")
    opts.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class OnnxEncoder:
    """Texts to L2-normalised float32 vectors with the int8 ONNX encoder; thread-safe."""

    def __init__(self, model_dir: Path, onnx_file: str = ONNX_FILE, spm_file: str = SPM_FILE,
                 passage_file: str | None = None):  # fmt: skip
        """`onnx_file` answers `encode` (queries); `passage_file`, if given, `encode_many`."""
        model_dir = Path(model_dir)
        self.path = model_dir / onnx_file
        self.bulk_path = model_dir / passage_file if passage_file else None
        self.tokens = Tokens(model_dir / spm_file)
        self.embeddings = safetensors_memmap(model_dir / "model.safetensors", EMBEDDINGS)
        self.workers = cores()
        self.parallel = DEFAULT_PARALLEL  # how encode_many uses the cores (module doc)
        self._query = _session(self.path, min(self.workers, 4))
        self._bulk = None  # single-threaded session for passage batches, made on first use
        self._intra = None  # a session with a thread per core, for "intra"
        self._pool = None  # worker processes, for "processes"
        self._lock = threading.Lock()

    def _embed(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        return _inputs(self.embeddings, self.tokens.pad, batch)

    def _run(self, session, batch: list[list[int]]) -> np.ndarray:
        return _run_session(session, self.embeddings, self.tokens.pad, batch)

    def close(self) -> None:
        """Stop the worker processes, if any (they also stop with this process)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def encode(self, texts: list[str], prompt: str = "") -> np.ndarray:
        """A few texts at once (queries): one batch on the latency session."""
        if not texts:
            return np.zeros((0, self.embeddings.shape[1]), np.float32)
        return self._run(self._query, self.tokens.encode([prompt + t for t in texts]))

    def encode_many(self, texts: list[str], prompt: str = "", *, progress=None,
                    batch_tokens: int = BATCH_TOKENS,
                    parallel: str | None = None) -> np.ndarray:  # fmt: skip
        """Many texts (passages): batched by length, on every core (`parallel`, one of
        :data:`PARALLEL`; default ``self.parallel``).

        `progress`, if given, is called with the number of texts done after each batch."""
        out = np.zeros((len(texts), self.embeddings.shape[1]), np.float32)
        if not texts:
            return out
        parallel = parallel or self.parallel
        if parallel not in PARALLEL:
            raise ValueError(f"parallel must be one of {PARALLEL}, not {parallel!r}")
        ids = self.tokens.encode([prompt + t for t in texts])
        batches = length_batches([len(x) for x in ids], batch_tokens)
        if self.workers == 1:
            parallel = "intra"  # one core: one session, no pool
        if parallel == "processes":
            results = self._processes().map(_worker_run, [[ids[r] for r in rows]
                                                         for rows in batches])  # fmt: skip
            results = zip(batches, results, strict=True)
        elif parallel == "intra":
            session = self._intra_session()
            results = ((rows, self._run(session, [ids[r] for r in rows])) for rows in batches)
        else:
            session = self._single_session()
            threads = ThreadPoolExecutor(max_workers=self.workers)

            def work(rows: list[int]) -> tuple[list[int], np.ndarray]:
                return rows, self._run(session, [ids[r] for r in rows])

            results = threads.map(work, batches)
        done = 0
        try:
            for rows, vecs in results:
                out[rows] = vecs
                done += len(rows)
                if progress is not None:
                    progress(done)
        finally:
            if parallel == "threads":
                threads.shutdown(wait=True, cancel_futures=True)
        return out

    def _single_session(self):
        if self.bulk_path is None and self.workers == 1:
            return self._query
        with self._lock:
            if self._bulk is None:
                self._bulk = _session(self.bulk_path or self.path, 1)
            return self._bulk

    def _intra_session(self):
        if self.bulk_path is None:
            return self._query
        with self._lock:
            if self._intra is None:
                self._intra = _session(self.bulk_path, self.workers)
            return self._intra

    def _processes(self) -> ProcessPoolExecutor:
        """A worker process per core, each with its own single-threaded session (spawned: this
        process runs threads, which a fork would copy mid-flight)."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                    initargs=(str(self.bulk_path or self.path), str(self.embeddings.filename),
                              int(self.embeddings.offset), tuple(self.embeddings.shape),
                              self.embeddings.dtype.str, self.tokens.pad),  # fmt: skip
                )
            return self._pool


def _inputs(embeddings: np.ndarray, pad: int,
            batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    width = max(len(x) for x in batch)
    ids = np.full((len(batch), width), pad, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for i, x in enumerate(batch):
        ids[i, : len(x)] = x
        mask[i, : len(x)] = 1
    return np.asarray(embeddings[ids], dtype=np.float32), mask


def _run_session(session, embeddings: np.ndarray, pad: int, batch: list[list[int]]) -> np.ndarray:
    embeds, mask = _inputs(embeddings, pad, batch)
    (vecs,) = session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
    vecs = vecs.astype(np.float32, copy=False)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


_WORKER: dict = {}


def _worker_init(path: str, embeddings: str, offset: int, shape: tuple, dtype: str,
                 pad: int) -> None:  # fmt: skip
    """A passage worker process: its own single-threaded session and the mapped embeddings."""
    _WORKER["session"] = _session(Path(path), 1)
    _WORKER["embeddings"] = np.memmap(embeddings, dtype=np.dtype(dtype), mode="r",
                                      offset=offset, shape=shape)  # fmt: skip
    _WORKER["pad"] = pad


def _worker_run(batch: list[list[int]]) -> np.ndarray:
    return _run_session(_WORKER["session"], _WORKER["embeddings"], _WORKER["pad"], batch)


def length_batches(lengths: list[int], batch_tokens: int = BATCH_TOKENS,
                   max_batch: int = MAX_BATCH) -> list[list[int]]:  # fmt: skip
    """Row indices grouped by similar length, each group's padded size within `batch_tokens`;
    longest first, so the last batches (when cores may idle) are the cheap ones."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = lengths[current[0]] if current else lengths[i]
        if current and ((len(current) + 1) * width > batch_tokens or len(current) >= max_batch):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
