"""Writing the ONNX encoder's files at provisioning (:mod:`index.embedding.onnx_encoder` says
what each is and why).

The SentencePiece tokenizer is written from ``tokenizer.json`` and checked against it on
awkward text; the query graph is exported from the float32 model, its attention fused and its
weights quantised to int8, and the float32 graph kept for passages. Apart from the encoder
because it needs PyTorch and onnx, which a serving process never loads.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

from index.embedding.onnx_encoder import (
    FP32_FILE,
    ONNX_FILE,
    SPM_FILE,
    VERSION,
    EncoderFilesError,
    Tokens,
)


def write_sentencepiece(tokenizer_json: Path, out: Path) -> Path:
    """A SentencePiece model with the vocabulary, scores, special tokens and normaliser of a
    `tokenizers` Unigram tokenizer (ids are positions, so they stay the same)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    model = spec["model"]
    if model.get("type") != "Unigram":
        raise EncoderFilesError(f"{tokenizer_json} is not a Unigram tokenizer")
    specials = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
    norms = spec.get("normalizer") or {}
    norms = norms.get("normalizers", [norms])
    charsmap = next((n["precompiled_charsmap"] for n in norms if n.get("type") == "Precompiled"),
                    None)  # fmt: skip
    if charsmap is None:
        raise EncoderFilesError(f"{tokenizer_json} has no precompiled normaliser")
    import base64

    proto = pb.ModelProto()
    piece_type = pb.ModelProto.SentencePiece
    unk = int(model["unk_id"])
    for i, (piece, score) in enumerate(model["vocab"]):
        p = proto.pieces.add()
        p.piece, p.score = piece, float(score)
        if i == unk:
            p.type = piece_type.UNKNOWN
        elif piece in specials and specials[piece] == i:
            p.type = piece_type.CONTROL
    t = proto.trainer_spec
    t.model_type = pb.TrainerSpec.UNIGRAM
    t.vocab_size = len(model["vocab"])
    t.unk_id, t.unk_piece = unk, model["vocab"][unk][0]
    t.bos_id, t.eos_id, t.pad_id = specials["<s>"], specials["</s>"], specials["<pad>"]
    t.bos_piece, t.eos_piece, t.pad_piece = "<s>", "</s>", "<pad>"
    n = proto.normalizer_spec
    n.name = "precompiled"
    n.precompiled_charsmap = base64.b64decode(charsmap)
    # = the Replace(" {2,}", " ") + Metaspace(prepend "always") of tokenizer.json on stripped text
    n.add_dummy_prefix = n.remove_extra_whitespaces = n.escape_whitespaces = True
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(proto.SerializeToString())
    tmp.replace(out)
    return out


def export(model_dir: Path, st_model, *, check_texts: list[str] | None = None) -> dict:
    """Write the int8 encoder and the SentencePiece tokenizer into ``model_dir/onnx``.

    `st_model` is the float32 SentenceTransformer of `model_dir` (the reference). Returns the
    manifest record; raises EncoderFilesError if the tokenizer or the int8 model disagree with
    the reference (different ids on any check text; cosine below `MIN_COSINE`).
    """
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer

    model_dir = Path(model_dir)
    out = model_dir / ONNX_FILE
    out.parent.mkdir(exist_ok=True)
    spm = write_sentencepiece(model_dir / "tokenizer.json", model_dir / SPM_FILE)
    texts = list(check_texts or []) + TOKENIZER_CHECKS
    reference = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    ours = Tokens(spm, max_length=10**6)
    for text, got in zip(texts, ours.encode(texts), strict=True):
        want = reference.encode(text.strip()).ids
        if got != want:
            raise EncoderFilesError(f"SentencePiece tokenizer differs on {text[:60]!r}")

    bert = st_model[0].auto_model
    bert.config._attn_implementation = "eager"

    class Pooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.model(
                inputs_embeds=inputs_embeds,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(attention_mask),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    fp32 = out.with_name("encoder_fp32.tmp.onnx")
    fused = out.with_name("encoder_fused.tmp.onnx")
    hidden = int(bert.config.hidden_size)
    embeds = torch.randn(2, 5, hidden)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    quant_logger = logging.getLogger()
    level = quant_logger.level
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(bert).eval(),
                (embeds, mask),
                str(fp32),
                input_names=["inputs_embeds", "attention_mask"],
                output_names=["sentence_embedding"],
                dynamic_axes={
                    "inputs_embeds": {0: "batch", 1: "seq"},
                    "attention_mask": {0: "batch", 1: "seq"},
                    "sentence_embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        config = bert.config
        layers = fuse_attention(fp32, fused, heads=int(config.num_attention_heads),
                                hidden=hidden, layers=int(config.num_hidden_layers))  # fmt: skip
        quant_logger.setLevel(logging.ERROR)
        graph = onnx.load(str(fused), load_external_data=False).graph
        keep_fp32 = [
            n.name
            for n in graph.node
            if n.op_type == "MatMul" and re.search(r"layer\.\d+/output/dense/", n.name)
        ]
        quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True, nodes_to_exclude=keep_fp32,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})  # fmt: skip
        fp32.replace(model_dir / FP32_FILE)
    finally:
        quant_logger.setLevel(level)
        fp32.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)
        for extra in out.parent.glob("*-inferred.onnx"):
            extra.unlink()
    return {"file": ONNX_FILE, "passage_file": FP32_FILE, "tokenizer": SPM_FILE,
            "version": VERSION, "size": out.stat().st_size,
            "fused_attention_layers": layers}  # fmt: skip


def fuse_attention(src: Path, dst: Path, *, heads: int, hidden: int, layers: int) -> int:
    """Write `src` with each layer's attention, bias + GELU and residual + LayerNorm fused into
    one operator each (onnxruntime's own BERT fusions); returns the number of fused layers.

    Why: a query is ~11 tokens, so the unfused graph's ~420 small operators (reshapes,
    transposes, mask arithmetic) cost as much as a sixth of its matrix products; fused it has
    ~230 and a query encodes in ~1.3 ms less on two cores (12 % of the encoder; seed hybrid p50
    14.3 -> 12.2 ms). The arithmetic is the same: float32 outputs are equal to 1e-6. A graph the
    optimizer does not recognise is written unfused (0 layers), not refused.
    """
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    model = optimize_model(str(src), model_type="bert", num_heads=heads, hidden_size=hidden,
                           optimization_options=FusionOptions("bert"), opt_level=0)  # fmt: skip
    fused = int(model.get_fused_operator_statistics().get("Attention", 0))
    if fused != layers:
        logging.getLogger(__name__).warning(
            "attention fused in %d of %d layers; the query encoder is exported unfused",
            fused, layers,
        )
        Path(dst).write_bytes(Path(src).read_bytes())
        return 0
    model.save_model_to_file(str(dst))
    return fused


#: Awkward input the SentencePiece tokenizer must split exactly like tokenizer.json.
TOKENIZER_CHECKS = [
    "  Hej  med\tdig,  Æbleø!  ",
    "½ “citat” «x» – ﬁnans Ａ１ café naïve 50.190.100 kr.",
    "query: fire department",
    "passage: Borgerservice – Budgetgrundlag: pas, kørekort og MitID (NIS2, DK2020).",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ and ﬀ ligatures, non\u00a0breaking\u2009spaces, zero\u200bwidth",
    "Ελληνικά, русский, українська, 日本語のテキスト, العربية, emoji 🙂",
    "",
]
