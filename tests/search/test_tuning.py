"""The ranking's weights and floors are one object the engine is given, and it ranks by them:
the same index searched with other weights ranks otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from search.engine import Engine
from search.tuning import TUNING, Tuning


def test_tuning_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TUNING.alpha = 0.9  # type: ignore[misc]
    with pytest.raises(TypeError):
        TUNING.field_boosts["area"] = 9.0  # type: ignore[index]


def test_the_engine_ranks_by_the_tuning_it_is_given(seed_settings, encoder, engine) -> None:
    def ranked(e: Engine, q: str, mode: str) -> list[tuple[str, float]]:
        return [(h.id, h.score) for h in e.search(q, mode=mode, k=10).results]

    assert engine.tuning is TUNING
    same = Engine(seed_settings.index_dir, lambda: encoder, tuning=Tuning())
    assert ranked(same, "brandvæsen", "hybrid") == ranked(engine, "brandvæsen", "hybrid")
    # area titles no heavier than text: "Borgerservice"'s passages lose their lead
    flat = Engine(seed_settings.index_dir, lambda: encoder,
                  tuning=dataclasses.replace(TUNING, field_boosts={"area": 1.0, "heading": 1.0,
                                                                   "body": 1.0}))  # fmt: skip
    assert ranked(flat, "borgerservice", "keyword") != ranked(engine, "borgerservice", "keyword")
    # keyword evidence alone decides the fused order of the exact matches
    keyword_only = Engine(seed_settings.index_dir, lambda: encoder,
                          tuning=dataclasses.replace(TUNING, alpha=1.0))  # fmt: skip
    kw = [i for i, _ in ranked(engine, "kørekort pas", "keyword")]
    assert [i for i, _ in ranked(keyword_only, "kørekort pas", "hybrid")][: len(kw)] == kw
    # no hubness penalty: the semantic scores are the plain cosines, higher
    plain = Engine(seed_settings.index_dir, lambda: encoder,
                   tuning=dataclasses.replace(TUNING, hub_penalty=0.0))  # fmt: skip
    q = "how much is spent on IT"
    assert ranked(plain, q, "semantic")[0][1] > ranked(engine, q, "semantic")[0][1]
