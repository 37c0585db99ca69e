"""Throughput of one vs two `budget-search serve` replicas behind the shipped nginx config.

    .venv/bin/python bench/replicas.py [--index-dir var/index] [--seconds 30] [--clients 16]

Starts two replicas (the real console script, `--trusted-proxies 1`) on free ports of 127.0.0.1
over one index folder, then nginx (deploy/nginx.conf, its ports and paths rewritten for a
temporary folder) with one replica in the upstream, then with both; for each, and for one
replica asked directly, runs bench/loadtest.py's request mix (under /budgetsoeg/ through nginx)
with N client threads for a fixed time after a warm-up. Prints a Markdown table.
Loopback only; nginx must be installed (`make test-setup` does).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadtest  # noqa: E402

PREFIX = "/budgetsoeg"


def site_config(nginx_port: int, replica_ports: list[int]) -> str:
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.findall(r"^\s*server 127\.0\.0\.1:\d+ [^\n]*\n", text, flags=re.M)
    block = "".join(re.sub(r":\d+ ", f":{p} ", upstream[0]) for p in replica_ports)
    text = text.replace("".join(upstream), block, 1)
    return re.sub(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{nginx_port};", text, flags=re.M)


def start_nginx(folder: Path, port: int, replica_ports: list[int]) -> subprocess.Popen[bytes]:
    site = folder / "site.conf"
    site.write_text(site_config(port, replica_ports), encoding="utf-8")
    temps = "\n".join(f"    {k}_temp_path {folder / k};"
                      for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log off;\n{temps}\n    include {site};\n}}\n",
        encoding="utf-8",
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(conf), "-e",
                             str(folder / "error.log")])  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(loadtest.HOST, port, timeout=5)
            conn.request("GET", f"{PREFIX}/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("nginx did not answer")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure(port: int, clients: int, seconds: float, warmup: float, prefix: str) -> loadtest.Level:
    plain = loadtest.urls
    loadtest.urls = lambda: [prefix + u for u in plain()]  # type: ignore[assignment]
    try:
        loadtest.run_level(port, clients, warmup)
        return loadtest.run_level(port, clients, seconds)
    finally:
        loadtest.urls = plain  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    from index.config import load_settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, default=load_settings().index_dir)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--threads", type=int, default=8, help="waitress threads per replica")
    ap.add_argument("--warmup", type=float, default=3.0)
    args = ap.parse_args(argv)
    index_dir = args.index_dir if args.index_dir.is_absolute() else ROOT / args.index_dir

    folder = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    script = Path(sys.executable).parent / "budget-search"
    ports = [loadtest.free_port(), loadtest.free_port()]
    logs = [open(folder / f"replica-{i}.log", "wb") for i in (1, 2)]  # noqa: SIM115
    replicas = [subprocess.Popen([str(script), "serve", "--port", str(p), "--threads",
                                  str(args.threads), "--trusted-proxies", "1",
                                  "--index-dir", str(index_dir)],
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                for p, log in zip(ports, logs, strict=True)]  # fmt: skip
    rows = []
    try:
        for proc, port in zip(replicas, ports, strict=True):
            loadtest.wait_ready(proc, port, timeout=300)
        level = measure(ports[0], args.clients, args.seconds, args.warmup, "")
        rows.append(("1 replica, direct (no nginx)", level))
        for upstream, name in (([ports[0]], "1 replica behind nginx"),
                               (ports, "2 replicas behind nginx")):  # fmt: skip
            nginx_port = loadtest.free_port()
            nginx = start_nginx(folder, nginx_port, upstream)
            try:
                level = measure(nginx_port, args.clients, args.seconds, args.warmup, PREFIX)
            finally:
                stop(nginx)
            rows.append((name, level))
            print(f"{name}: {level.rps:.1f} req/s, p50 {level.p50_ms:.0f} ms, "
                  f"{level.errors} errors", file=sys.stderr)  # fmt: skip
    finally:
        for proc in replicas:
            stop(proc)
        for log in logs:
            log.close()
        load = os.getloadavg()
        shutil.rmtree(folder, ignore_errors=True)
    print("| setup | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, lv in rows:
        print(f"| {name} | {lv.clients} | {lv.requests} | {lv.rps:.1f} | {lv.p50_ms:.0f} "
              f"| {lv.p95_ms:.0f} | {lv.p99_ms:.0f} | {lv.errors} |")  # fmt: skip
    print(f"\n{os.cpu_count()} CPUs, {args.threads} threads per replica, {args.seconds:.0f} s "
          f"per row; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0 if not any(lv.errors for _, lv in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
