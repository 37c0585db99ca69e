"""What the live-reindex tests share: a second year of the seed, and clients hammering a server.

Two tests rebuild under traffic (waitress directly in test_hardening.py, two replicas behind
nginx in test_deploy_nginx.py); both need the same "2025" document and the same client loop, so
that what one proves about old-or-new answers the other proves the same way.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

SEED_META = """title = "Bemærkninger - Økonomiudvalget"
municipality = "Kalundborg Kommune"
committee = "Økonomiudvalget"
year = {year}
"""
OLD_DOC = "kalundborg/2024/oekonomiudvalget"
NEW_DOC = "kalundborg/2025/oekonomiudvalget"

# (when, url, status or None when the request failed, body or the error)
Record = tuple[float, str, "int | None", "bytes | str"]


def add_seed_document(corpus_dir: Path, seed_path: Path, year: int, edit: bool = True) -> Path:
    """The seed as kalundborg/YEAR/oekonomiudvalget; `edit` renames MitID to NemID so that a
    search can tell this year's answers from the original's."""
    folder = corpus_dir / "kalundborg" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    text = seed_path.read_text(encoding="utf-8")
    if edit:
        text = text.replace("MitID", "NemID")
    (folder / "oekonomiudvalget.txt").write_text(text, encoding="utf-8")
    (folder / "oekonomiudvalget.toml").write_text(SEED_META.format(year=year), encoding="utf-8")
    return folder


class Traffic:
    """`clients` threads, each on one keep-alive connection, GETting `urls` round-robin until
    the block ends (or `seconds` pass); every answer or error is kept in `records`."""

    def __init__(self, host: str, port: int, urls: list[str], clients: int,
                 timeout: float = 30.0, seconds: float | None = None) -> None:  # fmt: skip
        self.host, self.port, self.urls, self.timeout = host, port, urls, timeout
        self.deadline = time.monotonic() + seconds if seconds else float("inf")
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(i,)) for i in range(clients)]

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _client(self, n: int) -> None:
        conn = self._connect()
        while not self._stop.is_set() and time.monotonic() < self.deadline:
            url = self.urls[n % len(self.urls)]
            n += 1
            try:
                conn.request("GET", url)
                resp = conn.getresponse()
                got: Record = (time.monotonic(), url, resp.status, resp.read())
            except (OSError, http.client.HTTPException) as exc:
                got = (time.monotonic(), url, None, repr(exc))
                conn.close()
                conn = self._connect()
            with self._lock:
                self.records.append(got)
        conn.close()

    def __enter__(self) -> Traffic:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.timeout + 5)
