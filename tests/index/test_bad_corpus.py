"""One bad file never costs the others: each case is `budget-search index` on a folder holding
the seed beside one bad document, and the seed is searchable afterwards.

The bad documents are the ones an attacker or a careless user brings: a PDF that makes
pdfminer loop forever, a compression bomb, an encrypted PDF, sidecar values of the wrong type,
absurd amounts, a file name that is not UTF-8, links, a 2 MB paragraph, a 2,100-letter word.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from fpdf import FPDF

from index.building import generations, store
from index.building.build import BuildError, build_index
from index.config import Settings
from index.documents.corpus import load_corpus
from index.documents.walk import Skipped
from traffic import OLD_DOC
from webui.cli import cli

SEED_DOC = OLD_DOC


def meta(year: object = 2024, **fields: str) -> str:
    values = {"title": '"Bemærkninger"', "municipality": '"Holbæk Kommune"',
              "committee": '"Økonomiudvalget"', "year": str(year), **fields}  # fmt: skip
    return "".join(f"{k} = {v}\n" for k, v in values.items())


REMARKS = """Bemærkninger - Økonomiudvalget

Borgerservice

Samlet nettobudget for området: {amount}

Budgetgrundlag
Budgettet dækker borgerbetjening, pas og kørekort i Holbæk.
"""


@pytest.fixture
def run(workspace: Settings, encoder, monkeypatch: pytest.MonkeyPatch):
    """`budget-search ARGS` in-process, on the workspace, with the session's model."""
    import index.embedding.embed
    import index.embedding.provision

    monkeypatch.setattr(index.embedding.provision, "provision_model", lambda *a, **k: None)
    monkeypatch.setattr(index.embedding.embed, "load_encoder", lambda *a, **k: encoder)

    def invoke(*args: str, **env: str) -> Result:
        env = {"BUDGET_SEARCH_HOME": str(workspace.data_dir), **env}
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def index(run, ws: Settings, **env: str) -> Result:
    result = run("index", "--corpus", str(ws.corpus_dir), "--index-dir", str(ws.index_dir),
                 "--quiet", **env)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def assert_seed_searchable(run, ws: Settings) -> None:
    result = run("search", "MitID", "--mode", "keyword", "--json", "--index-dir", str(ws.index_dir))
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["results"]
    assert hits and hits[0]["area"] == "Borgerservice" and hits[0]["document"] == SEED_DOC
    result = run("areas", "--json", "--index-dir", str(ws.index_dir))
    seed = [a for a in json.loads(result.stdout)["areas"] if a["document"] == SEED_DOC]
    assert len(seed) == 17 and sum(a["amount_kr"] for a in seed) == 460_443_800


def documents(ws: Settings) -> list[str]:
    return sorted(store.read_manifest(store.current_generation(ws.index_dir)).documents)


def add(ws: Settings, name: str, content: bytes | str, sidecar: str | None = None) -> Path:
    path = ws.corpus_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.with_suffix(".toml").write_text(sidecar or meta(), encoding="utf-8")
    return path


def skipped_line(result: Result, path: Path | str) -> str:
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith(f"skipped {path}: ")]
    return line.removeprefix(f"skipped {path}: ")


# -- PDFs ------------------------------------------------------------------------------------


def raw_pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF with a correct cross-reference table: pdfminer reads it as written."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets.get(n, 0) for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def one_page_pdf(media_box: bytes, content: bytes, extra: dict[int, bytes] | None = None,
                 filters: bytes = b"") -> bytes:  # fmt: skip
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox " + media_box + b" /Contents 6 0 R"
           b" /Resources << /Font << /F1 7 0 R >> >> >>",
        6: b"<< /Length %d %s>>\nstream\n" % (len(content), filters) + content + b"\nendstream",
        7: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        **(extra or {}),
    })  # fmt: skip


def zlib_zeros(gib: int) -> bytes:
    """A valid zlib stream of `gib` GiB of zero bytes, about 1 MB per GiB, made in seconds:
    identical deflate blocks after full flushes, and the checksum of the whole."""
    chunk = bytes(16 * 2**20)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(64 * gib):
        checksum = zlib.adler32(chunk, checksum)
    return b"\x78\x9c" + block * (64 * gib) + deflate.flush() + checksum.to_bytes(4, "big")


@pytest.mark.slow
def test_pdf_whose_media_box_is_a_reference_loop_is_stopped(run, workspace: Settings) -> None:
    # 4 0 R -> 5 0 R -> 4 0 R: pdfminer follows it forever
    bad = add(
        workspace,
        "loop.pdf",
        one_page_pdf(
            b"4 0 R", b"BT /F1 12 Tf 72 720 Td (Jobcenter) Tj ET", {4: b"5 0 R", 5: b"4 0 R"}
        ),
    )
    result = index(run, workspace, BUDGET_SEARCH_PARSE_SECONDS="3")
    assert skipped_line(result, bad) == "parsing took longer than the 3 s limit and was stopped"
    assert documents(workspace) == [SEED_DOC]
    assert_seed_searchable(run, workspace)


@pytest.mark.slow
def test_compression_bomb_pdf_is_refused_before_it_is_inflated(run, workspace: Settings) -> None:
    bomb = zlib_zeros(2)  # 2 MB on disk, 2 GiB inflated
    pdf = one_page_pdf(b"[0 0 612 792]", bomb, filters=b"/Filter /FlateDecode ")
    bad = add(workspace, "bomb.pdf", pdf)
    assert bad.stat().st_size < 3 * 2**20
    result = index(run, workspace)
    assert skipped_line(result, bad) == (
        "PDF inflates to more than the 256 MB limit (BUDGET_SEARCH_MAX_INFLATED_MB); "
        "a compression bomb?"
    )
    assert_seed_searchable(run, workspace)


@pytest.mark.slow
def test_pdf_that_exhausts_the_worker_memory_costs_only_itself(workspace: Settings) -> None:
    # two Flate layers: the outer one is small (the inflated-size scan reads only it), the
    # inner one inflates to 1.5 GiB inside pdfminer, past the worker's address-space limit
    inner = zlib.compress(bytes(1536 * 2**20), 1)
    pdf = one_page_pdf(b"[0 0 612 792]", zlib.compress(inner, 9),
                       filters=b"/Filter [/FlateDecode /FlateDecode] ")  # fmt: skip
    bad = add(workspace, "lag.pdf", pdf)
    limits = replace(workspace.limits, worker_memory_bytes=1024 * 2**20)
    report = load_corpus(workspace.corpus_dir, limits)
    assert [d.meta.id for d in report.documents] == [SEED_DOC]
    reason = "needs more than the 1024 MB memory limit to parse"
    assert report.skipped == [Skipped(str(bad), reason)]


def test_encrypted_pdf_says_so(run, workspace: Settings) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Jobcenter")
    pdf.set_encryption(owner_password="ejer", user_password="hemmelig")
    bad = add(workspace, "krypteret.pdf", bytes(pdf.output()))
    result = index(run, workspace)
    assert skipped_line(result, bad).startswith("krypteret PDF: ")
    assert_seed_searchable(run, workspace)


def test_file_over_the_size_limit_is_not_read(run, workspace: Settings) -> None:
    bad = add(workspace, "stor.txt", REMARKS.format(amount="1 kr.") + "x\n" * 600_000)
    result = index(run, workspace, BUDGET_SEARCH_MAX_FILE_MB="1")
    assert skipped_line(result, bad) == (
        "file is 1.1 MB, over the 1 MB limit (BUDGET_SEARCH_MAX_FILE_MB)"
    )
    assert_seed_searchable(run, workspace)


def test_malformed_limit_in_the_environment_is_one_line(run, workspace: Settings) -> None:
    result = run("index", "--corpus", str(workspace.corpus_dir), "--index-dir",
                 str(workspace.index_dir), BUDGET_SEARCH_PARSE_SECONDS="soon")  # fmt: skip
    assert result.exit_code == 1
    assert "BUDGET_SEARCH_PARSE_SECONDS='soon': expected a positive number" in result.stderr
    assert "Traceback" not in result.output


# -- sidecar values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        (meta(year="inf"), "year is not a whole number from 1900 to 2100 (got 'inf')"),
        (meta(year=99999999999), "year is not a whole number from 1900 to 2100 (got 99999999999)"),
        (meta(year="true"), "year is not a whole number from 1900 to 2100 (got True)"),
        (meta(year=2024.9), "year is not a whole number from 1900 to 2100 (got 2024.9)"),
        (meta(year='"2024"'), "year is not a whole number from 1900 to 2100 (got '2024')"),
        (meta(year=1066), "year is not a whole number from 1900 to 2100 (got 1066)"),
        (meta(municipality="[1, 2]"),
         "municipality must be a non-empty text in quotes (got [1, 2])"),
        (meta(title='""'), "title must be a non-empty text in quotes (got '')"),
    ],
)  # fmt: skip
def test_sidecar_values_are_validated_not_coerced(run, workspace: Settings, sidecar: str,
                                                  reason: str) -> None:  # fmt: skip
    bad = add(workspace, "holbaek.txt", REMARKS.format(amount="1.000 kr."), sidecar)
    result = index(run, workspace)
    assert skipped_line(result, bad) == f"metadata file holbaek.toml: {reason}"
    assert documents(workspace) == [SEED_DOC]
    assert_seed_searchable(run, workspace)


# -- names, links, hidden files ----------------------------------------------------------------


def test_file_name_that_is_not_utf8_is_named_and_skipped(run, workspace: Settings) -> None:
    raw = os.fsencode(workspace.corpus_dir) + b"/bad\xff.txt"
    with open(raw, "wb") as fh:
        fh.write(REMARKS.format(amount="1.000 kr.").encode())
    with open(raw[:-4] + b".toml", "wb") as fh:
        fh.write(meta().encode())
    result = index(run, workspace)
    shown = f"{workspace.corpus_dir}/bad\ufffd.txt"
    assert skipped_line(result, shown) == "the name is not valid UTF-8; rename the file"
    assert_seed_searchable(run, workspace)


def test_hidden_files_and_links_are_listed_never_dropped(run, workspace: Settings,
                                                         tmp_path: Path) -> None:  # fmt: skip
    corpus = workspace.corpus_dir
    add(workspace, "..x.txt", REMARKS.format(amount="1.000 kr."))
    (corpus / "gone.txt").symlink_to(corpus / "nowhere.txt")
    outside = tmp_path / "outside.txt"
    outside.write_text(REMARKS.format(amount="1.000 kr."), encoding="utf-8")
    (corpus / "outside.txt").symlink_to(outside)
    (corpus / "outside.toml").write_text(meta(), encoding="utf-8")
    (corpus / "secrets").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(corpus / "pipe.txt")

    result = index(run, workspace)

    assert f"ignored {corpus / '..x.txt'}: hidden file, not read" in result.stderr
    assert skipped_line(result, corpus / "gone.txt") == "broken symbolic link (its target is gone)"
    assert skipped_line(result, corpus / "outside.txt") == (
        f"symbolic link to {outside}, outside the corpus folder; refused"
    )
    assert skipped_line(result, corpus / "secrets").startswith(
        f"symbolic link to {tmp_path}, outside"
    )
    assert skipped_line(result, corpus / "pipe.txt") == "not a regular file (a pipe or device?)"
    assert documents(workspace) == [SEED_DOC]
    assert_seed_searchable(run, workspace)
    # an unchanged corpus is a no-op, and still lists what it ignored
    again = index(run, workspace)
    assert f"ignored {corpus / '..x.txt'}: hidden file, not read" in again.stderr


# -- text that would exhaust the parser or the analyser ----------------------------------------


def test_two_megabyte_paragraph_is_refused_quickly(run, workspace: Settings) -> None:
    paragraph = "\n".join(["Budgettet dækker borgerbetjening og pas i kommunen og"] * 38_000)
    bad = add(workspace, "lang.txt", REMARKS.format(amount="1.000 kr.") + "\n" + paragraph)
    assert bad.stat().st_size > 2_000_000
    result = index(run, workspace, BUDGET_SEARCH_PARSE_SECONDS="60")
    assert skipped_line(result, bad) == (
        "line 10: a paragraph of more than 100,000 characters (the limit) starts here; is the "
        "file text at all? Break it up with blank lines"
    )
    assert_seed_searchable(run, workspace)


@pytest.mark.slow
def test_2100_letter_word_is_indexed_with_a_warning(run, workspace: Settings) -> None:
    text = REMARKS.format(amount="1.000 kr.") + "\nOrdet " + "tid" * 700 + " står her.\n"
    doc = add(workspace, "holbaek.txt", text)
    result = index(run, workspace)
    assert f"warning: {doc}:10: a 2,100-character word (over 100); indexed whole" in result.stderr
    assert documents(workspace) == ["holbaek", SEED_DOC]
    assert_seed_searchable(run, workspace)
    hits = run("search", "pas kørekort Holbæk", "--mode", "keyword", "--json",
               "--index-dir", str(workspace.index_dir))  # fmt: skip
    assert json.loads(hits.stdout)["results"][0]["document"] == "holbaek"


def test_amount_beyond_any_budget_is_reported_not_indexed(run, workspace: Settings) -> None:
    doc = add(workspace, "holbaek.txt",
              REMARKS.format(amount="999.999.999.999.999 mia. kr.")
              + "Et tillæg på 999.999.999.999.999.999 kr. er en tastefejl.\n")  # fmt: skip
    result = index(run, workspace)
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: ")]
    assert f"warning: {doc}:5: amount '999.999.999.999.999 mia. kr.' is beyond any budget; " \
           "not read" in warnings  # fmt: skip
    assert any(f"{doc}:9: amount '999.999.999.999.999.999 kr.' is beyond" in w for w in warnings)
    areas = json.loads(run("areas", "--json", "--index-dir", str(workspace.index_dir)).stdout)[
        "areas"]
    [holbaek] = [a for a in areas if a["document"] == "holbaek"]
    assert (holbaek["area"], holbaek["amount_kr"]) == ("Borgerservice", None)
    assert_seed_searchable(run, workspace)


# -- the index folder ------------------------------------------------------------------------


def test_disk_full_is_one_line_and_keeps_the_previous_index(
    workspace: Settings, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.current_generation(workspace.index_dir)
    add(workspace, "holbaek.txt", REMARKS.format(amount="1.000 kr."))

    def full(*args: object, **kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "vectors.npy")

    with monkeypatch.context() as m:
        m.setattr(np, "save", full)
        with pytest.raises(BuildError, match=r"^no space left for the index at .*; the previous "
                           r"index is still in use; free some space"):  # fmt: skip
            build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    assert store.current_generation(workspace.index_dir) == before
    assert [g.name for g in (workspace.index_dir / store.GENERATIONS).iterdir()] == [before.name]
    # space again: the next build completes, and cleanup keeps what is complete
    build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    assert documents(workspace) == ["holbaek", SEED_DOC]


def test_read_only_index_folder_is_one_line(run, workspace: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    def read_only(*args: object, **kw: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(workspace.index_dir))

    add(workspace, "holbaek.txt", REMARKS.format(amount="1.000 kr."))
    monkeypatch.setattr(Path, "mkdir", read_only)
    result = run("index", "--corpus", str(workspace.corpus_dir), "--index-dir",
                 str(workspace.index_dir), "--quiet")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: cannot write the index folder {workspace.index_dir} (Read-only file system); "
        "choose a writable one with --index-dir or BUDGET_SEARCH_INDEX"
    )


def test_cleanup_never_deletes_the_last_complete_generation(workspace: Settings, encoder) -> None:
    root = workspace.index_dir / store.GENERATIONS
    complete = store.current_generation(workspace.index_dir)
    # a newer generation that has a manifest but lost its vectors (a full disk, a crash)
    half = root / "29991231T235959000000"
    shutil.copytree(complete, half)
    (half / "vectors.npy").write_bytes(b"\x93NUMPY")
    assert generations.is_complete(complete) and not generations.is_complete(half)
    generations.publish(workspace.index_dir, complete)
    generations.prune(workspace.index_dir, keep=1)
    assert sorted(p.name for p in root.iterdir()) == [complete.name]


class Killed(BaseException):
    """A build stopped where it stood (SIGKILL, power loss): no cleanup runs."""


@pytest.mark.parametrize("kill_at", ["write_keyword", "write_sources"])
def test_a_generation_killed_midway_is_not_complete_and_is_pruned(
    workspace: Settings, encoder, monkeypatch: pytest.MonkeyPatch, kill_at: str
) -> None:
    """Completeness is marked last (`store.COMPLETE`): a build killed after it wrote its manifest,
    vectors and passages, and one copied with every file but the mark, are unfinished;
    prune keeps the last complete generations, not those newer ones."""
    from index.building import nochange

    root = workspace.index_dir / store.GENERATIONS
    newest = store.current_generation(workspace.index_dir)
    older = root / "19990101T000000000000"  # a complete generation from before
    shutil.copytree(newest, older)
    assert (newest / store.COMPLETE).is_file()
    assert generations.is_complete(newest) and generations.is_complete(older)
    # every file of a complete generation, but no mark (a copy or a build stopped at the end)
    unmarked = root / "29991231T235959000000"
    shutil.copytree(newest, unmarked)
    (unmarked / store.COMPLETE).unlink()
    assert not generations.is_complete(unmarked)

    add(workspace, "holbaek.txt", REMARKS.format(amount="1.000 kr."))
    owner = store if kill_at == "write_keyword" else nochange

    def kill(*args: object, **kw: object) -> None:
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(owner, kill_at, kill)
        with pytest.raises(Killed):
            build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    killed = [g for g in root.iterdir() if g not in (newest, older, unmarked)]
    assert len(killed) == 1 and (killed[0] / store.MANIFEST).is_file()  # written, not marked
    assert not generations.is_complete(killed[0])
    assert store.current_generation(workspace.index_dir) == newest
    generations.prune(workspace.index_dir, keep=2)
    assert sorted(p.name for p in root.iterdir()) == sorted([older.name, newest.name])

    build_index(workspace, encoder_factory=lambda: encoder, progress=False)  # the next one ends
    assert documents(workspace) == ["holbaek", SEED_DOC]
    assert generations.is_complete(store.current_generation(workspace.index_dir))


def test_the_current_generation_of_an_index_built_before_the_mark_is_kept(
    workspace: Settings, encoder
) -> None:
    """A generation published before there was a mark is marked when the next one is published,
    so the upgrade's first build keeps it (readers may still hold it)."""
    before = store.current_generation(workspace.index_dir)
    (before / store.COMPLETE).unlink()
    add(workspace, "holbaek.txt", REMARKS.format(amount="1.000 kr."))
    build_index(workspace, encoder_factory=lambda: encoder, progress=False)
    after = store.current_generation(workspace.index_dir)
    assert after != before and generations.is_complete(before) and generations.is_complete(after)
    assert {p.name for p in (workspace.index_dir / store.GENERATIONS).iterdir()} == {
        before.name, after.name}


# -- amounts: exact, or a warning --------------------------------------------------------------

LAYOUTS = """Bemærkninger - Økonomiudvalget

Budgetbemærkningerne beskriver Holbæk Kommunes rammer for budgetlægningen og den
borgerinddragelse, der er gået forud for budgetaftalen.

Borgerservice

Samlet nettobudget for området: 50\u00a0190\u00a0100 kr.

Budgetgrundlag
Budgettet dækker borgerbetjening, pas og kørekort.

Digitalisering

Samlet nettobudget for området: 12.500.000,- kr.

Budgetgrundlag
Budgettet dækker it-drift og licenser.

Ejendomme

Samlet nettobudget for området: 8.000.000 kr. (2023: 7.500.000 kr.)

Budgetgrundlag
Budgettet dækker vedligeholdelse af rådhuset.

Jobcenter

Samlet nettobudget for området: 2.000.000 kr.

Budgetgrundlag
Første del af jobcentrets budget.

Jobcenter

Samlet nettobudget for området: 4.000.000 kr.

Budgetgrundlag
Anden del af jobcentrets budget.

Beredskab

Beredskabet sikrer brandslukning og redning i hele kommunen døgnet rundt.

Samlet nettobudget for området: 3.000.000 kr.

Kantine

Samlet nettobudget: 2 mio. kr., heraf 1 mio. kr. til løn

Budgetgrundlag
Kantinen drives af kommunen.
"""


def line_of(text: str, start: str, nth: int = 1) -> int:
    numbers = [n for n, ln in enumerate(text.split("\n"), 1) if ln.startswith(start)]
    return numbers[nth - 1]


def test_amounts_are_exact_or_reported_per_file_and_line(run, workspace: Settings) -> None:
    doc = add(workspace, "holbaek.txt", LAYOUTS)
    result = index(run, workspace)

    areas = json.loads(run("areas", "--json", "--index-dir", str(workspace.index_dir)).stdout)[
        "areas"]
    assert [(a["area"], a["amount_kr"]) for a in areas if a["document"] == "holbaek"] == [
        ("Indledning", None),  # the preamble: its own section, searchable
        ("Borgerservice", 50_190_100),  # no-break spaces between the digit groups
        ("Digitalisering", 12_500_000),  # ",-": whole kroner
        ("Ejendomme", 8_000_000),  # not the previous year's figure in brackets
        ("Jobcenter", 2_000_000),  # the same title twice: two areas
        ("Jobcenter (2)", 4_000_000),
        ("Beredskab", 3_000_000),  # title, paragraph, then its amount: its own area
        ("Kantine", None),  # two amounts on the line: reported, not guessed
    ]
    twice, kantine = line_of(LAYOUTS, "Jobcenter", 2), line_of(LAYOUTS, "Samlet nettobudget: 2")
    expected = [
        f"warning: {doc}:{twice}: area title 'Jobcenter' also at line "
        f"{line_of(LAYOUTS, 'Jobcenter')}; indexed as 'Jobcenter (2)'",
        f"warning: {doc}:{kantine}: net budget line gives several amounts (2.000.000 kr., "
        "1.000.000 kr.); none taken",
        f"warning: {doc}:{kantine - 2}: area 'Kantine' states no net budget",
    ]
    for line in expected:
        assert line in result.stderr.splitlines()
    # what each document gave, and how its areas were recognised
    assert "  holbaek.txt: 8 areas, 6 with an amount (title, then net budget line; title, " \
           "paragraph, then net budget line)" in result.stderr.splitlines()  # fmt: skip
    assert f"  {SEED_DOC}.txt: 17 areas, 17 with an amount (title, then net budget line)" \
           in result.stderr.splitlines()  # fmt: skip
    # `areas` prints them too, from the index and from the corpus
    from_index = run("areas", "--index-dir", str(workspace.index_dir))
    from_corpus = run("areas", "--corpus", str(workspace.corpus_dir))
    for line in expected:
        assert line in from_index.stderr.splitlines()
        assert line in from_corpus.stderr.splitlines()
    assert "i alt, 25 områder" in from_index.stdout  # 17 + 8
    assert "540.133.900 kr." in from_index.stdout  # 460.443.800 + 79.690.100

    hits = run("search", "borgerinddragelse", "--mode", "keyword", "--json",
               "--index-dir", str(workspace.index_dir))  # fmt: skip
    top = json.loads(hits.stdout)["results"][0]
    assert (top["document"], top["area"], top["section"]) == ("holbaek", "Indledning", "Indledning")
    hits = run("search", "brandslukning", "--mode", "keyword", "--json",
               "--index-dir", str(workspace.index_dir))  # fmt: skip
    top = json.loads(hits.stdout)["results"][0]
    assert (top["area"], top["amount_kr"]) == ("Beredskab", 3_000_000)
    assert_seed_searchable(run, workspace)
