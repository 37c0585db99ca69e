"""Where passages are embedded: the CPU, or a CUDA GPU when there is one (`index --device`).

On the CPU passages go through the float32 ONNX export on every core
(:class:`index.embedding.embed.ModelEncoder`). On a GPU they go through sentence-transformers
(:class:`TorchDeviceEncoder`): the float32 model on the device, batched by length, its matrix
products in float16 under ``torch.autocast`` (layer norms, softmax and the pooling sums stay in
float32, by autocast's own rules) where that keeps every vector within ``MIN_COSINE`` of the
CPU's float32 vector. Whether it does is checked at run time, before the first vector is kept: a
calibration set (verification passages and the longest and a spread of the texts to embed) is
encoded on the CPU in float32 (the reference), on the device in float32 and in float16; float16 is
used only if its lowest cosine to the reference is at least ``MIN_COSINE``, else the device runs in
float32, and a device whose float32 vectors fall below it is refused. Vectors of any device share
the model's id, so an index mixes them freely; its manifest records which devices and precisions
made them.

Only torch's public API is used, and torch is imported only when a device is chosen.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import numpy as np

DEVICES = ("auto", "cpu", "cuda")
#: Lowest cosine of a passage vector from another device or precision to the CPU's float32 one.
MIN_COSINE = 0.999
#: Of the texts of the first call, how many join the calibration set (half the longest).
CALIBRATION_TEXTS = 32
#: Estimated tokens per batch on a GPU, and texts at most: room for e5-small's activations with
#: a wide margin on any CUDA card; a batch that still does not fit is halved and run again.
GPU_BATCH_TOKENS = 65_536
GPU_MAX_BATCH = 512
#: Characters per token, low for safety: e5's XLM-R vocabulary averages ~4 on Danish text.
_CHARS_PER_TOKEN = 3


class DeviceError(Exception):
    """The device asked for cannot be used here."""


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU (False without torch, or with its CPU build)."""
    try:
        import torch
    except ImportError:
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # a broken driver install: no usable GPU
        return False


def resolve(device: str) -> str:
    """``"cpu"`` or ``"cuda"`` for `device` (one of DEVICES); ``auto`` is CUDA when torch sees
    a GPU. DeviceError when ``cuda`` is asked for and there is none."""
    if device not in DEVICES:
        raise DeviceError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cpu":
        return "cpu"
    if cuda_available():
        return "cuda"
    if device == "auto":
        return "cpu"
    raise DeviceError(no_cuda_reason())


def no_cuda_reason() -> str:
    """Why there is no CUDA device, in one line that says what to do."""
    try:
        import torch
    except ImportError:
        why = "PyTorch is not installed"
    else:
        if torch.version.cuda is None:
            why = f"the installed PyTorch ({torch.__version__}) is a CPU-only build"
        else:
            why = f"PyTorch (CUDA {torch.version.cuda}) sees no GPU: no NVIDIA GPU or driver here"
    return f"no CUDA GPU to embed on: {why}; use --device cpu (or auto, which falls back to it)"


def passage_lengths(texts: list[str], prompt: str, max_tokens: int) -> list[int]:
    """Estimated token counts, for ordering and sizing batches (no second tokenisation)."""
    extra = len(prompt)
    return [min(max_tokens, 2 + (len(t) + extra) // _CHARS_PER_TOKEN) for t in texts]


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The lowest row-wise cosine of two matrices of L2-normalised rows."""
    if not len(a):
        return 1.0
    return float(np.min(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64), axis=1)))


def calibration_sample(texts: list[str], n: int = CALIBRATION_TEXTS) -> list[str]:
    """Half the `n` longest texts (where float16 error accumulates over most tokens) and half
    evenly spread over the rest."""
    if len(texts) <= n:
        return list(texts)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    longest = order[: n // 2]
    rest = order[n // 2 :]
    step = len(rest) / (n - len(longest))
    spread = [rest[int(k * step)] for k in range(n - len(longest))]
    return [texts[i] for i in sorted(longest + spread)]


class TorchDeviceEncoder:
    """A :class:`index.embedding.encoder.PassageEncoder` running sentence-transformers on a
    torch device (``cuda``; ``cpu`` only to test the code path), float16 where it holds (module
    doc). `reference` embeds texts on the CPU in float32: the vectors every precision is held to.
    """

    def __init__(
        self,
        model,
        *,
        model_id: str,
        dim: int,
        passage_prompt: str,
        reference: Callable[[list[str]], np.ndarray],
        device: str = "cuda",
        half: str = "float16",
        calibration: list[str] | None = None,
        batch_tokens: int = GPU_BATCH_TOKENS,
        max_batch: int = GPU_MAX_BATCH,
    ) -> None:
        """`model` is a SentenceTransformer already on `device`, in float32; `half` the
        autocast type tried (float16 on CUDA; bfloat16 is what a CPU's autocast runs);
        `calibration`, texts always in the calibration set (e5verify's Danish passages)."""
        self.model = model
        self.model_id = model_id
        self.dim = int(dim)
        self.passage_prompt = passage_prompt
        self.device = device
        self.half = half
        self._reference = reference
        self._calibration = list(calibration or [])
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self.precision: str | None = None  # "float16" / "float32", decided by calibrate()
        self.checked: dict[str, float] = {}  # precision -> lowest cosine to the CPU's vectors

    def __repr__(self) -> str:
        return (f"TorchDeviceEncoder({self.model_id!r}, device={self.device!r}, "
                f"precision={self.precision!r})")  # fmt: skip

    # ------------------------------------------------------------------ precision

    def calibrate(self, texts: list[str]) -> str:
        """Choose the precision from `texts` (the first to embed) and the fixed set; see the
        module doc. Raises DeviceError when even float32 on the device strays."""
        sample = self._calibration + calibration_sample(list(texts))
        want = self._reference(sample)
        full = self._encode(sample, half=False)
        self.checked = {"float32": min_cosine(full, want)}
        if self.checked["float32"] < MIN_COSINE:
            raise DeviceError(
                f"vectors from {self.device} in float32 differ from the CPU's (lowest cosine "
                f"{self.checked['float32']:.5f} < {MIN_COSINE}); embed with --device cpu"
            )
        halved = self._encode(sample, half=True)
        self.checked[self.half] = min_cosine(halved, want)
        self.precision = self.half if self.checked[self.half] >= MIN_COSINE else "float32"
        return self.precision

    # ------------------------------------------------------------------ encoding

    def encode_passages(self, texts: list[str], *, batch_size: int = 32,
                        progress: bool | Callable[[int], None] = False) -> np.ndarray:  # fmt: skip
        """L2-normalised float32 vectors; `batch_size` is ignored (batches are by length).
        A callable `progress` is called with the number of texts done after each batch."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self.precision is None:
            self.calibrate(texts)
        return self._encode(texts, half=self.precision != "float32", progress=progress)

    def _encode(self, texts: list[str], *, half: bool,
                progress: bool | Callable[[int], None] = False) -> np.ndarray:  # fmt: skip
        from index.embedding.onnx_encoder import length_batches

        out = np.zeros((len(texts), self.dim), np.float32)
        limit = int(getattr(self.model, "max_seq_length", None) or 512)
        lengths = passage_lengths(texts, self.passage_prompt, limit)
        done = 0
        for rows in length_batches(lengths, self.batch_tokens, self.max_batch):
            out[rows] = self._batch([texts[r] for r in rows], half)
            done += len(rows)
            if callable(progress):
                progress(done)
        return out

    def _batch(self, texts: list[str], half: bool) -> np.ndarray:
        """One length batch, halved until it fits in the device's memory."""
        import torch

        try:
            with self._precision(half):
                vecs = self.model.encode(
                    texts,
                    prompt=self.passage_prompt or None,
                    batch_size=len(texts),
                    show_progress_bar=False,
                    convert_to_tensor=True,
                    normalize_embeddings=False,
                )
        except torch.cuda.OutOfMemoryError:
            if len(texts) == 1:
                raise
            torch.cuda.empty_cache()
            mid = len(texts) // 2
            return np.concatenate([self._batch(texts[:mid], half), self._batch(texts[mid:], half)])
        vecs = torch.nn.functional.normalize(vecs.float(), p=2.0, dim=1)
        return vecs.cpu().numpy().astype(np.float32, copy=False)

    def _precision(self, half: bool):
        import torch

        if not half:
            return contextlib.nullcontext()
        kind = "cuda" if str(self.device).startswith("cuda") else str(self.device)
        return torch.autocast(device_type=kind, dtype=getattr(torch, self.half))


def load_device_encoder(settings, device: str, *, say: Callable[[str], None] = lambda m: None):
    """The passage encoder for `device` (``auto``, ``cpu`` or ``cuda``): the CPU's
    :class:`index.embedding.embed.ModelEncoder`, or a :class:`TorchDeviceEncoder` on the GPU
    held to it. Raises DeviceError for ``cuda`` without a GPU."""
    from index.config import DEFAULT_MODEL
    from index.embedding import e5verify
    from index.embedding.embed import load_encoder
    from index.embedding.provision import default_model_dir, resolve_other
    from index.embedding.st_model import load_st

    where = resolve(device)
    cpu = load_encoder(settings)  # on the CPU in float32: the reference the GPU is held to
    if where == "cpu":
        return cpu
    started = time.perf_counter()
    path = default_model_dir(settings) if settings.model == DEFAULT_MODEL else (
        resolve_other(settings.model))  # fmt: skip
    encoder = TorchDeviceEncoder(
        load_st(str(path), device="cuda"),
        model_id=cpu.model_id,
        dim=cpu.dim,
        passage_prompt=cpu.passage_prompt,
        reference=lambda texts: cpu.encode_passages(texts),
        device="cuda",
        half="float16",
        calibration=list(e5verify.SANITY_PASSAGES),
    )
    say(f"embedding on the GPU ({_gpu_name()}); model loaded in "
        f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return encoder


def _gpu_name() -> str:
    import torch

    try:
        return torch.cuda.get_device_name(0)
    except Exception:
        return "cuda"
