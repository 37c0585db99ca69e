"""Shared fixtures: the seed index is built once, with the real model, and shared; the web app
on it as a test client, on waitress and in Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "kalundborg" / "2024" / "oekonomiudvalget.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """The model lives in the project's data dir (provisioned once, reused across runs)."""
    s = load_settings()
    data_dir = s.data_dir if s.data_dir.is_absolute() else ROOT / s.data_dir
    return s.with_overrides(data_dir=data_dir, corpus_dir=ROOT / "corpus")


@pytest.fixture(scope="session")
def encoder(base_settings: Settings):
    from index.embedding.embed import load_encoder
    from index.embedding.provision import provision_model

    provision_model(base_settings, quiet=True)
    return load_encoder(base_settings)


@pytest.fixture(scope="session")
def seed_settings(base_settings: Settings, tmp_path_factory, encoder) -> Settings:
    """Settings whose index_dir holds a fresh index of the bundled corpus."""
    from index.building.build import build_index

    settings = base_settings.with_overrides(index_dir=tmp_path_factory.mktemp("index"))
    build_index(settings, encoder_factory=lambda: encoder, progress=False, log=lambda m: None)
    return settings


@pytest.fixture(scope="session")
def engine(seed_settings: Settings, encoder):
    from search.engine import Engine

    return Engine(seed_settings.index_dir, lambda: encoder)


@pytest.fixture
def workspace(tmp_path: Path, seed_settings: Settings, seed_path: Path) -> Settings:
    """The seed in a private corpus, with a copy of the session's index of it: for tests that
    add, break or rebuild documents without touching the shared index."""
    import shutil

    from traffic import add_seed_document

    add_seed_document(tmp_path / "corpus", seed_path, 2024, edit=False)
    shutil.copytree(seed_settings.index_dir, tmp_path / "index", symlinks=True)
    return seed_settings.with_overrides(
        corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"
    )


#: A hand-written 2025 of the seed committee: amounts changed, titles written another way
#: (no "Fagcenter", a dash and case), one area renamed through its sidecar's [renamed] table.
YEAR_2025 = ROOT / "tests" / "data" / "kalundborg-2025"


def vectors_by_key(index_dir: Path) -> dict:
    """Every vector of the current index (passages, then pieces) by its text key."""
    import numpy as np

    from index.building import store

    gen = store.current_generation(index_dir)
    manifest = store.read_manifest(gen)
    pieces, _rows = store.read_pieces(gen, manifest)
    rows = np.concatenate([store.read_vectors(gen, manifest), np.asarray(pieces)])
    return dict(zip(store.read_keys(gen), rows, strict=True))


def _index_beside_seed(seed_settings: Settings, tmp_path_factory, corpus: Path, encoder,
                       name: str) -> Settings:  # fmt: skip
    """An index of `corpus`, started from a copy of the seed's (its vectors are reused)."""
    import shutil

    from index.building.build import build_index

    index_dir = tmp_path_factory.mktemp(name) / "index"
    shutil.copytree(seed_settings.index_dir, index_dir, symlinks=True)
    settings = seed_settings.with_overrides(corpus_dir=corpus, index_dir=index_dir)
    build_index(settings, encoder_factory=lambda: encoder, progress=False, log=lambda m: None)
    return settings


@pytest.fixture(scope="session")
def years_settings(seed_settings: Settings, tmp_path_factory, encoder) -> Settings:
    """The seed (2024) and the hand-written 2025 of the same committee, indexed together."""
    import shutil

    corpus = tmp_path_factory.mktemp("years-corpus")
    shutil.copytree(ROOT / "corpus", corpus, dirs_exist_ok=True)
    shutil.copytree(YEAR_2025, corpus / "kalundborg" / "2025")
    return _index_beside_seed(seed_settings, tmp_path_factory, corpus, encoder, "years-index")


@pytest.fixture(scope="session")
def years_engine(years_settings: Settings, encoder):
    from search.engine import Engine

    return Engine(years_settings.index_dir, lambda: encoder)


@pytest.fixture(scope="session")
def provenance_settings(seed_settings: Settings, tmp_path_factory, encoder) -> Settings:
    """The seed and three documents of tests/provenance_docs.py (area tables, stated totals
    that agree and one that does not), indexed together."""
    import shutil

    from provenance_docs import write_corpus

    corpus = tmp_path_factory.mktemp("provenance-corpus")
    shutil.copytree(ROOT / "corpus", corpus, dirs_exist_ok=True)
    write_corpus(corpus)
    return _index_beside_seed(seed_settings, tmp_path_factory, corpus, encoder,
                              "provenance-index")  # fmt: skip


# -- the web app: a test client, served on waitress, and seen in Chromium ---------------------


@pytest.fixture(scope="module")
def app(engine):
    """The web app on the session's seed index (a module overrides it for another index)."""
    from webui import create_app

    return create_app({"ENGINE": engine})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def base_url(app) -> Iterator[str]:
    """The app on waitress, in a background thread, on a free port of 127.0.0.1."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (tests/chromium.py); skipped without it."""
    from chromium import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh 1024 x 768 Danish page whose console errors, page errors and dialogs are kept
    in `page.problems`."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="da-DK")
    p = context.new_page()
    p.set_default_timeout(10_000)
    problems: list[str] = []
    p.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: problems.append(str(e)))
    p.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    p.problems = problems  # type: ignore[attr-defined]
    yield p
    context.close()
