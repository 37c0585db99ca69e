"""HTTP latency and throughput: `budget-search serve` (waitress) on loopback, queried over
keep-alive connections, sequentially and by concurrent clients."""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import (  # noqa: E402
    CLIENTS,
    MODES,
    peak_rss_mb,
    queries,
    rss_mb,
    summary,
    torch_mapped,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(conn: http.client.HTTPConnection, path: str) -> float:
    t = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {resp.status}")
    return (time.perf_counter() - t) * 1000


def _path(q: str, mode: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, "mode": mode, "k": 10})


def http_bench(args: argparse.Namespace, index_dir: Path) -> dict:
    """Serve index_dir with waitress on loopback (a subprocess) and query it."""
    port = _free_port()
    code = "from webui.cli import main; main()"
    cmd = [sys.executable, "-c", code, "serve", "--host", "127.0.0.1", "--port", str(port),
           "--index-dir", str(index_dir)]  # fmt: skip
    env = {**os.environ, "BUDGET_SEARCH_HOME": str(args.data_dir), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}  # fmt: skip
    t0 = time.perf_counter()
    # stderr to a file, never an undrained pipe: the server logs a line per request, and a
    # full pipe would block it mid-request
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=log)  # fmt: skip
    try:
        while True:
            if server.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace")
                raise RuntimeError(f"server exited: {err[-2000:]}")
            try:  # ready = the first real answer (model and index loaded, one search run)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                _get(conn, _path("hvad koster brandvæsenet", "hybrid"))
                break
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("server did not start in 300 s")
        ready_s = time.perf_counter() - t0
        out: dict = {"server_ready_s": ready_s, "sequential": {}, "concurrent": {},
                     "server_rss_ready_mb": rss_mb(server.pid),
                     "server_torch_mapped": torch_mapped(server.pid)}  # fmt: skip
        n = args.queries
        for _ in range(5):
            _get(conn, _path("budget", "hybrid"))
        for m, mode in enumerate(MODES):  # sequential, one keep-alive connection
            ms = [_get(conn, _path(q, mode)) for q in queries(n, m * n)]
            out["sequential"][mode] = summary(ms)
        conn.close()
        for m, mode in enumerate(MODES):  # CLIENTS threads, each its own connection
            qs = queries(n, (3 + m) * n)
            lat: list[float] = []
            lock = threading.Lock()

            def client(part: list[str], mode: str = mode, lat: list[float] = lat,
                       lock: threading.Lock = lock) -> None:  # fmt: skip
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine = [_get(c, _path(q, mode)) for q in part]
                c.close()
                with lock:
                    lat.extend(mine)

            threads = [threading.Thread(target=client, args=(qs[i::CLIENTS],))
                       for i in range(CLIENTS)]  # fmt: skip
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t
            out["concurrent"][mode] = {**summary(lat), "throughput_qps": len(lat) / wall}
        out["server_peak_rss_mb"] = peak_rss_mb(server.pid)
        return out
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
