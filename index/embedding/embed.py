"""Sentence embeddings for semantic search: loading the provisioned model and encoding.

Queries and passages are encoded by the same base model, so their vectors are comparable. For the
default model (provisioned by :mod:`index.embedding.provision`) queries go, unless asked otherwise,
through an int8 ONNX export of the same weights run by onnxruntime
(:mod:`index.embedding.onnx_encoder`: no PyTorch in a serving process), passages through its float32
export (int8 passage vectors lose more than 0.005 nDCG on our judged passage set; see
BENCHMARKS.md). The float32 sentence-transformers model is the reference and what any other model
runs on; it is only loaded when something is encoded with it. What the rest of the code needs of an
encoder is :class:`index.embedding.encoder.Encoder`.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.config import DEFAULT_MODEL, Settings
from index.embedding import onnx_encoder
from index.embedding.e5convert import PASSAGE_PROMPT, QUERY_PROMPT
from index.embedding.provision import (
    default_model_dir,
    default_model_id,
    read_manifest,
    resolve_other,
)
from index.embedding.st_model import ModelError
from index.embedding.st_model import load_st as _load_st

QUERY_CACHE_SIZE = 1024
_E5_NAME = re.compile(r"(^|[/_.-])(multilingual-)?e5([-_.]|$)", re.IGNORECASE)


def _prompts(name: str, model) -> tuple[str, str]:
    """(query prompt, passage prompt): e5's own for the e5 family, else the model's configured."""
    if _E5_NAME.search(name) and "instruct" not in name.lower():
        return QUERY_PROMPT, PASSAGE_PROMPT
    prompts = getattr(model, "prompts", None) or {}
    query = prompts.get("query") or ""
    passage = next((prompts[k] for k in ("document", "passage", "corpus") if prompts.get(k)), "")
    return query, passage


class ModelEncoder:
    """An :class:`index.embedding.encoder.Encoder` over a sentence-transformers model and its ONNX
    exports."""

    def __init__(
        self,
        model,
        *,
        model_id: str,
        query_prompt: str,
        passage_prompt: str,
        onnx: onnx_encoder.OnnxEncoder | None = None,
        onnx_queries: bool = True,
        onnx_passages: bool = True,
        dim: int | None = None,
    ) -> None:
        """`model` is a SentenceTransformer, or a function that loads one: with an ONNX encoder
        and a known `dim`, the torch model (0.5 GB, and torch itself) loads only when something
        is encoded with it, so a server that only answers queries never holds it."""
        self._model = None if callable(model) and not hasattr(model, "encode") else model
        self._loader = model if self._model is None else None
        self.model_id = model_id
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self._onnx_q = onnx if onnx_queries else None
        self._onnx_p = onnx if onnx_passages else None
        self.query_backend = "onnx-int8" if self._onnx_q is not None else "torch"
        self.passage_backend = "onnx-fp32" if self._onnx_p is not None else "torch"
        self.device = "cpu"  # what made its passage vectors (index.embedding.devices)
        self.precision = "float32"
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        if dim is None:
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
                if self._model is None and self._loader is not None:
                    self._model = self._loader()
        return self._model

    def __repr__(self) -> str:
        return (f"Encoder({self.model_id!r}, dim={self.dim}, queries={self.query_backend}, "
                f"passages={self.passage_backend})")  # fmt: skip

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
        if self._onnx_q is not None:
            return self._onnx_q.encode(texts, self.query_prompt)
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
        self, texts: list[str], *, batch_size: int = 32, progress: bool | Callable = False
    ) -> np.ndarray:
        """`batch_size` is the torch path's; the ONNX path batches by length (a token budget).
        `progress`: True for a bar of its own, or a function called with the number of texts
        done so far (the build's bar)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._onnx_p is None:
            if not callable(progress):
                return self._torch_encode(texts, self.passage_prompt, batch_size, progress)
            out = np.zeros((len(texts), self.dim), np.float32)
            step = batch_size * 4
            for lo in range(0, len(texts), step):
                part = texts[lo : lo + step]
                out[lo : lo + step] = self._torch_encode(part, self.passage_prompt, batch_size)
                progress(min(len(texts), lo + step))
            return out
        if callable(progress):
            return self._onnx_p.encode_many(texts, self.passage_prompt, progress=progress)
        if not progress:
            return self._onnx_p.encode_many(texts, self.passage_prompt)
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Embedding", unit="text") as bar:
            return self._onnx_p.encode_many(
                texts, self.passage_prompt, progress=lambda done: bar.update(done - bar.n)
            )


_ENCODERS: dict[tuple[str, str, str], ModelEncoder] = {}
_ENCODERS_LOCK = threading.Lock()
_BACKENDS = ("auto", "torch", "onnx")


def load_encoder(settings: Settings, *, query_backend: str = "auto",
                 passage_backend: str = "auto") -> ModelEncoder:  # fmt: skip
    """The process-wide encoder for ``settings.model`` (loaded once; never downloads).

    Each backend: ``"auto"`` uses the verified int8 ONNX encoder when provisioning made one, else
    PyTorch; ``"torch"`` forces the float32 sentence-transformers model (the reference);
    ``"onnx"`` requires ONNX. Queries run the int8 export, passages the float32 one: int8
    passage vectors cost 0.02-0.03 area nDCG@10 on tests/data/judged_passages.jsonl (within 0.005
    on the dev set and judged_queries only), more than the 0.005 we accept.
    """
    for backend in (query_backend, passage_backend):
        if backend not in _BACKENDS:
            raise ValueError(f"backend must be 'auto', 'torch' or 'onnx', not {backend!r}")
    if settings.model == DEFAULT_MODEL:
        key_name = str(default_model_dir(settings).resolve())
    else:
        key_name = settings.model
    key = (key_name, query_backend, passage_backend)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = _make_encoder(settings, query_backend, passage_backend)
        return _ENCODERS[key]


def _make_encoder(settings: Settings, query_backend: str, passage_backend: str) -> ModelEncoder:
    # No torch here: a process that only answers queries (serve, search) runs onnxruntime and
    # sentencepiece alone; torch loads in _load_st, when a model must embed with it. The two
    # never share an OpenMP runtime: onnxruntime's CPU build links none (its own thread pool),
    # torch brings its libgomp, and either order gives the same vectors (tests/webui/
    # test_serving.py).
    wants_onnx = "onnx" in (query_backend, passage_backend)
    if settings.model != DEFAULT_MODEL:
        if wants_onnx:
            raise ModelError("an ONNX encoder is only provisioned for the default model")
        path = resolve_other(settings.model)
        model = _load_st(str(path))
        query_prompt, passage_prompt = _prompts(settings.model, model)
        name = settings.model.rstrip("/")
        model_id = Path(name).name if Path(name).exists() else name
        return ModelEncoder(
            model, model_id=model_id, query_prompt=query_prompt, passage_prompt=passage_prompt
        )

    model_dir = default_model_dir(settings)
    manifest = read_manifest(model_dir)
    if manifest is None or not manifest.get("verified"):
        raise ModelError(
            f"model not found at {model_dir}; run `budget-search index` (or make setup) to "
            "provision it"
        )
    onnx = None
    info = manifest.get("onnx") or {}
    if info.get("file") and (query_backend, passage_backend) != ("torch", "torch"):
        try:
            onnx = onnx_encoder.OnnxEncoder(model_dir, passage_file=info.get("passage_file"))
        except (ImportError, OSError, onnx_encoder.EncoderFilesError):
            onnx = None
    if wants_onnx and onnx is None:
        raise ModelError(f"no verified ONNX encoder in {model_dir}; re-run provisioning")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return ModelEncoder(
        functools.partial(_load_st, str(model_dir)),
        dim=int(config["hidden_size"]),
        model_id=manifest.get("model_id", default_model_id()),
        query_prompt=QUERY_PROMPT,
        passage_prompt=PASSAGE_PROMPT,
        onnx=onnx,
        onnx_queries=query_backend != "torch",
        onnx_passages=passage_backend != "torch" and bool(info.get("passage_file")),
    )
