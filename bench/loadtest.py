"""A bounded load test of `budget-search serve` on loopback: requests/s, latency, errors.

    .venv/bin/python bench/loadtest.py [--index-dir var/index] [--seconds 30] [--levels 8,32]

Starts the real server (`budget-search serve`, waitress, the model loaded and warmed) in its own
process on a free port of 127.0.0.1, waits until it answers, then for each concurrency level runs
that many client threads for a fixed time, each on its own keep-alive connection, cycling
through a mix of JSON searches in every mode plus HTML pages; a quarter of the model queries get
a unique suffix, so they miss the encoder's query cache and are embedded afresh. An error is any
status other than 200 or any connection failure. Prints one Markdown table row per level (and
--json for a file).
Loopback only: the host is fixed, nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

#: (query, mode): keyword, semantic and hybrid, plain words, phrases, exclusions, typos, English.
QUERIES: list[tuple[str, str]] = [
    ("MitID", "keyword"),
    ("budget Borgerservice", "keyword"),
    ('"pas og kørekort"', "keyword"),
    ("DUT -Barnets", "keyword"),
    ("borgersevice", "keyword"),
    ("brandhaner", "keyword"),
    ("Hvad koster brandvæsenet?", "semantic"),
    ("fire department budget", "semantic"),
    ("hjemløshed", "semantic"),
    ("IT budget", "hybrid"),
    ("Børn- og Familieområdet", "hybrid"),
    ("MitID", "hybrid"),
    ("Hvad koster brandvæsenet?", "hybrid"),
    ("robotter i ældreplejen", "hybrid"),
]
#: Every tenth request is a page a person would load rather than the API.
PAGES = ["/?q=MitID", "/areas", "/?q=brandv%C3%A6sen&mode=keyword"]


def urls() -> list[str]:
    out = [f"/api/search?{urlencode({'mode': m, 'q': q})}" for q, m in QUERIES]  # q last
    mixed: list[str] = []
    for i, url in enumerate(out * 3):
        mixed.append(url)
        if i % 9 == 8:
            mixed.append(PAGES[(i // 9) % len(PAGES)])
    return mixed


@dataclass
class Level:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0

    def row(self) -> str:
        return (
            f"| {self.clients} | {self.seconds:.0f} | {self.requests} | {self.rps:.1f} "
            f"| {self.p50_ms:.0f} | {self.p95_ms:.0f} | {self.p99_ms:.0f} | {self.max_ms:.0f} "
            f"| {self.errors} |"
        )


HEADER = (
    "| clients | seconds | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(index_dir: Path, port: int, threads: int, log: Any) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).parent / "budget-search"
    cmd = [str(script), "serve", "--host", HOST, "--port", str(port), "--threads", str(threads),
           "--index-dir", str(index_dir)]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


def run_level(port: int, clients: int, seconds: float) -> Level:
    mix = urls()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[dict[str, int]] = [{} for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        i = n * 7  # each client starts at a different place in the mix
        start.wait()
        while time.monotonic() < stop_at[0]:
            url = mix[i % len(mix)]
            if i % 4 == 0 and "mode=keyword" not in url and url.startswith("/api/"):
                url += f"+{i}"  # q comes last: a text the query cache has not seen
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", url)
                resp = conn.getresponse()
                resp.read()
                ok, kind = resp.status == 200, f"HTTP {resp.status}"
            except (OSError, http.client.HTTPException) as exc:
                ok, kind = False, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            latencies[n].append((time.perf_counter() - t0) * 1000)
            if not ok:
                errors[n][kind] = errors[n].get(kind, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.wait()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - began
    all_ms = sorted(ms for per in latencies for ms in per)
    level = Level(clients=clients, seconds=elapsed, requests=len(all_ms))
    for per in errors:
        for kind, count in per.items():
            level.error_kinds[kind] = level.error_kinds.get(kind, 0) + count
    level.errors = sum(level.error_kinds.values())
    if all_ms:
        q = statistics.quantiles(all_ms, n=100, method="inclusive")
        level.rps = len(all_ms) / elapsed
        level.p50_ms, level.p95_ms, level.p99_ms = q[49], q[94], q[98]
        level.max_ms = all_ms[-1]
    return level


def main(argv: list[str] | None = None) -> int:
    from index.config import load_settings

    default_index = load_settings().index_dir
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, default=default_index)
    ap.add_argument("--seconds", type=float, default=30.0, help="per level (default 30)")
    ap.add_argument("--levels", default="8,32", help="concurrent clients, comma-separated")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads (serve's default)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of traffic before each")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    index_dir = args.index_dir if args.index_dir.is_absolute() else ROOT / args.index_dir
    if not (index_dir / "current").exists():
        print(f"no index at {index_dir}: run `budget-search index` first", file=sys.stderr)
        return 2
    levels = [int(x) for x in args.levels.split(",") if x.strip()]

    port = free_port()
    started = time.monotonic()
    log = tempfile.TemporaryFile()
    proc = start_server(index_dir, port, args.threads, log)
    try:
        wait_ready(proc, port, timeout=300)
        print(f"server ready in {time.monotonic() - started:.1f} s on http://{HOST}:{port}/ "
              f"({args.threads} waitress threads, {os.cpu_count()} CPUs, "
              f"{platform.processor() or platform.machine()})", file=sys.stderr)  # fmt: skip
        results = []
        for clients in levels:
            if args.warmup > 0:
                run_level(port, clients, args.warmup)
            level = run_level(port, clients, args.seconds)
            results.append(level)
            print(f"{clients} clients: {level.rps:.1f} req/s, p50 {level.p50_ms:.0f} ms, "
                  f"p95 {level.p95_ms:.0f} ms, {level.errors} errors {level.error_kinds or ''}",
                  file=sys.stderr)  # fmt: skip
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        server_log = log.read().decode("utf-8", "replace").splitlines()
        log.close()
        queued = sum("Task queue depth" in ln for ln in server_log)
        others = [ln for ln in server_log if "Task queue depth" not in ln]
        print(f"server log: {queued} waitress queue-depth warnings; last lines:", file=sys.stderr)
        for ln in others[-5:]:
            print(f"  {ln}", file=sys.stderr)
    print(HEADER)
    for level in results:
        print(level.row())
    mix = urls()
    print(f"\nmix: {len(QUERIES)} searches (keyword, semantic, hybrid) and {len(PAGES)} pages, "
          f"{len(mix)} requests a cycle; server alive at the end: {alive}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
    return 0 if alive and not any(r.errors for r in results) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
