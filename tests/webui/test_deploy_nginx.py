"""The shipped deployment, for real: deploy/nginx.conf in front of two `budget-search serve`
replicas that share one index folder, served under /budgetsoeg/.

nginx (the Debian package; `make test` installs it) runs as a child process on a free port with
the shipped config, its ports and paths rewritten for a temporary folder; the replicas are the
real console script with `--trusted-proxies 1`. Checks: every link of a walk through search,
area page, CSV, JSON and passage permalink carries the prefix; forged headers change nothing;
nginx's request id reaches the replica's JSON log; both replicas answer; /metrics is private;
a re-index under load through nginx loses no request and moves both replicas.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from index.building import store
from index.building.build import build_index
from index.config import Settings
from traffic import NEW_DOC, OLD_DOC, Traffic, add_seed_document

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "/budgetsoeg"
START_TIMEOUT = 300.0  # a replica loads the model before it listens (slow on a busy machine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    assert found, "nginx is not installed (make test-setup installs the Debian package)"
    return found


def site_config(nginx_port: int, replica_ports: list[int]) -> str:
    """deploy/nginx.conf with the test's ports (its directives otherwise exactly as shipped)."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.findall(r"^\s*server 127\.0\.0\.1:\d+ ", text, flags=re.M)
    assert len(upstream) == len(replica_ports) == 2, upstream
    for line, port in zip(upstream, replica_ports, strict=True):
        text = text.replace(line, re.sub(r":\d+ ", f":{port} ", line), 1)
    text, n = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{nginx_port};", text, flags=re.M)
    assert n == 1
    return text


def main_config(folder: Path, site: Path) -> str:
    """A minimal nginx.conf around the site: everything it writes stays in `folder`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp folder
    temps = "\n".join(f"    {kind}_temp_path {folder / kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    return f"""{user}worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder / "access.log"};
{temps}
    include {site};
}}
"""


@dataclass
class Replica:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out


@dataclass
class Stack:
    port: int  # nginx
    replicas: list[Replica]
    settings: Settings
    folder: Path


def start_replica(settings: Settings, folder: Path, n: int) -> Replica:
    port = free_port()
    log = folder / f"replica-{n}.log"
    script = Path(sys.executable).parent / "budget-search"
    cmd = [str(script), "serve", "--port", str(port), "--threads", "4", "--trusted-proxies", "1",
           "--index-dir", str(settings.index_dir)]  # fmt: skip
    env = {**os.environ, "BUDGET_SEARCH_HOME": str(settings.data_dir),
           "BUDGET_SEARCH_MODEL": settings.model}  # the session's model, wherever the cwd is
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    return Replica(port, proc, log)


def wait_until(check: Any, what: str, timeout: float, alive: list[Any] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in alive:
            if r.proc.poll() is not None:
                raise AssertionError(f"{what}: a process exited: {r.log.read_text()[-2000:]}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def request(port: int, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, bytes, http.client.HTTPMessage]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


@contextmanager
def nginx_stack(folder: Path, seed_settings: Settings, seed_path: Path,
                config: Callable[[Path, Path], str] = main_config) -> Iterator[Stack]:  # fmt: skip
    """A private corpus and index copy in `folder`, two replicas on it, nginx in front (its
    main context written by `config`); test_slow_clients.py's `front` is one too."""
    add_seed_document(folder / "corpus", seed_path, 2024, edit=False)
    shutil.copytree(seed_settings.index_dir, folder / "index", symlinks=True)
    settings = seed_settings.with_overrides(corpus_dir=folder / "corpus",
                                            index_dir=folder / "index")  # fmt: skip

    replicas = [start_replica(settings, folder, n) for n in (1, 2)]
    nginx = None
    try:
        for r in replicas:
            wait_until(lambda r=r: request(r.port, "/readyz")[0] == 200,
                       f"replica on {r.port}", START_TIMEOUT, replicas)  # fmt: skip
        port = free_port()
        site = folder / "site.conf"
        site.write_text(site_config(port, [r.port for r in replicas]), encoding="utf-8")
        conf = folder / "nginx.conf"
        conf.write_text(config(folder, site), encoding="utf-8")
        nginx = subprocess.Popen(
            [nginx_binary(), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL, stderr=open(folder / "nginx.out", "wb"),
        )  # fmt: skip

        def nginx_up() -> bool:
            assert nginx.poll() is None, (folder / "nginx.out").read_text()
            return request(port, f"{PREFIX}/healthz")[0] == 200

        wait_until(nginx_up, "nginx", 30)
        yield Stack(port, replicas, settings, folder)
    finally:
        if nginx is not None:
            stop(nginx)
        for r in replicas:
            stop(r.proc)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, seed_settings: Settings,
          seed_path: Path) -> Iterator[Stack]:  # fmt: skip
    """A private corpus and index copy, two replicas on it, nginx in front."""
    with nginx_stack(tmp_path_factory.mktemp("deploy"), seed_settings, seed_path) as s:
        yield s


# -- the walk ------------------------------------------------------------------------------

LINK = re.compile(r"""(?:href|src|action)="([^"]*)\"""")


def internal_links(html: str) -> list[str]:
    links = [unquote(u).replace("&amp;", "&") for u in LINK.findall(html)]
    return [u for u in links if not u.startswith(("#", "http:", "https:", "mailto:"))]


def assert_prefixed(html: str, where: str) -> list[str]:
    links = internal_links(html)
    assert links, where
    wrong = [u for u in links if not u.startswith(PREFIX + "/")]
    assert not wrong, (where, wrong[:5])
    return links


def test_search_area_csv_json_and_permalink_through_the_sub_path(stack: Stack) -> None:
    port = stack.port
    status, body, headers = request(port, PREFIX)
    assert status == 301 and headers["Location"] == PREFIX + "/"

    status, body, _ = request(port, f"{PREFIX}/?q=MitID")
    assert status == 200
    page = body.decode("utf-8")
    links = assert_prefixed(page, "search page")
    assert f'action="{PREFIX}/"' in page
    for static in (f"{PREFIX}/static/style.css", f"{PREFIX}/static/app.js"):
        assert static in links and request(port, static)[0] == 200

    area = next(u for u in links if u.startswith(f"{PREFIX}/area/{OLD_DOC}/borgerservice"))
    status, body, _ = request(port, area.split("#")[0])
    assert status == 200
    area_page = body.decode("utf-8")
    assert_prefixed(area_page, "area page")
    json_link = next(u for u in internal_links(area_page) if u.startswith(f"{PREFIX}/api/areas/"))
    status, body, _ = request(port, json_link)
    assert status == 200
    passages = [p for sec in json.loads(body)["sections"] for p in sec["passages"]]
    assert passages and all(p["url"].startswith(f"{PREFIX}/area/") for p in passages)

    csv_link = next(u for u in links if u.startswith(f"{PREFIX}/api/search.csv?"))
    status, body, headers = request(port, csv_link)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "MitID" in body.decode("utf-8-sig")

    json_link = next(u for u in links if u.startswith(f"{PREFIX}/api/search?"))
    status, body, _ = request(port, json_link)
    data = json.loads(body)
    assert data["total"] > 0
    for items in data["facets"].values():
        assert all(i["toggle_url"].startswith(PREFIX + "/") for i in items)
    pid = data["results"][0]["id"]

    status, _, headers = request(port, f"{PREFIX}/passage/{pid}")
    assert status == 302
    target = headers["Location"]
    assert target.startswith(f"{PREFIX}/area/") and target.endswith(f"#p-{pid}")
    status, body, _ = request(port, target.split("#")[0])
    assert status == 200 and f'id="p-{pid}"' in body.decode("utf-8")

    status, body, _ = request(port, f"{PREFIX}/api/")
    endpoints = json.loads(body)["endpoints"]
    assert all(u.startswith(f"{PREFIX}/api/") for u in endpoints.values()), endpoints
    status, _, headers = request(port, f"{PREFIX}/api")
    assert status == 308 and headers["Location"] == f"{PREFIX}/api/"


def test_forged_headers_through_nginx_change_nothing(stack: Stack) -> None:
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Prefix": "/evil", "X-Forwarded-Proto": "gopher"}  # fmt: skip
    status, body, _ = request(stack.port, f"{PREFIX}/?q=MitID", forged)
    assert status == 200
    assert_prefixed(body.decode("utf-8"), "forged")
    status, body, headers = request(stack.port, f"{PREFIX}/api", forged)
    assert status == 308 and headers["Location"] == f"{PREFIX}/api/"
    assert b"evil" not in body


def test_request_id_from_nginx_reaches_the_replica_log(stack: Stack) -> None:
    status, _, headers = request(stack.port, f"{PREFIX}/api/search?q=Jens+Hansen&mode=keyword",
                                 {"X-Forwarded-For": "198.51.100.7"})  # fmt: skip
    assert status == 200
    rid = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid), rid  # nginx's $request_id

    def logged() -> list[dict[str, Any]]:
        return [ln for r in stack.replicas for ln in r.lines() if ln.get("request_id") == rid]

    wait_until(lambda: logged(), "the log line", 10)
    [line] = logged()
    assert line["path"] == f"{PREFIX}/api/search" and line["status"] == 200
    assert line["remote"] == "127.0.0.1"  # nginx's peer: the client's forged X-Forwarded-For...
    assert "Jens" not in json.dumps(line)  # ...and no query text without LOG_QUERIES


def test_both_replicas_answer_and_metrics_stay_private(stack: Stack) -> None:
    before = [len(r.lines()) for r in stack.replicas]
    for _ in range(12):
        assert request(stack.port, f"{PREFIX}/api/search?q=DUT&mode=keyword")[0] == 200
    after = [len(r.lines()) for r in stack.replicas]
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)

    assert request(stack.port, f"{PREFIX}/metrics")[0] == 403
    for r in stack.replicas:
        status, body, _ = request(r.port, "/metrics")
        assert status == 200 and b"budget_search_http_requests_total" in body


# -- re-index under load, two replicas -----------------------------------------------------

LIVE_URLS = [
    f"{PREFIX}/api/search?q=NemID&mode=keyword",
    f"{PREFIX}/api/search?q=MitID&mode=keyword",
    f"{PREFIX}/api/search?q=NemID&mode=hybrid",
    f"{PREFIX}/api/areas",
    f"{PREFIX}/?q=NemID",
]
CLIENTS = 6


def fingerprint(url: str, body: bytes) -> str:
    """What identifies the generation an answer came from (timings and scores left out)."""
    if "/api/" not in url:
        return str(body.count(NEW_DOC.encode()))
    data = json.loads(body)
    if "results" in data:
        return json.dumps([[r["id"], r["document"]] for r in data["results"]] + [data["total"]])
    return json.dumps([a["document"] + a["area"] for a in data["areas"]])


@pytest.mark.slow
def test_reindex_under_load_through_nginx_loses_nothing(stack: Stack, seed_path: Path,
                                                        encoder: Any) -> None:  # fmt: skip
    port = stack.port
    old = {u: fingerprint(u, request(port, u)[1]) for u in LIVE_URLS}
    with Traffic("127.0.0.1", port, LIVE_URLS, CLIENTS, timeout=60) as traffic:
        time.sleep(1.0)
        add_seed_document(stack.settings.corpus_dir, seed_path, 2025)
        report = build_index(stack.settings, encoder_factory=lambda: encoder, progress=False,
                             log=lambda m: None)  # fmt: skip
        time.sleep(2.0)
    records = traffic.records

    assert report.documents == 2
    generation = (stack.settings.index_dir / store.CURRENT).resolve().name
    for r in stack.replicas:  # both moved, each asked directly
        status, body, _ = request(r.port, "/readyz")
        ready = json.loads(body)
        assert status == 200 and ready["generation"] == generation and ready["documents"] == 2
    new = {u: fingerprint(u, request(port, u)[1]) for u in LIVE_URLS}
    assert new[LIVE_URLS[0]] != old[LIVE_URLS[0]] and NEW_DOC in new[LIVE_URLS[0]]

    failed = [(u, s, b[:200] if isinstance(b, bytes) else b) for _, u, s, b in records if s != 200]
    assert not failed, failed[:5]
    assert len(records) >= 50, len(records)
    mixed = [u for _, u, _, b in records if fingerprint(u, b) not in (old[u], new[u])]  # type: ignore[arg-type]
    assert not mixed, mixed[:5]
    counts = [sum(1 for ln in r.lines() if ln.get("logger") == "budget_search.access")
              for r in stack.replicas]  # fmt: skip
    assert all(c > 10 for c in counts), counts  # the load went to both
