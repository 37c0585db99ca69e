"""Text a document repeats under several of its areas (the budget boilerplate) is known per
passage, so the ranking can hold it back (search/tuning.py: repeat_penalty)."""

from __future__ import annotations

import dataclasses

import pytest

from index.building import store
from index.building.repeats import REPEAT_AREAS, repeated_share
from index.documents.document import Passage
from search.engine import Engine
from search.tuning import TUNING

BOILERPLATE = "Budgettet er et rammebudget. Forudsætninger for budgettet er udarbejdet."


def _passage(document: str, area: str, text: str) -> Passage:
    return Passage(id=f"{document}-{area}-{hash(text)}", document=document, municipality="K",
                   committee="Ø", year=2024, area=area, amount_kr=None, section="", subsection="",
                   text=text, amounts=(), line_start=1, line_end=1)  # fmt: skip


def test_the_share_of_a_passage_its_document_repeats_under_several_areas() -> None:
    assert REPEAT_AREAS == 3
    own = "Området har fået 0,1 mio. kr. til varmeplanlægning i 2024 og frem."
    passages = [
        _passage("a", "Jobcenter", BOILERPLATE),
        _passage("a", "Borgerservice", BOILERPLATE),
        # spacing and punctuation do not make another sentence
        _passage("a", "Økonomi", BOILERPLATE.replace(" er ", "  er ") + "\n" + own + "."),
        _passage("a", "Økonomi", own),  # one area: its own text, though twice
        _passage("b", "Jobcenter", BOILERPLATE),  # another document: its own count
        _passage("b", "Borgerservice", BOILERPLATE),
    ]
    share = repeated_share(passages)
    assert share[0] == share[1] == 1.0
    assert 0.4 < share[2] < 0.6  # the boilerplate and a sentence of its own, about as long
    assert share[3] == 0.0
    assert share[4] == share[5] == 0.0  # two areas are not several
    # the share per text, whatever the order
    assert repeated_share(passages[::-1])[::-1].tolist() == share.tolist()


def test_the_build_stores_it_and_another_index_s_is_refused(seed_settings) -> None:
    gen = store.current_generation(seed_settings.index_dir)
    n = store.read_manifest(gen).passages
    share = store.read_repeated(gen, n)
    assert share.shape == (n,) and share.max() == 1.0  # the seed's boilerplate
    with pytest.raises(store.IndexNotReady, match="not 56"):  # another index's shares
        store.read_repeated(gen, n + 1)


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_the_boilerplate_gives_way(seed_settings, encoder, engine, mode) -> None:
    """A question in other words than the documents': the boilerplate repeated under every
    area is held back, as the repeat penalty asks."""
    q = "direktørløn"
    plain = Engine(seed_settings.index_dir, lambda: encoder,
                   tuning=dataclasses.replace(TUNING, repeat_penalty=0.0))  # fmt: skip

    def boilerplate(e: Engine) -> int:
        hits = e.search(q, mode=mode, k=10).results
        return sum(h.text.startswith("Budgettet er et rammebudget") for h in hits)

    assert boilerplate(engine) < boilerplate(plain)
