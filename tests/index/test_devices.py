"""`index --device`: CUDA when there is a GPU, the CPU otherwise, and vectors that agree."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from index.building import store
from index.building.build import build_index
from index.building.embed_texts import embed_text
from index.embedding import devices
from index.embedding.devices import DeviceError, TorchDeviceEncoder
from search.snapshot import load
from webui.cli import cli


def test_cuda_without_a_gpu_is_a_click_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    result = CliRunner().invoke(cli, ["index", "--device", "cuda", "--corpus", str(tmp_path),
                                      "--index-dir", str(tmp_path / "index")])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--device': no CUDA GPU to embed on" in result.output
    assert "--device cpu" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "index").exists()  # refused before anything was read or written


@pytest.mark.slow
@pytest.mark.skipif(devices.cuda_available(), reason="this machine has a GPU")
def test_cuda_on_this_machine_is_refused_in_a_real_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    command = str(Path(sys.executable).parent / "budget-search")
    out = subprocess.run([command, "index", "--device", "cuda", "--corpus", str(tmp_path),
                          "--index-dir", str(tmp_path / "i")],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert "no CUDA GPU to embed on" in out.stderr and "Traceback" not in out.stderr


def test_auto_is_cuda_only_when_torch_sees_a_gpu(monkeypatch) -> None:
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    assert devices.resolve("auto") == "cpu" and devices.resolve("cpu") == "cpu"
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        devices.resolve("cuda")
    monkeypatch.setattr(devices, "cuda_available", lambda: True)
    assert devices.resolve("auto") == "cuda" and devices.resolve("cpu") == "cpu"


def test_calibration_sample_takes_the_longest_and_a_spread() -> None:
    texts = [f"{'x' * i}" for i in range(100)]
    sample = devices.calibration_sample(texts, 8)
    assert len(sample) == 8 and set(texts[-4:]) <= set(sample)
    assert devices.calibration_sample(texts[:5], 8) == texts[:5]


class _FakeST:
    """A 'SentenceTransformer' whose vectors stray by `noise` under autocast (or always)."""

    max_seq_length = 512

    def __init__(self, base: dict[str, np.ndarray], noise: float, always: bool = False):
        self.base, self.noise, self.always = base, noise, always
        self.calls: list[tuple[int, bool]] = []

    def encode(self, texts, **kw):
        half = torch.is_autocast_enabled("cpu")
        self.calls.append((len(texts), half))
        vecs = np.stack([self.base[t] for t in texts]).astype(np.float64)
        if half or self.always:
            vecs = vecs + self.noise * np.random.default_rng(0).standard_normal(vecs.shape)
        return torch.from_numpy(vecs.astype(np.float32))


def _base(texts: list[str], dim: int = 16) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    vecs = rng.standard_normal((len(texts), dim))
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return dict(zip(texts, vecs.astype(np.float32), strict=True))


def _device_encoder(model: _FakeST, base: dict[str, np.ndarray]) -> TorchDeviceEncoder:
    return TorchDeviceEncoder(model, model_id="m", dim=16, passage_prompt="", device="cpu",
                              half="bfloat16",
                              reference=lambda ts: np.stack([base[t] for t in ts]))  # fmt: skip


def test_half_precision_is_kept_only_where_it_holds() -> None:
    texts = [f"passage {i} " + "ord " * (i % 7) for i in range(40)]
    base = _base(texts)
    close = _device_encoder(_FakeST(base, 1e-4), base)
    vecs = close.encode_passages(texts)
    assert close.precision == "bfloat16" and close.checked["bfloat16"] >= devices.MIN_COSINE
    assert devices.min_cosine(vecs, np.stack([base[t] for t in texts])) >= devices.MIN_COSINE
    assert close.model.calls[-1][1]  # the batches ran under autocast
    far = _device_encoder(_FakeST(base, 0.2), base)
    vecs = far.encode_passages(texts)
    assert far.precision == "float32" and far.checked["bfloat16"] < devices.MIN_COSINE
    assert not far.model.calls[-1][1]
    assert devices.min_cosine(vecs, np.stack([base[t] for t in texts])) > 0.9999
    broken = _device_encoder(_FakeST(base, 0.2, always=True), base)
    with pytest.raises(DeviceError, match="differ from the CPU's"):
        broken.encode_passages(texts)


def test_batches_are_by_length_and_split_when_memory_runs_out(monkeypatch) -> None:
    texts = ["kort"] * 30 + ["lang " * 300] * 10
    base = _base(sorted(set(texts)))
    model = _FakeST(base, 1e-4)
    enc = _device_encoder(model, base)
    enc.precision, enc.batch_tokens, enc.max_batch = "float32", 2000, 64
    enc.encode_passages(texts)
    # longest first, at most 2000 tokens a batch as padded to its longest (502 tokens each)
    assert [n for n, _ in model.calls] == [3, 3, 3, 3, 28]
    real = model.encode
    failed = []

    def small_memory(batch, **kw):
        if len(batch) > 8:
            failed.append(len(batch))
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real(batch, **kw)

    monkeypatch.setattr(model, "encode", small_memory)
    model.calls.clear()
    vecs = enc.encode_passages(texts)
    assert failed == [28, 14, 14] and len(vecs) == 40
    assert devices.min_cosine(vecs, np.stack([base[t] for t in texts])) > 0.9999


@pytest.mark.slow
def test_device_code_path_on_the_seed_agrees_with_the_cpu(encoder, seed_settings) -> None:
    """The GPU code path (sentence-transformers, length batches, autocast) run on the CPU,
    where autocast means bfloat16: every seed passage within cosine 0.999 of the CPU's
    float32 vector, in the precision calibration chose."""
    from index.embedding.e5verify import SANITY_PASSAGES
    from index.embedding.provision import default_model_dir
    from index.embedding.st_model import load_st

    passages = load(seed_settings.index_dir).passages
    texts = devices.calibration_sample([embed_text(p) for p in passages], 10)  # the longest too
    enc = TorchDeviceEncoder(
        load_st(str(default_model_dir(seed_settings))), model_id=encoder.model_id,
        dim=encoder.dim, passage_prompt=encoder.passage_prompt, device="cpu", half="bfloat16",
        reference=encoder.encode_passages, calibration=list(SANITY_PASSAGES[:1]),
    )  # fmt: skip
    enc.batch_tokens = 4096
    got = enc.encode_passages(texts)
    assert enc.precision in ("bfloat16", "float32"), enc.checked
    assert enc.checked["float32"] >= 0.9999
    want = encoder.encode_passages(texts)
    assert devices.min_cosine(got, want) >= devices.MIN_COSINE
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


class _OnDevice:
    """The real encoder, saying it runs on a GPU in float16 (as TorchDeviceEncoder does)."""

    def __init__(self, encoder) -> None:
        self._encoder = encoder
        self.model_id, self.dim = encoder.model_id, encoder.dim
        self.device, self.precision = "cuda", None

    def encode_passages(self, texts, **kw):
        self.precision = "float16"  # known after the first call, like a calibrated encoder
        return self._encoder.encode_passages(texts, **kw)


@pytest.mark.slow
def test_the_manifest_records_what_made_the_vectors(tmp_path: Path, seed_settings, encoder,
                                                    seed_path: Path) -> None:  # fmt: skip
    assert store.read_manifest(store.current_generation(seed_settings.index_dir)).device == "cpu"
    index_dir = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index_dir, symlinks=True)
    corpus = tmp_path / "corpus"
    shutil.copytree(seed_settings.corpus_dir, corpus)
    doc = next(corpus.rglob("*.txt"))
    doc.write_text(doc.read_text(encoding="utf-8").replace("MitID", "NemID"), encoding="utf-8")
    settings = seed_settings.with_overrides(corpus_dir=corpus, index_dir=index_dir)
    report = build_index(settings, encoder_factory=lambda: _OnDevice(encoder), progress=False,
                         log=lambda m: None)  # fmt: skip
    assert report.embedded and (report.device, report.precision) == ("cuda", "float16")
    assert "on cuda, float16" in report.summary() and "passages/s" in report.summary()
    manifest = store.read_manifest(store.current_generation(index_dir))
    # the new vectors came from the GPU, the reused ones from the CPU's build
    assert (manifest.device, manifest.precision) == ("cpu+cuda", "float16+float32")
    report = build_index(settings, encoder_factory=lambda: _OnDevice(encoder), full=True,
                         progress=False, log=lambda m: None)  # fmt: skip
    assert report.embedded == 0
    manifest = store.read_manifest(store.current_generation(index_dir))
    assert (manifest.device, manifest.precision) == ("cpu+cuda", "float16+float32")
