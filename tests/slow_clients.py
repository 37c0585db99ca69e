"""Slow clients, as an attacker runs them: `count` connections, half of which send a request's
first line and then one header line every few seconds, never finishing it, and half a whole
header announcing a 16 KB body that they then send 8 bytes at a time. An answer (a 408, a 429)
is read and ignored: a client keeps dribbling until the server closes its connection, and then
opens a new one at once. Stops by itself after `seconds`, then prints one JSON line: how many
connections it opened, how many the server closed, how many got an answer, the most it held
open at once and how many could not be opened.

    python tests/slow_clients.py HOST PORT COUNT SECONDS [PATH]

Loopback only (the test's own servers), from SOURCE (127.0.0.2: one address, not the test's
own 127.0.0.1, as an attacker is not the people it locks out). One process, one selector:
thousands of sockets cost no thread each. Run it as a separate process, so that its work does
not slow the test's probes.
"""

from __future__ import annotations

import errno
import json
import random
import resource
import selectors
import socket
import sys
import time

#: Seconds between two header lines of one connection (a client that is never silent long).
DRIBBLE = (1.0, 3.0)
#: The attacker's one address: on Linux all of 127.0.0.0/8 is the loopback.
SOURCE = "127.0.0.2"


def raise_open_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def run(host: str, port: int, count: int, seconds: float, path: str = "/") -> dict[str, int]:
    assert host == "127.0.0.1", "loopback only"
    raise_open_files(count + 64)
    sel = selectors.DefaultSelector()
    due: dict[socket.socket, float] = {}  # the next header line's time, per open connection
    body_mode: set[socket.socket] = set()
    stats = {"opened": 0, "closed_by_server": 0, "answered": 0, "failed": 0, "peak": 0,
             "lines": 0}  # fmt: skip
    header = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: slow\r\n".encode()
    body = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: slow\r\n"
            "Content-Type: text/plain\r\nContent-Length: 16000\r\n\r\n").encode()  # fmt: skip
    end = time.monotonic() + seconds

    def open_one() -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((SOURCE, 0))
        err = s.connect_ex((host, port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            stats["failed"] += 1
            return
        sel.register(s, selectors.EVENT_WRITE)
        due[s] = -1.0  # the first line goes once the connection is up
        if stats["opened"] % 2:
            body_mode.add(s)
        stats["opened"] += 1

    def close(s: socket.socket, by_server: bool) -> None:
        sel.unregister(s)
        due.pop(s, None)
        body_mode.discard(s)
        s.close()
        stats["closed_by_server"] += by_server

    while time.monotonic() < end:
        while len(due) < count and time.monotonic() < end:
            try:
                open_one()
            except OSError:  # out of descriptors or ports: try again on the next round
                stats["failed"] += 1
                break
        stats["peak"] = max(stats["peak"], len(due))
        for key, events in sel.select(timeout=0.2):
            s = key.fileobj
            assert isinstance(s, socket.socket)
            if events & selectors.EVENT_WRITE:  # connected (or refused)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    close(s, by_server=True)
                    continue
                try:
                    s.send(body if s in body_mode else header)
                except OSError:
                    close(s, by_server=True)
                    continue
                sel.modify(s, selectors.EVENT_READ)
                due[s] = time.monotonic() + random.uniform(*DRIBBLE)
            elif events & selectors.EVENT_READ:  # an answer (read, ignored) or the close
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if data:
                    stats["answered"] += 1
                else:
                    close(s, by_server=True)
        now = time.monotonic()
        for s, when in list(due.items()):
            if 0 <= when <= now:
                line = b"x" * 8 if s in body_mode else f"X-Slow-{stats['lines']}: x\r\n".encode()
                try:
                    s.send(line)
                    stats["lines"] += 1
                    due[s] = now + random.uniform(*DRIBBLE)
                except OSError:
                    close(s, by_server=True)
    for s in list(due):
        close(s, by_server=False)
    return stats


def main(argv: list[str]) -> None:
    host, port, count, seconds = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    path = argv[4] if len(argv) > 4 else "/"
    print(json.dumps(run(host, port, count, seconds, path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
