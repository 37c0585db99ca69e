"""A build stopped while it embeds continues where it was: nothing is embedded twice."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import vectors_by_key
from index.building import resume, store
from index.building.build import build_index

META = """title = "Bemærkninger - Økonomiudvalget"
municipality = "Kalundborg Kommune"
committee = "Økonomiudvalget"
year = 2024
"""


def _flushed(progress: Path) -> dict[str, np.ndarray]:
    out = {}
    for path in sorted(progress.glob("chunk-*.npz")):
        with np.load(path, allow_pickle=False) as z:
            out.update(zip((str(k) for k in z["keys"]), z["vectors"], strict=True))
    return out


@pytest.mark.slow
def test_a_killed_build_resumes_from_its_flushed_vectors(tmp_path: Path, seed_settings,
                                                         seed_path: Path) -> None:  # fmt: skip
    """`budget-search index` on a fresh index is killed (SIGKILL) once it has flushed vectors;
    the next run embeds only the rest, and its index has a clean build's vectors."""
    corpus = tmp_path / "corpus" / "kalundborg" / "2024"
    corpus.mkdir(parents=True)
    shutil.copy(seed_path, corpus / "oekonomiudvalget.txt")
    (corpus / "oekonomiudvalget.toml").write_text(META, encoding="utf-8")
    index_dir = tmp_path / "index"
    env = {**os.environ, "BUDGET_SEARCH_HOME": str(seed_settings.data_dir),
           "BUDGET_SEARCH_EMBED_FLUSH": "16"}  # fmt: skip
    command = [str(Path(sys.executable).parent / "budget-search"), "index", "--device", "cpu",
               "--corpus", str(tmp_path / "corpus"), "--index-dir", str(index_dir)]  # fmt: skip
    progress = index_dir / resume.PROGRESS_DIR
    with open(tmp_path / "first.log", "wb") as log:
        first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
        deadline = time.monotonic() + 300
        try:
            while not list(progress.glob("chunk-*.npz")):
                assert first.poll() is None, (tmp_path / "first.log").read_text()
                assert time.monotonic() < deadline, "no vectors flushed in 300 s"
                time.sleep(0.02)
            first.send_signal(signal.SIGKILL)
        finally:
            first.kill()
            first.wait()
    assert first.returncode == -signal.SIGKILL
    assert not (index_dir / store.CURRENT).exists()  # it published nothing
    flushed = _flushed(progress)
    assert flushed

    second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=600)  # fmt: skip
    assert second.returncode == 0, second.stderr
    counts = re.search(r"\((\d+) embedded, \d+ reused(?:; (\d+) sentences embedded)?"
                       r"; (\d+) vectors resumed\)", second.stderr)  # fmt: skip
    assert counts, second.stderr
    embedded = int(counts[1]) + int(counts[2] or 0)  # passages and sentences
    resumed = int(counts[3])
    assert "passages/s" in second.stderr
    assert "resuming an interrupted build" in second.stderr
    final = vectors_by_key(index_dir)
    # every flushed vector was taken, and only the rest embedded: each text once in all
    assert resumed == len(flushed) and embedded == len(final) - len(flushed) > 0
    assert all(np.array_equal(final[k], v) for k, v in flushed.items())
    assert not progress.exists() and not list(index_dir.glob(".embedding-*"))
    # the same vectors as a clean build of the same text (the session's, built in one go)
    clean = vectors_by_key(seed_settings.index_dir)
    assert final.keys() <= clean.keys()
    cos = [float(np.dot(final[k], clean[k])) for k in final]
    assert min(cos) >= 0.999


def test_flushed_files_are_whole_or_ignored(tmp_path: Path) -> None:
    progress = resume.Progress(tmp_path)
    progress.write(["a", "b"], np.eye(2, 4, dtype=np.float32), "cuda", "float16")
    (progress.dir / "chunk-000002.npz.tmp").write_bytes(b"half a file")  # cut short by a kill
    (progress.dir / "chunk-000003.npz").write_bytes(b"not a zip")  # damaged all the same
    progress.write(["c"], np.ones((1, 3), dtype=np.float32), "cpu", "float32")  # another dim
    progress.drop_partial()
    assert not list(progress.dir.glob("*.tmp"))
    out = np.zeros((4, 4), dtype=np.float32)
    filled, sources = progress.take(out, ["x", "b", "a", "c"], [0, 1, 2, 3])
    assert sorted(filled) == [1, 2] and sources == {("cuda", "float16")}
    assert out[1, 1] == 1.0 and out[2, 0] == 1.0 and not out[[0, 3]].any()
    progress.clear()
    assert not progress.dir.exists()


class _Stops:
    """The real encoder, stopped (as by Ctrl+C) after `calls` calls."""

    def __init__(self, encoder, calls: int) -> None:
        self._encoder, self.calls = encoder, calls
        self.model_id, self.dim = encoder.model_id, encoder.dim
        self.texts: list[str] = []

    def encode_passages(self, texts, **kw):
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        self.texts += texts
        return self._encoder.encode_passages(texts, **kw)


@pytest.mark.slow
def test_ctrl_c_then_index_embeds_each_text_once(workspace, encoder, seed_path) -> None:
    """In process: a build interrupted after two steps, then a build to the end: the texts the
    two embedded are the texts to embed, each once."""
    from traffic import add_seed_document

    doc = add_seed_document(workspace.corpus_dir, seed_path, 2025) / "oekonomiudvalget.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("borger", "indbygger"), "utf-8")
    settings = workspace.with_overrides(embed_flush=4)
    stopped = _Stops(encoder, calls=2)
    try:
        build_index(settings, encoder_factory=lambda: stopped, progress=False, log=lambda m: None)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the build was not interrupted")
    assert len(stopped.texts) == 8
    rest = _Stops(encoder, calls=10**6)
    report = build_index(settings, encoder_factory=lambda: rest, progress=False,
                         log=lambda m: None)  # fmt: skip
    assert report.resumed == 8
    assert not set(stopped.texts) & set(rest.texts)
    assert len(set(rest.texts)) == len(rest.texts)
    assert report.embedded + report.pieces_embedded == len(rest.texts)
