"""Hardening: a rebuild under live traffic, `serve` on a broken index, and the web's edges.

- Reindex while serving: waitress on loopback, eight clients for a few seconds while a rebuild
  writes and swaps in a new generation: 0 failed requests, every answer wholly old or wholly new.
- `serve` refuses a missing, partial or corrupt index, or one built with another model: exit 2,
  one line, with the rebuild hint; it never starts serving wrong results.
- Web edges not covered in test_pages.py and test_api.py: headers on every kind of response
  (errors, redirects, CSV, HEAD), oversized requests, traversal through the raw socket, no
  debug, read-only routes.
"""

from __future__ import annotations

import http.client
import json
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from click.testing import CliRunner

from index.building import generations, store
from index.building.build import build_index
from index.config import Settings
from search.engine import Engine
from traffic import NEW_DOC, OLD_DOC, Traffic, add_seed_document
from webui import CSP, SECURITY_HEADERS, WAITRESS_LIMITS, create_app

ROOT = Path(__file__).resolve().parents[2]


# -- helpers -------------------------------------------------------------------------------


@contextmanager
def serving(app: Any, threads: int = 8, **limits: Any) -> Iterator[tuple[str, int]]:
    """The app on waitress as `serve` sets it up (webui.server: limits, channel, error headers),
    in a background thread, on a free port of 127.0.0.1."""
    from webui import server as ws

    srv = ws.bind("127.0.0.1", 0, threads=threads, **limits)
    ws.listen(srv, app)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", int(srv.effective_port)
    finally:
        stop_server(srv, thread)


def stop_server(srv: Any, thread: threading.Thread) -> None:
    """Close every socket from inside the server's own loop, which then ends by itself.

    The trigger may be closed already (it once was here: `OSError: [Errno 9] Bad file
    descriptor` from pull_trigger): then the loop is ending or gone, and the rest is closed from
    this thread. Never raises: a teardown must not turn a passing test into an error.
    """
    from waitress import wasyncore

    from webui import server as ws

    try:
        srv.trigger.pull_trigger(lambda: wasyncore.close_all(srv._map))
    except OSError:
        pass
    thread.join(timeout=5)
    try:
        ws.close(srv)
    except OSError:
        pass


def get(host: str, port: int, path: str) -> tuple[int, bytes, http.client.HTTPMessage]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


def raw(host: str, port: int, request: bytes) -> bytes:
    """Send bytes exactly as given (no client-side path normalising) and read the answer.

    A server may answer (413, 431) and hang up before an oversized request is all sent.
    """
    chunks = []
    with socket.create_connection((host, port), timeout=30) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b"\r\n", 1)[0].split(b" ")[1])


# -- reindex while serving -------------------------------------------------------------------

#: What the clients ask, over and over: NemID exists only in the new document.
LIVE_URLS = [
    "/api/search?q=NemID&mode=keyword",
    "/api/search?q=MitID&mode=keyword",
    "/api/search?q=budget&mode=keyword&k=20",
    "/api/search?q=NemID&mode=hybrid",
    "/api/areas",
]
CLIENTS = 8
MAX_SECONDS = 60.0  # a hard bound on the whole concurrent phase, whatever the build takes


def normalised(path: str, body: bytes) -> str:
    """The part of an answer that identifies the index it came from (timings left out)."""
    data = json.loads(body)
    if "took_ms" in data:
        data.pop("took_ms")
        if "mode=hybrid" in path:  # float scores: compare the ranking and counts exactly
            data = {"total": data["total"], "ids": [r["id"] for r in data["results"]],
                    "years": sorted({r["year"] for r in data["results"]})}  # fmt: skip
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


@pytest.mark.slow
def test_reindex_while_serving_is_invisible_to_clients(workspace: Settings, seed_path: Path,
                                                        encoder: Any) -> None:  # fmt: skip
    engine = Engine(workspace.index_dir, lambda: encoder)
    app = create_app({"ENGINE": engine})
    with serving(app, threads=CLIENTS) as (host, port):
        old = {u: normalised(u, get(host, port, u)[1]) for u in LIVE_URLS}
        with Traffic(host, port, LIVE_URLS, CLIENTS, seconds=MAX_SECONDS) as traffic:
            time.sleep(1.0)  # traffic on the old index first
            add_seed_document(workspace.corpus_dir, seed_path, 2025)
            build_started = time.monotonic()
            report = build_index(workspace, encoder_factory=lambda: encoder, progress=False,
                                 log=lambda m: None)  # fmt: skip
            swapped = time.monotonic()
            time.sleep(1.5)  # and on the new one after the swap
        records = traffic.records
        new = {u: normalised(u, get(host, port, u)[1]) for u in LIVE_URLS}

    assert not report.up_to_date and report.documents == 2
    assert (workspace.index_dir / store.CURRENT).resolve() == report.generation
    for url in ("/api/search?q=NemID&mode=keyword", "/api/search?q=NemID&mode=hybrid",
                "/api/areas"):  # fmt: skip
        assert old[url] != new[url], url
    assert json.loads(new["/api/areas"])["count"] == 2 * json.loads(old["/api/areas"])["count"]
    assert NEW_DOC in new["/api/search?q=NemID&mode=keyword"]
    assert NEW_DOC not in old["/api/search?q=NemID&mode=keyword"]

    failed = [(url, status, body) for _, url, status, body in records if status != 200]
    assert not failed, failed[:5]
    assert len(records) >= 50, len(records)
    mixed = []
    seen = {"old": 0, "new": 0}
    for at, url, _, body in records:
        got = normalised(url, body)  # type: ignore[arg-type]
        if got == old[url]:
            seen["old"] += 1
            assert at <= swapped + 2.0 or old[url] == new[url], f"stale answer after swap: {url}"
        elif got == new[url]:
            seen["new"] += 1
            assert at >= build_started, f"new answer before the build: {url}"
        else:
            mixed.append((url, got[:300]))
    assert not mixed, mixed[:3]
    assert seen["old"] and seen["new"], seen


# -- serve on a broken index --------------------------------------------------------------------


def _gen(settings: Settings) -> Path:
    return (settings.index_dir / store.CURRENT).resolve()


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _mismatch_ids(gen: Path) -> None:
    path = gen / "passages.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"id": "', '"id": "x', 1), "utf-8")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated vectors": lambda g: _truncate(g / "vectors.npy"),
    "vectors of the wrong shape": lambda g: np.save(g / "vectors.npy", np.ones((3, 7), "float32")),
    "ids that do not match": _mismatch_ids,
    "truncated passages": lambda g: _truncate(g / "passages.jsonl"),
    "half-built (no manifest)": lambda g: (g / "manifest.json").unlink(),
    "corrupt manifest": lambda g: (g / "manifest.json").write_text("{", encoding="utf-8"),
    "keyword index gone": lambda g: (g / "keyword.npz").unlink(),
    "current points nowhere": lambda g: shutil.rmtree(g),
}


def refuse(args: list[str]) -> list[str]:
    """Run `serve` (waitress must never be reached) and return its non-blank output lines."""
    from webui.cli import cli

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    return [ln for ln in result.output.splitlines() if ln.strip()]


@pytest.fixture
def no_waitress(monkeypatch: pytest.MonkeyPatch) -> None:
    import webui.server

    def fail(*a: object, **k: object) -> None:
        raise AssertionError("serve started on a broken index")

    monkeypatch.setattr(webui.server, "serve", fail)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_serve_refuses_a_broken_index(workspace: Settings, no_waitress: None, damage: str) -> None:
    DAMAGE[damage](_gen(workspace))
    lines = refuse(["serve", "--index-dir", str(workspace.index_dir)])
    assert len(lines) == 1 and "budget-search index" in lines[0], lines
    assert "Traceback" not in lines[0]


def test_serve_refuses_an_index_from_another_model(workspace: Settings, no_waitress: None,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   encoder: Any) -> None:  # fmt: skip
    import index.embedding.embed

    monkeypatch.setattr(index.embedding.embed, "load_encoder", lambda settings: encoder)
    path = _gen(workspace) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model_id"] = "some-other-model@1"
    path.write_text(json.dumps(data), encoding="utf-8")
    lines = refuse(["serve", "--index-dir", str(workspace.index_dir)])
    assert len(lines) == 1 and "budget-search index" in lines[0], lines
    assert "some-other-model@1" in lines[0]


def test_app_checks_the_model_even_without_warm_up(
    workspace: Settings, encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.embedding.embed

    monkeypatch.setattr(index.embedding.embed, "load_encoder", lambda settings: encoder)
    path = _gen(workspace) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model_id"] = "some-other-model@1"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(store.IndexNotReady, match="some-other-model@1"):
        create_app({"SETTINGS": workspace, "WARM_UP": False})


def test_serve_passes_waitress_its_limits(
    seed_settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webui
    import webui.server
    from webui.cli import cli

    calls: dict[str, Any] = {}
    real = webui.create_app
    monkeypatch.setattr(webui, "create_app", lambda config: real({"ENGINE": engine}))
    monkeypatch.setattr(webui.server, "serve", lambda srv, app, **kw: calls.update(srv=srv))
    result = CliRunner().invoke(cli, ["serve", "--port", str(free_port()),
                                      "--index-dir", str(seed_settings.index_dir)])  # fmt: skip
    assert result.exit_code == 0, result.output
    adj = calls["srv"].adj
    assert adj.max_request_body_size <= 64 * 1024
    assert adj.connection_limit >= 500 and adj.asyncore_use_poll  # slow clients cost a socket
    assert adj.channel_timeout <= 60 and adj.cleanup_interval <= 10
    assert calls["srv"].effective_host == "127.0.0.1"
    assert calls["srv"].channel_class.error_task_class is webui.server.SecureErrorTask


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_command_exits_2_on_a_truncated_vector_file(workspace: Settings) -> None:
    """The real console script, in its own process: it exits, it does not listen."""
    _truncate(_gen(workspace) / "vectors.npy")
    script = Path(sys.executable).parent / "budget-search"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.run(
        [str(script), "serve", "--port", str(port), "--index-dir", str(workspace.index_dir)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "vectors.npy" in lines[0] and "budget-search index" in lines[0]
    assert proc.stdout == ""


def test_crash_mid_build_then_serve_uses_the_previous_index(
    workspace: Settings, seed_path: Path, encoder: Any
) -> None:
    """A build killed after writing part of a generation: `current` and the app are untouched."""
    before = _gen(workspace)

    class Killed(Exception):
        pass

    class Dies:
        model_id = encoder.model_id
        dim = encoder.dim

        def encode_passages(self, texts: list[str], **kw: object) -> np.ndarray:
            raise Killed

    add_seed_document(workspace.corpus_dir, seed_path, 2025)
    with pytest.raises(Killed):
        build_index(workspace, encoder_factory=Dies, progress=False, log=lambda m: None)
    # and a half-written generation beside it, as a kill during the write would leave
    half = workspace.index_dir / store.GENERATIONS / "29991231T000000000000"
    half.mkdir()
    (half / "passages.jsonl").write_text("{", encoding="utf-8")
    assert _gen(workspace) == before
    client = create_app({"SETTINGS": workspace, "WITH_MODEL": False}).test_client()
    data = client.get("/api/search?q=MitID&mode=keyword").json
    assert data["results"] and {r["document"] for r in data["results"]} == {OLD_DOC}
    assert client.get("/api/areas").json["count"] == 17


# -- web edges -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(app: Any) -> Iterator[tuple[str, int]]:
    with serving(app, threads=4) as address:
        yield address


def assert_headers(headers: Any, what: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("GET", "/?q=MitID", 200),
        ("HEAD", "/?q=MitID", 200),
        ("GET", "/api/search.csv?q=MitID&mode=keyword", 200),
        ("GET", "/api/", 200),
        ("GET", "/static/app.js", 200),
        ("GET", "/static/favicon.svg", 200),
        ("GET", "/passage/" + "0" * 4, 404),
        ("GET", "/?q=x&year=abc", 400),
        ("GET", "/api/search?q=x&k=0", 400),
        ("GET", "/?q=" + "a" * 3000, 400),
        ("POST", "/api/search", 405),
        ("DELETE", "/", 405),
        ("GET", "/static/nope.js", 404),
    ],
)
def test_security_headers_on_every_kind_of_response(app: Any, method: str, url: str,
                                                    status: int) -> None:  # fmt: skip
    resp = app.test_client().open(url, method=method)
    assert resp.status_code == status
    assert_headers(resp.headers, f"{method} {url}")


def test_security_headers_on_redirects_and_500(app: Any, engine: Engine) -> None:
    pid = engine.area_passages(OLD_DOC, "Borgerservice")[0].id
    resp = app.test_client().get(f"/passage/{pid}")
    assert resp.status_code == 302
    assert_headers(resp.headers, "redirect")

    class Broken:
        def __getattr__(self, name: str) -> Any:
            return getattr(engine, name)

        def pinned(self) -> Any:
            return self

        def search(self, *a: object, **k: object) -> None:
            raise RuntimeError("secret internals at /srv/budget")

    broken = create_app({"ENGINE": Broken()}).test_client()
    for url in ("/?q=MitID", "/api/search?q=MitID"):
        resp = broken.get(url)
        assert resp.status_code == 500
        assert_headers(resp.headers, url)
        body = resp.get_data(as_text=True)
        assert "secret" not in body and "Traceback" not in body and "/srv/" not in body


def test_debug_cannot_be_switched_on(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FLASK_ENV", "development")
    app = create_app({"ENGINE": engine, "DEBUG": True})
    assert app.debug is False and app.config["DEBUG"] is False
    assert not app.config.get("PROPAGATE_EXCEPTIONS")


def test_only_read_only_routes_exist(app: Any) -> None:
    for rule in app.url_map.iter_rules():
        assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}, rule
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == {
        "static", "pages.search", "pages.overview", "pages.area", "pages.passage", "api.index",
        "api.search", "api.search_csv", "api.areas", "api.area", "api.passage",
        "api.answer_csv", "ops.healthz", "ops.readyz", "ops.metrics",
        "api.areas_csv", "pages.document_pdf", "feed.atom",
    }  # fmt: skip


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writes_are_405_on_every_route_even_with_a_body(app: Any, method: str) -> None:
    client = app.test_client()
    for url in ("/", "/areas", "/api/", "/api/search", "/api/search.csv", "/api/areas",
                f"/area/{OLD_DOC}/borgerservice", "/static/app.js"):  # fmt: skip
        resp = client.open(url, method=method, data=b"x" * 1024)
        assert resp.status_code == 405, (method, url)
        assert resp.headers["Allow"] in ("GET, HEAD", "HEAD, GET", "GET, HEAD, OPTIONS",
                                         "HEAD, OPTIONS, GET", "OPTIONS, GET, HEAD")  # fmt: skip


def test_100_kb_query_is_a_friendly_400_over_http(live: tuple[str, int]) -> None:
    host, port = live
    q = quote("brandvæsen ") * (100_000 // 16)
    for path, kind in ((f"/?q={q}", "text/html"), (f"/api/search?q={q}", "application/json")):
        status, body, headers = get(host, port, path)
        assert status in (400, 413, 414), status
        assert headers["Content-Type"].startswith(kind)
        text = body.decode("utf-8")
        assert "for lang" in text and "Traceback" not in text
        assert len(body) < 50_000  # the query is not echoed back whole
        assert_headers(headers, path[:20])


def test_oversized_headers_and_bodies_are_refused(live: tuple[str, int]) -> None:
    host, port = live
    huge = b"GET /?q=MitID HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n"
    assert status_of(raw(host, port, huge)) in (400, 413, 431)
    body = b"x" * (WAITRESS_LIMITS["max_request_body_size"] + 1)
    req = (b"GET /api/search?q=MitID HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)  # fmt: skip
    assert status_of(raw(host, port, req)) == 413


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/..%2F..%2Fpyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/%252e%252e%252fpyproject.toml",
        "/static/..\\..\\pyproject.toml",
        "/static/..%5c..%5cpyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/....//....//pyproject.toml",
        "/static/app.js%00.txt",
        "/area/..%2f..%2fetc/passwd",
        "/area/../../etc/passwd",
        "/area/%2e%2e/%2e%2e/etc/passwd",
        "/api/areas/..%2f..%2f..%2fetc/passwd",
        "/api/passages/..%2f..%2fpyproject.toml",
        "/passage/..%2f..%2fpyproject.toml",
        "/..%2f..%2fetc/passwd",
        "/%2e%2e/%2e%2e/pyproject.toml",
        "//etc/passwd",
    ],
)
def test_no_path_traversal_on_the_wire(live: tuple[str, int], path: str) -> None:
    """Raw request lines, so no client tidies the path before the server sees it."""
    host, port = live
    answer = raw(
        host, port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    status = status_of(answer)
    if status == 308:  # werkzeug merges doubled slashes; the target must stay where it was
        location = next(ln for ln in answer.split(b"\r\n") if ln.lower().startswith(b"location:"))
        assert b".." not in location and b"/static/" in location, location
    else:
        assert status in (400, 404), (path, answer[:200])
    for secret in (b"root:", b"[project]", b"build-backend", b"def create_app"):
        assert secret not in answer, path


@pytest.mark.parametrize(
    "query",
    ["sort=../../etc/passwd", "order=../../pyproject.toml", "q=../../etc/passwd&area=../..",
     "q=x&section=%2e%2e%2f%2e%2e", "q=x&committee=/etc/passwd&municipality=..\\.."],
)  # fmt: skip
def test_no_traversal_through_parameters(app: Any, query: str) -> None:
    client = app.test_client()
    for url in ("/", "/areas", "/api/search", "/api/areas", "/api/search.csv"):
        resp = client.get(f"{url}?{query}")
        assert resp.status_code in (200, 400), (url, query, resp.status_code)
        assert b"root:" not in resp.data and b"[project]" not in resp.data


XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize("name", ["q", "area", "section", "committee", "municipality", "mode",
                                  "year", "k", "min_amount"])  # fmt: skip
def test_every_parameter_is_escaped_on_the_page(app: Any, name: str) -> None:
    params = {"q": "MitID", name: XSS}
    resp = app.test_client().get("/", query_string=params)
    page = resp.get_data(as_text=True)
    assert resp.status_code in (200, 400)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "onerror=alert(1)>" not in page.replace("&gt;", "")


def test_highlights_escape_passage_text(engine: Engine) -> None:
    """The seed has no markup; a passage that does must come back escaped, marks and all."""
    from index.building.analysis import Vocabulary
    from search.highlight import highlight

    text = "MitID <script>alert('x')</script> & <b>MitID</b>-løsning"
    out = highlight(text, {"mitid"}, Vocabulary(["mitid"]))
    assert out.count("<mark>") >= 1
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out


# -- hostile clients -----------------------------------------------------------------------

SLOW_CLIENTS = 150  # more than waitress's default connection limit of 100


def test_slow_clients_do_not_lock_out_a_normal_request(app: Any) -> None:
    """Slowloris: 150 connections that each send a request a header line at a time. A normal
    request is still answered (before the limits, the 101st connection waited in the backlog
    until the slow ones gave up). The figure goes to BENCHMARKS, not into an assertion."""
    with serving(app, threads=4) as (host, port):
        socks: list[socket.socket] = []
        try:
            for _ in range(SLOW_CLIENTS):
                s = socket.create_connection((host, port), timeout=10)
                s.sendall(b"GET /?q=MitID HTTP/1.1\r\nHost: x\r\n")
                socks.append(s)
            timings = []
            for n in range(3):
                for s in socks:  # never silent: one more header line each, every round
                    s.sendall(f"X-Slow-{n}: 1\r\n".encode())
                started = time.monotonic()
                conn = http.client.HTTPConnection(host, port, timeout=5)
                try:
                    conn.request("GET", "/api/search?q=MitID&mode=keyword")
                    resp = conn.getresponse()
                    assert resp.status == 200 and b"Borgerservice" in resp.read()
                finally:
                    conn.close()
                timings.append(time.monotonic() - started)
                time.sleep(0.5)
            print(f"normal request beside {SLOW_CLIENTS} slow connections: "
                  f"{', '.join(f'{t * 1000:.0f} ms' for t in timings)}")  # fmt: skip
        finally:
            for s in socks:
                s.close()


def test_a_dribbled_request_is_cut_at_the_deadline_a_silent_one_at_the_timeout(app: Any) -> None:
    with serving(app, threads=2, request_deadline=1.5, channel_timeout=2,
                 cleanup_interval=1) as (host, port):  # fmt: skip
        dribbler = socket.create_connection((host, port), timeout=10)
        silent = socket.create_connection((host, port), timeout=10)
        silent.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        dribbler.sendall(b"GET / HTTP/1.1\r\n")
        cut_after = None
        for n in range(40):  # a header line every 0.25 s: never silent for the channel timeout
            time.sleep(0.25)
            try:
                dribbler.sendall(f"X-{n}: 1\r\n".encode())
            except OSError:
                cut_after = time.monotonic() - started
                break
        assert cut_after is not None and cut_after < 6, cut_after
        silent.settimeout(10)
        assert silent.recv(100) == b""  # closed by the server, nothing sent
        assert time.monotonic() - started < 10
        dribbler.close()
        silent.close()
        # and an honest client on the same server is answered
        status, _, _ = get(host, port, "/healthz")
        assert status == 200


def raw_headers(answer: bytes) -> dict[str, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in head)}


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /?q=MitID HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 20000\r\n\r\n"
         + b"x" * 20_000, 413),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ],
)
def test_waitress_own_errors_carry_the_security_headers(live: tuple[str, int],
                                                        request_bytes: bytes,
                                                        status: int) -> None:  # fmt: skip
    host, port = live
    answer = raw(host, port, request_bytes)
    assert status_of(answer) == status, answer[:300]
    assert b"budget-search" in answer  # waitress's own page, not the app's
    headers = raw_headers(answer)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (status, name, headers)


@pytest.mark.parametrize("extra", ["", "X-Forwarded-Host: evil.example\r\n"])
def test_forged_host_on_the_wire_gets_a_relative_redirect(live: tuple[str, int],
                                                          extra: str) -> None:  # fmt: skip
    host, port = live
    answer = raw(host, port, f"GET /api HTTP/1.1\r\nHost: evil.example\r\n{extra}"
                             "Connection: close\r\n\r\n".encode())  # fmt: skip
    assert status_of(answer) == 308
    assert raw_headers(answer)["Location"] == "/api/"
    assert b"evil" not in answer


@pytest.mark.parametrize(
    "query, status",
    [
        ("k=5.5", 400), ("k=5,5", 400), ("k=1.000", 400), ("k=%EF%BC%95", 400), ("k=55", 200),
        ("year=2.024", 400), ("year=2024", 200),
        ("min_amount=5.5", 400), ("min_amount=80.000.000", 200),
        ("max_amount=1%C2%A0000%C2%A0000", 200),
    ],
)  # fmt: skip
def test_numbers_are_whole_numbers_never_guessed(app: Any, query: str, status: int) -> None:
    resp = app.test_client().get(f"/api/search?q=budget&mode=keyword&{query}")
    assert resp.status_code == status, (query, resp.json)
    if status == 400:
        name = query.split("=")[0]
        assert name in resp.json["error"]["message"] and "helt tal" in resp.json["error"]["message"]
    elif query == "k=55":
        assert len(resp.json["results"]) == min(55, resp.json["total"]) > 10


def test_serve_on_a_busy_port_says_so_in_one_line(seed_settings: Settings) -> None:
    script = Path(sys.executable).parent / "budget-search"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [str(script), "serve", "--port", str(port),
             "--index-dir", str(seed_settings.index_dir)],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert f"127.0.0.1:{port}" in lines[0] and "in use" in lines[0] and "--port" in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_corrupt_generation_swapped_in_while_serving_is_refused(
    workspace: Settings, encoder: Any, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The loaded generation keeps answering, the refusal is logged once and shows in /readyz
    and /metrics; the next good generation is picked up as usual."""
    engine = Engine(workspace.index_dir, lambda: encoder)
    client = create_app({"ENGINE": engine}).test_client()
    url = "/api/search?q=MitID&mode=keyword"
    before = normalised(url, client.get(url).data)
    good = _gen(workspace)
    bad = workspace.index_dir / store.GENERATIONS / "29991231T000000000000"
    shutil.copytree(good, bad)
    DAMAGE[damage](bad)
    generations.publish(workspace.index_dir, bad)
    with caplog.at_level(logging.ERROR, logger="search.engine"):
        for _ in range(3):
            resp = client.get(url)
            assert resp.status_code == 200, resp.data[:300]
            assert normalised(url, resp.data) == before
        assert client.get("/api/areas").json["count"] == 17
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and bad.name in refusals[0] and good.name in refusals[0], refusals
    ready = client.get("/readyz").json
    assert ready["generation"] == good.name and ready["current"] is False
    assert "budget_search_index_current 0.0" in client.get("/metrics").get_data(as_text=True)

    newer = workspace.index_dir / store.GENERATIONS / "29991231T000000000001"
    shutil.copytree(good, newer)
    generations.publish(workspace.index_dir, newer)
    assert client.get(url).status_code == 200
    ready = client.get("/readyz").json
    assert ready["generation"] == newer.name and ready["current"] is True
